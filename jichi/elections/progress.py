"""Where the count stands: each counting district's two entries, and 速報 versus 確定.

A district counts once its second entry, by another staff member, agreed with the first
(:func:`jichi.elections.counting.enter_tally`); until then the page shows who entered the
first and that it waits.  The result is 速報 until the commission declares it 確定
(:func:`declare_final`, ``election_declaration``), which it may only do when at least
one district counts and none waits — a declared result is never un-declared; a later
correction is a newer observation (:func:`jichi.elections.counting.record_correction`)
shown beside the declaration, not hidden by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from jichi.elections.errors import ALREADY_DECLARED, NOT_READY_TO_DECLARE
from jichi.elections.model import Election
from jichi.elections.tables import election_declaration as d
from jichi.elections.tables import tally_entry
from jichi.kernel.errors import JichiError

__all__ = ["Declared", "DistrictProgress", "declaration", "declare_final", "progress"]


@dataclass(frozen=True)
class DistrictProgress:
    counting_district: str
    first_staff: str
    first_at: datetime
    second_staff: str | None
    second_at: datetime | None

    @property
    def reconciled(self) -> bool:
        return self.second_staff is not None


@dataclass(frozen=True)
class Declared:
    declared_at: datetime
    declared_by: str


def progress(conn: Connection, election_id: str) -> list[DistrictProgress]:
    """Every counting district with an entry, in code order."""
    t = tally_entry
    rows = conn.execute(
        sa.select(t.c.counting_district, t.c.round, t.c.staff_id, t.c.entered_at)
        .where(t.c.election_id == election_id)
        .order_by(t.c.counting_district, t.c.round)
    ).all()
    first = {r.counting_district: r for r in rows if r.round == 1}
    second = {r.counting_district: r for r in rows if r.round == 2}
    return [
        DistrictProgress(
            code,
            r.staff_id,
            r.entered_at,
            second[code].staff_id if code in second else None,
            second[code].entered_at if code in second else None,
        )
        for code, r in first.items()
    ]


def declaration(
    conn: Connection, election_id: str, as_of: datetime | None = None
) -> Declared | None:
    """The declaration, if it was made by ``as_of`` (any time when ``None``)."""
    query = sa.select(d.c.declared_at, d.c.declared_by).where(d.c.election_id == election_id)
    if as_of is not None:
        query = query.where(d.c.declared_at <= as_of.astimezone(UTC))
    row = conn.execute(query).first()
    return Declared(row.declared_at, row.declared_by) if row else None


def declare_final(conn: Connection, e: Election, staff_id: str, now: datetime) -> Declared:
    """Record 確定 (ELE-036 if already, ELE-037 while a district waits or none counts)."""
    done = declaration(conn, e.election_id)
    if done is not None:
        raise JichiError(
            ALREADY_DECLARED,
            declared_at=done.declared_at.isoformat(),
            declared_by=done.declared_by,
        )
    districts = progress(conn, e.election_id)
    waiting = [p.counting_district for p in districts if not p.reconciled]
    if not districts or waiting:
        reason = (
            f"2人目の入力を待っている開票区があります（{'、'.join(waiting)}）"
            if waiting
            else "照合済みの開票区がありません"
        )
        reason_en = f"districts wait for a second entry: {waiting}" if waiting else "no district"
        raise JichiError(NOT_READY_TO_DECLARE, field="counting_district", reason=reason,
                         reason_en=reason_en)  # fmt: skip
    try:
        with conn.begin_nested():
            conn.execute(
                d.insert().values(
                    election_id=e.election_id,
                    declared_at=now.astimezone(UTC),
                    declared_by=staff_id,
                )
            )
    except IntegrityError:  # a second commissioner pressed the button at the same moment
        won = declaration(conn, e.election_id)
        assert won is not None
        raise JichiError(
            ALREADY_DECLARED, declared_at=won.declared_at.isoformat(), declared_by=won.declared_by
        ) from None
    return Declared(now.astimezone(UTC), staff_id)
