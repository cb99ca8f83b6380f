"""The persisted roll: register decided persons, then mark (表示) and strike (抹消) them.

Thin over ``voter_roll_entry``; every decision comes from :mod:`jichi.elections.roll`.
Registering a person already on the roll (not struck) changes nothing — the roll is
永久 and an entry stays as first made — while a person struck earlier and eligible
again gets a fresh entry.  A strike is final for that entry: later marks are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.elections.roll import (
    Action,
    MaintenanceDecision,
    Outcome,
    Reason,
    RegistrationDecision,
)
from jichi.elections.tables import voter_roll_entry as t
from jichi.kernel.clock import now as clock_now

__all__ = ["RollEntry", "apply_maintenance", "entries", "register"]


@dataclass(frozen=True)
class RollEntry:
    person_id: str
    registered_on: date
    registration_kind: str
    base_date: date
    marked_on: date | None
    mark_reason: str | None
    struck_on: date | None
    strike_reason: str | None
    convention: str


def _reasons(reasons: Iterable[Reason]) -> str:
    return ",".join(r.value for r in reasons)


def register(
    conn: Connection,
    lg_code: str,
    decisions: Iterable[RegistrationDecision],
    *,
    registered_on: date,
    base_date: date,
    periodic: bool,
    now: datetime | None = None,
) -> int:
    """Enter every REGISTER / REGISTER_MARKED decision; returns how many entries were made.

    21条2項 entries are marked on registration (27条2項).
    """
    now = now or clock_now()
    current = {
        row.person_id: row.struck_on
        for row in conn.execute(
            sa.select(t.c.person_id, t.c.struck_on).where(t.c.lg_code == lg_code)
        )
    }
    made = 0
    for d in decisions:
        if d.outcome is Outcome.NOT_REGISTERED:
            continue
        if d.person_id in current and current[d.person_id] is None:
            continue  # already on the roll
        marked = d.outcome is Outcome.REGISTER_MARKED
        values = {
            "registered_on": registered_on,
            "registration_kind": "periodic" if periodic else "election",
            "base_date": base_date,
            "marked_on": registered_on if marked else None,
            "mark_reason": Reason.MOVED_OUT.value if marked else None,
            "struck_on": None,
            "strike_reason": None,
            "convention": d.convention.value,
            "updated_at": now,
        }
        if d.person_id in current:
            conn.execute(
                t.update()
                .where(t.c.lg_code == lg_code, t.c.person_id == d.person_id)
                .values(values)
            )
        else:
            conn.execute(t.insert().values(lg_code=lg_code, person_id=d.person_id, **values))
        made += 1
    return made


def apply_maintenance(
    conn: Connection,
    lg_code: str,
    decisions: Iterable[MaintenanceDecision],
    *,
    on: date,
    now: datetime | None = None,
) -> dict[str, int]:
    """Write each 表示 and 抹消 on ``on``; returns counts of marks and strikes written."""
    now = now or clock_now()
    counts = {"marked": 0, "struck": 0}
    live = (t.c.lg_code == lg_code) & t.c.struck_on.is_(None)
    for d in decisions:
        where = live & (t.c.person_id == d.person_id)
        if d.action is Action.STRIKE:
            values = {
                "struck_on": on,
                "strike_reason": _reasons(d.reasons),
                "convention": d.convention.value,
                "updated_at": now,
            }
            counts["struck"] += conn.execute(t.update().where(where).values(values)).rowcount
        elif d.action is Action.MARK:
            values = {"marked_on": on, "mark_reason": _reasons(d.reasons), "updated_at": now}
            result = conn.execute(t.update().where(where & t.c.marked_on.is_(None)).values(values))
            counts["marked"] += result.rowcount
    return counts


def entries(conn: Connection, lg_code: str, *, include_struck: bool = False) -> list[RollEntry]:
    """The roll of ``lg_code`` in person-id order (struck entries only when asked)."""
    query = sa.select(t).where(t.c.lg_code == lg_code).order_by(t.c.person_id)
    if not include_struck:
        query = query.where(t.c.struck_on.is_(None))
    return [
        RollEntry(
            person_id=row.person_id,
            registered_on=row.registered_on,
            registration_kind=row.registration_kind,
            base_date=row.base_date,
            marked_on=row.marked_on,
            mark_reason=row.mark_reason,
            struck_on=row.struck_on,
            strike_reason=row.strike_reason,
            convention=row.convention,
        )
        for row in conn.execute(query)
    ]
