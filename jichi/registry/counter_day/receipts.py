"""領収書: a receipt over the fees of some certificates, numbered and printed as a PDF.

A receipt is made from certificates already issued and charged and not yet on a
receipt (the clerk's 「領収書」 after issuing, or every fee of a 受付 at once).  Its
number is the day's next, per municipality (``R20261203-0001``), taken under the
same kind of lock as the 窓口番号; the charges are marked with it in the same
transaction, so a fee is never on two receipts.  The PDF (WeasyPrint, in the
certificates' font) lists each item — kind, 発行番号, 通数 1, the fee, or 免除 with
its reason — and the total, with the 受付's 窓口番号 when it has one; re-printing
it re-reads the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from jichi.kernel.clock import JST, Clock, jst_date
from jichi.kernel.errors import JichiError
from jichi.registry.certificates.model import CertificateKind
from jichi.registry.counter_day import errors as e
from jichi.registry.counter_day.fees import EXEMPTIONS
from jichi.registry.counter_day.reception import check_allowed
from jichi.registry.counter_day.tables import certificate_charge, receipt, reception
from jichi.security import audit
from jichi.security.actor import Actor
from jichi.security.keys import AuditKey
from jichi.security.policy import require
from jichi.store.engine import write_transaction

RECEIPT_LOCK_CLASS = 0x72637074  # "rcpt"


@dataclass(frozen=True)
class ReceiptLine:
    serial: str
    kind: CertificateKind
    copies: int
    fee_yen: int
    standard_fee_yen: int
    exemption: str
    exemption_note: str

    @property
    def exemption_ja(self) -> str:
        if not self.exemption:
            return ""
        if self.exemption == "other":
            return self.exemption_note
        label = EXEMPTIONS.get(self.exemption, self.exemption)
        return f"{label}　{self.exemption_note}".strip()


@dataclass(frozen=True)
class Receipt:
    receipt_number: str
    lg_code: str
    issued_on: date
    issued_at: datetime
    clerk: str
    reception_id: str | None
    lines: tuple[ReceiptLine, ...]
    ticket_number: int | None = None  # the 受付's 窓口番号, printed beside the number

    @property
    def total_yen(self) -> int:
        return sum(line.fee_yen for line in self.lines)

    @property
    def exempt_count(self) -> int:
        return sum(1 for line in self.lines if line.exemption)


def _lock(conn: Connection, lg_code: str) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(
            sa.text("SELECT pg_advisory_xact_lock(:cls, :key)"),
            {"cls": RECEIPT_LOCK_CLASS, "key": int(lg_code)},
        )


def make_receipt(
    engine: Engine,
    lg_code: str,
    actor: Actor,
    clock: Clock,
    key: AuditKey,
    *,
    serials: Sequence[str] = (),
    reception_id: str | None = None,
) -> Receipt:
    """A receipt over the chosen certificates' fees (or every open fee of a 受付)."""
    require(actor, "receipt.issue")
    check_allowed(actor, lg_code)
    now = clock()
    day = jst_date(now)
    with write_transaction(engine) as conn:
        _lock(conn, lg_code)
        where = [
            certificate_charge.c.lg_code == lg_code,
            certificate_charge.c.receipt_number.is_(None),
        ]
        if serials:
            where.append(certificate_charge.c.serial.in_(list(serials)))
        elif reception_id:
            where.append(certificate_charge.c.reception_id == reception_id)
        else:
            raise JichiError(e.NOTHING_TO_RECEIPT, field="serials")
        rows = conn.execute(
            sa.select(certificate_charge).where(*where).order_by(certificate_charge.c.serial)
        ).all()
        if not rows:
            raise JichiError(e.NOTHING_TO_RECEIPT, field="serials")
        last = conn.execute(
            sa.select(sa.func.max(receipt.c.seq)).where(
                receipt.c.lg_code == lg_code, receipt.c.issued_on == day
            )
        ).scalar()
        seq = int(last or 0) + 1
        number = f"R{day:%Y%m%d}-{seq:04d}"
        found = Receipt(
            number,
            lg_code,
            day,
            now,
            actor.staff_id,
            reception_id or rows[0].reception_id,
            tuple(_line(r) for r in rows),
        )
        found = replace(found, ticket_number=_ticket(conn, lg_code, found.reception_id))
        conn.execute(
            receipt.insert().values(
                lg_code=lg_code,
                receipt_number=number,
                issued_on=day,
                seq=seq,
                reception_id=found.reception_id,
                total_yen=found.total_yen,
                issued_at=now,
                clerk=actor.staff_id,
            )
        )
        conn.execute(
            certificate_charge.update()
            .where(
                certificate_charge.c.lg_code == lg_code,
                certificate_charge.c.serial.in_([r.serial for r in rows]),
            )
            .values(receipt_number=number)
        )
        audit.append(
            conn,
            audit.AuditEntry(
                lg_code=lg_code,
                at=now,
                actor=actor.staff_id,
                actor_role=actor.role,
                action="receipt.issue",
                detail={
                    "receipt_number": number,
                    "total_yen": found.total_yen,
                    "serials": [r.serial for r in rows],
                },
            ),
            key,
        )
    return found


def _line(row: sa.Row[tuple[object, ...]]) -> ReceiptLine:
    return ReceiptLine(
        str(row.serial),
        CertificateKind(str(row.kind)),
        1,
        int(row.fee_yen),
        int(row.standard_fee_yen),
        str(row.exemption),
        str(row.exemption_note),
    )


def open_fees(conn: Connection, lg_code: str, day: date) -> dict[str, tuple[int, int]]:
    """Per 受付 of ``day``: (certificates charged and not yet on a receipt, their yen)."""
    rows = conn.execute(
        sa.select(
            certificate_charge.c.reception_id,
            sa.func.count(),
            sa.func.sum(certificate_charge.c.fee_yen),
        )
        .where(
            certificate_charge.c.lg_code == lg_code,
            certificate_charge.c.issued_on == day,
            certificate_charge.c.receipt_number.is_(None),
            certificate_charge.c.reception_id.is_not(None),
        )
        .group_by(certificate_charge.c.reception_id)
    ).all()
    return {str(r[0]): (int(r[1]), int(r[2] or 0)) for r in rows}


def get_receipt(conn: Connection, lg_code: str, number: str) -> Receipt:
    head = conn.execute(
        sa.select(receipt).where(receipt.c.lg_code == lg_code, receipt.c.receipt_number == number)
    ).first()
    if head is None:
        raise JichiError(e.RECEIPT_NOT_FOUND, field="receipt_number")
    rows = conn.execute(
        sa.select(certificate_charge)
        .where(
            certificate_charge.c.lg_code == lg_code, certificate_charge.c.receipt_number == number
        )
        .order_by(certificate_charge.c.serial)
    ).all()
    issued_at = head.issued_at if head.issued_at.tzinfo else head.issued_at.replace(tzinfo=JST)
    return Receipt(
        number,
        lg_code,
        head.issued_on,
        issued_at,
        head.clerk,
        head.reception_id,
        tuple(_line(r) for r in rows),
        _ticket(conn, lg_code, head.reception_id),
    )


def _ticket(conn: Connection, lg_code: str, reception_id: str | None) -> int | None:
    if not reception_id:
        return None
    found = conn.execute(
        sa.select(reception.c.ticket_number).where(
            reception.c.lg_code == lg_code, reception.c.reception_id == reception_id
        )
    ).scalar()
    return int(found) if found is not None else None
