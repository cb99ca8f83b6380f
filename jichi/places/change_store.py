"""Reading and writing the recorded mergers (``place_change``), in the caller's transaction."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.places.changes import LocalChange, MergerKind, PlacesInTime, held_codes
from jichi.places.history import default_history
from jichi.places.model import Kind, LocalGovernment
from jichi.places.tables import place_change, place_change_party


def load_changes(conn: Connection) -> list[LocalChange]:
    """Every merger recorded in this database, oldest first."""
    parties: dict[str, list[str]] = {}
    for row in conn.execute(
        sa.select(place_change_party).order_by(place_change_party.c.predecessor_code)
    ):
        parties.setdefault(row.change_id, []).append(row.predecessor_code)
    rows = conn.execute(sa.select(place_change).order_by(place_change.c.effective_date))
    return [
        LocalChange(
            change_id=row.change_id,
            kind=MergerKind(row.kind),
            effective_date=row.effective_date,
            successor=_place(row.successor),
            predecessors=tuple(parties.get(row.change_id, ())),
        )
        for row in rows
    ]


def codes_held(conn: Connection, lg_code: str, on: Any = None) -> set[str]:
    """The codes whose events ``lg_code`` replays (see :func:`held_codes`)."""
    return held_codes(load_changes(conn), lg_code, on)


def places_in_time(conn: Connection) -> PlacesInTime:
    """The bundled history with this database's mergers laid over it."""
    return PlacesInTime(default_history(), load_changes(conn))


def record_change(
    conn: Connection,
    change: LocalChange,
    *,
    at: datetime,
    by: str,
    summary: dict[str, Any],
    earlier: list[LocalChange] | None = None,
) -> None:
    """Record one merger in the caller's transaction, with a party row for every code the
    successor now holds (a predecessor's own predecessors too: the row-security policy of
    migration 0060 looks one level only)."""
    held: set[str] = set()
    for code in change.predecessors:
        held |= held_codes(earlier if earlier is not None else load_changes(conn), code)
    held.discard(change.successor.code)
    conn.execute(
        place_change.insert().values(
            change_id=change.change_id,
            kind=change.kind.value,
            effective_date=change.effective_date,
            successor_code=change.successor.code,
            successor={**asdict(change.successor), "kind": change.successor.kind.value},
            recorded_at=at,
            recorded_by=by,
            summary=summary,
        )
    )
    conn.execute(
        place_change_party.insert(),
        [
            {
                "change_id": change.change_id,
                "predecessor_code": code,
                "successor_code": change.successor.code,
                "effective_date": change.effective_date,
            }
            for code in sorted(held)
        ],
    )


def _place(data: dict[str, Any]) -> LocalGovernment:
    return LocalGovernment(**{**data, "kind": Kind(data["kind"])})
