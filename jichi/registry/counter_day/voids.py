"""誤交付の取消: a certificate issued by mistake is voided, never deleted.

Only a supervisor voids, with a reason.  The ``certificate`` row stays as issued (its
通番 is spent); a ``certificate_void`` row records who, when, why and the refund (the
fee charged, if any), and one audit entry is written under each subject.  From then
on the public verification answers 取消 for its code, and the 日計表 of the void's day
shows the refund.  A reprint is a new issuance with a new ``request_id``, so it gets
the next 通番; :func:`link_replacement` records which certificate replaced the voided
one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from jichi.kernel.clock import Clock, jst_date
from jichi.kernel.errors import JichiError
from jichi.registry.certificates.tables import certificate
from jichi.registry.counter_day import errors as e
from jichi.registry.counter_day.reception import check_allowed
from jichi.registry.counter_day.tables import certificate_charge, certificate_void
from jichi.security import audit
from jichi.security.actor import Actor
from jichi.security.keys import AuditKey
from jichi.security.policy import require
from jichi.store.engine import write_transaction

MAX_REASON = 500


@dataclass(frozen=True)
class Void:
    serial: str
    voided_on: date
    voided_at: datetime
    voided_by: str
    reason: str
    refund_yen: int
    replacement_serial: str | None = None


def void_certificate(
    engine: Engine,
    lg_code: str,
    serial: str,
    reason: str,
    actor: Actor,
    clock: Clock,
    key: AuditKey,
) -> Void:
    """Void the certificate ``serial`` (supervisor, with a reason; audited per subject)."""
    require(actor, "certificate.void")
    check_allowed(actor, lg_code)
    reason = reason.strip()
    if not reason:
        raise JichiError(e.VOID_REASON_REQUIRED, field="reason")
    if len(reason) > MAX_REASON:
        reason = reason[:MAX_REASON]
    now = clock()
    with write_transaction(engine) as conn:
        row = conn.execute(
            sa.select(
                certificate.c.serial, certificate.c.kind, certificate.c.subject_person_ids
            ).where(certificate.c.lg_code == lg_code, certificate.c.serial == serial)
        ).first()
        if row is None:
            raise JichiError(e.CERTIFICATE_UNKNOWN, field="serial", serial=serial[:200])
        if voided(conn, lg_code, serial) is not None:
            raise JichiError(e.ALREADY_VOIDED, field="serial")
        refund = conn.execute(
            sa.select(certificate_charge.c.fee_yen).where(
                certificate_charge.c.lg_code == lg_code, certificate_charge.c.serial == serial
            )
        ).scalar()
        found = Void(serial, jst_date(now), now, actor.staff_id, reason, int(refund or 0))
        conn.execute(
            certificate_void.insert().values(
                lg_code=lg_code,
                serial=serial,
                voided_on=found.voided_on,
                voided_at=now,
                voided_by=actor.staff_id,
                reason=reason,
                refund_yen=found.refund_yen,
                replacement_serial=None,
            )
        )
        audit.append_many(
            conn,
            [
                audit.AuditEntry(
                    lg_code=lg_code,
                    at=now,
                    actor=actor.staff_id,
                    actor_role=actor.role,
                    action="certificate.void",
                    subject_person_id=person_id,
                    detail={"serial": serial, "kind": row.kind, "refund_yen": found.refund_yen},
                )
                for person_id in row.subject_person_ids
            ],
            key,
        )
    return found


def link_replacement(engine: Engine, lg_code: str, serial: str, replacement: str) -> None:
    """Record that ``replacement`` (a new issuance, a new 通番) replaced ``serial``."""
    with write_transaction(engine) as conn:
        conn.execute(
            certificate_void.update()
            .where(certificate_void.c.lg_code == lg_code, certificate_void.c.serial == serial)
            .values(replacement_serial=replacement)
        )


def voided(conn: Connection, lg_code: str, serial: str) -> Void | None:
    row = conn.execute(
        sa.select(certificate_void).where(
            certificate_void.c.lg_code == lg_code, certificate_void.c.serial == serial
        )
    ).first()
    if row is None:
        return None
    return Void(
        row.serial,
        row.voided_on,
        row.voided_at,
        row.voided_by,
        row.reason,
        row.refund_yen,
        row.replacement_serial,
    )
