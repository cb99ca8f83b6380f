"""事務の委託 of certificate issuance: the entrusting municipality's answer to a member's counter.

Like 広域交付 (``jichi.network.flows.remote_copy``), the counter of the entrusted member
(受託団体) never reads the entrusting member's (委託団体) tables: it asks, and the holder of
the records answers here — on its node, or in a deployment sharing one database on a
process that is not bound to the counter's tenant.  The answer is given only when a
事務の委託 (``jichi.places.cooperation``) in force on the day names both members in their
roles and the certificate kind; the person is found by the basic items the requester
showed (氏名 and 生年月日, exactly one match), never browsed; a person under a 支援措置 is
never answered; and the read is audited under the person, with the counter's clerk as
the actor and the arrangement as the purpose.  The copy is then made under the rules
of the municipality the contract names (``Entrustment.rules_lg_code``), and so is its fee:
when the entrusting member's rules apply, the answer carries the holder's fee.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.kernel.clock import Clock, jst_date, system_clock
from jichi.kernel.errors import JichiError, define
from jichi.kernel.text import name_search_key
from jichi.places import cooperation_store
from jichi.places.change_store import codes_held
from jichi.places.cooperation import Entrustment, entrustment_for
from jichi.registry import repository as repo
from jichi.registry.certificates.model import CertificateKind
from jichi.registry.counter_day.fees import fee_table
from jichi.registry.model import ResidentRecord
from jichi.registry.projection import replay
from jichi.registry.tables import resident
from jichi.security import audit
from jichi.security.actor import Actor, Role
from jichi.security.crypto import FieldCipher
from jichi.security.staff import require_role
from jichi.store.engine import write_transaction

ACTION = "certificate.entrusted_read"
REMOVED_KIND = "removed_record_copy"

NO_SUCH_PERSON = define(
    "COOP-010",
    "委託元の団体に、この氏名と生年月日の方の{state}住民票は一件だけではありません（{count}件）。",
    "the entrusting municipality has {count} {state_en} records with this name and birth date",
    http_status=404,
    params=("count", "state", "state_en"),
)
PROTECTED = define(
    "COOP-011",
    "この方の住民票は委託先では交付できません。委託元の窓口にお問い合わせください。",
    "this person's records are not issued by an entrusted counter (a support measure applies)",
    http_status=403,
)


@dataclass(frozen=True)
class EntrustedRecord:
    """What the holder hands the entrusted counter: one record and the grant it rests on.

    ``fee_yen`` is the holder's own fee for the kind when the contract applies the
    entrusting member's rules (``rules_of`` = entrusting), else ``None``: the counter
    charges from its own table.
    """

    record: ResidentRecord
    entrustment: Entrustment
    fee_yen: int | None = None


def answer(
    engine: Engine,
    cipher: FieldCipher,
    actor: Actor,
    *,
    holder: str,
    service: str,
    family: str,
    given: str,
    date_of_birth: date,
    clock: Clock | None = None,
) -> EntrustedRecord:
    """The record of the person the counter's requester named, if the 委託 covers it.

    ``actor`` is the entrusted counter's clerk (their own municipality is the counter);
    ``service`` a certificate kind.  COOP-001 outside the contract (its period, members or
    services), COOP-010 unless exactly one person matches, COOP-011 for a protected one.
    Nothing is read before the contract is found; the one read is audited.
    """
    require_role(actor, "certificate.entrusted", Role.CLERK, Role.SUPERVISOR)
    now = (clock or system_clock())()
    today = jst_date(now)
    with write_transaction(engine) as conn:
        grant = entrustment_for(
            cooperation_store.load(conn),
            holder=holder,
            counter=actor.lg_code,
            service=service,
            on=today,
        )
        wanted = "removed" if service == REMOVED_KIND else "active"
        rows = conn.execute(
            sa.select(resident.c.person_id, resident.c.restricted).where(
                resident.c.lg_code == holder,
                resident.c.status == wanted,
                resident.c.name_key == name_search_key(family + given),
                resident.c.date_of_birth == date_of_birth,
            )
        ).all()
        if len(rows) != 1:
            removed = wanted == "removed"
            raise JichiError(
                NO_SUCH_PERSON,
                field="name",
                count=len(rows),
                state="消除された" if removed else "現に住民である方の",
                state_en="removed" if removed else "current",
            )
        person_id, restricted = rows[0]
        if restricted:
            raise JichiError(PROTECTED, field="name")
        held = codes_held(conn, holder)
        events = repo.load_events(conn, [person_id]).get(person_id, [])
        record = replay([ev for ev in events if ev.lg_code in held], as_of=today)
        assert record is not None
        audit.append_many(
            conn,
            [
                audit.AuditEntry(
                    lg_code=holder,
                    at=now,
                    actor=actor.staff_id,
                    actor_role=actor.role,
                    action=ACTION,
                    subject_person_id=person_id,
                    purpose=f"事務の委託:{service}",
                    detail={
                        "arrangement_id": grant.arrangement.arrangement_id,
                        "counter": actor.lg_code,
                        "rules": grant.rules_lg_code,
                    },
                )
            ],
            cipher.audit_key,
        )
        own_rules = grant.rules_lg_code == holder
        fee = fee_table(conn, holder).fee(CertificateKind(service)) if own_rules else None
        return EntrustedRecord(record, grant, fee)
