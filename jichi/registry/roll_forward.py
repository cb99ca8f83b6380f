"""Bring current records to today: removals filed in advance whose day has come.

A 転出届 is filed before the move with the planned date (法24条).  Until that day the
person is a resident (the current record shows 転出予定); on the day the record becomes
a 除票.  The event log already holds the removal, dated the planned day, so reading a
record "as of" any date is always right; the ``resident`` projection, which search,
counts and lists read, is brought forward here.  Run it once a day after midnight JST
(``jichi registry roll-forward``, e.g. from cron at 00:05) — the 日次処理 every
registry system has.  It is idempotent: a second run the same day changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.places.change_store import codes_held
from jichi.registry import repository as repo
from jichi.registry.model import ResidentRecord
from jichi.registry.projection import replay
from jichi.registry.tables import household, registry_event, resident


def due_people(conn: Connection, lg_code: str, today: date) -> list[str]:
    """Current records with a removal event dated on or before ``today``."""
    rows = conn.execute(
        sa.select(registry_event.c.person_id)
        .distinct()
        .join(resident, resident.c.person_id == registry_event.c.person_id)
        .where(
            resident.c.lg_code == lg_code,
            resident.c.status == "active",
            registry_event.c.kind == "removed",
            registry_event.c.effective_date <= today,
        )
    )
    return sorted(row.person_id for row in rows)


def roll_forward(conn: Connection, lg_code: str, today: date, now: datetime) -> list[str]:
    """Re-project the due records as of ``today``; the ids of those that changed."""
    due = due_people(conn, lg_code, today)
    if not due:
        return []
    stored = repo.load_records(conn, due)
    events = repo.load_events(conn, due)
    changed: list[ResidentRecord] = []
    held = codes_held(conn, lg_code)  # after a merger, the predecessors' events too
    for person_id in due:
        history = [ev for ev in events.get(person_id, []) if ev.lg_code in held]
        current = replay(history, as_of=today)
        if current is None or current == stored.get(person_id):
            continue
        conn.execute(
            resident.update()
            .where(resident.c.person_id == person_id)
            .values(
                status=current.status.value,
                household_id=current.household_id,
                relationship=current.relationship,
                record=current.model_dump(mode="json"),
                version=len(history),
                updated_at=now,
            )
        )
        changed.append(current)
    households = {r.household_id for r in changed} | {
        stored[r.person_id].household_id for r in changed if r.person_id in stored
    }
    for household_id in sorted(households):
        left = conn.execute(
            sa.select(sa.func.count())
            .select_from(resident)
            .where(resident.c.household_id == household_id, resident.c.status == "active")
        ).scalar_one()
        if left == 0:  # everyone has moved out: the household is dissolved on the day
            conn.execute(
                household.update()
                .where(household.c.household_id == household_id, household.c.active.is_(True))
                .values(active=False, version=household.c.version + 1, updated_at=now)
            )
    return [r.person_id for r in changed]
