"""The registry as My Number sees it: what a card's validity needs about one person.

The one function ``jichi.mynumber`` calls instead of reading registry tables
(import-linter: ``jichi.mynumber`` imports only this module of the registry).  It
returns plain values — never a card decision, which is My Number's to make — so the
card's rules can be tested without a registry and the registry's tables can change
without breaking the card.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.registry.model import ResidentRecord
from jichi.registry.tables import resident

__all__ = ["CardHolderRecord", "card_holder", "person_leaving"]

SPECIAL_PERMANENT = "特別永住者"


@dataclass(frozen=True)
class CardHolderRecord:
    person_id: str
    on_registry: bool  # an active 住民票 here (not removed)
    date_of_birth: date
    foreign: bool
    residence_status: str  # 特別永住者 (the 区分), else the 在留資格
    stay_expires_on: date | None  # 在留期間の満了の日


def card_holder(conn: Connection, lg_code: str, person_id: str) -> CardHolderRecord | None:
    """The person's current values in ``lg_code``, or None if they have no record here."""
    row = conn.execute(
        sa.select(resident.c.status, resident.c.date_of_birth, resident.c.record).where(
            resident.c.lg_code == lg_code, resident.c.person_id == person_id
        )
    ).first()
    if row is None:
        return None
    foreign = (row.record or {}).get("foreign") or None
    status = ""
    expires = None
    if foreign:
        category = foreign.get("category") or ""
        status = (
            category if category == SPECIAL_PERMANENT else foreign.get("status_of_residence", "")
        )
        expires = (
            date.fromisoformat(foreign["period_expires"]) if foreign.get("period_expires") else None
        )
    return CardHolderRecord(
        person_id=person_id,
        on_registry=row.status == "active",
        date_of_birth=row.date_of_birth,
        foreign=bool(foreign),
        residence_status=status,
        stay_expires_on=expires,
    )


def person_leaving(conn: Connection, lg_code: str, resident_code: str) -> str | None:
    """The person id in ``lg_code`` of the person with this 住民票コード, if they are leaving.

    For a card that must follow its holder to a new municipality (転入届の特例): the
    住民票コード is the one key a person keeps across municipalities, and the old record
    is the current one with a domestic 転出 filed (転出予定: the 特例転入 comes before the
    転入通知 makes it a 除票).  One probe of the unique index on the current code; None
    when the code is unknown there, the record is already a 除票, or not moving out.
    """
    row = conn.execute(
        sa.select(resident.c.person_id, resident.c.record).where(
            resident.c.lg_code == lg_code,
            resident.c.resident_code == resident_code,
            resident.c.status == "active",
        )
    ).first()
    if row is None or not ResidentRecord.model_validate(row.record).moving_out:
        return None
    return str(row.person_id)
