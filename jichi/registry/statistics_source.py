"""The registry as statistics see it: plain, de-identified rows replayed from the event log.

The one function ``jichi.statistics`` may call instead of reading registry tables
(import-linter: the statistics context imports only this module of the registry).  It
returns no names, no addresses beyond the 町字, no ids the caller could join on — a
row is a sex, a date of birth, a 町字, a nationality and an opaque household key that
is only good for counting household sizes in the same answer.

State is replayed from the event log by 異動日 (``effective_date``): a person is a
resident on day D when the last status event (記載・消除・回復) with 異動日 ≤ D left
the record current.  Movements in a period are exactly those status transitions, each
classified by the notification that caused it, so
``population(end) − population(start) = additions − removals`` holds by construction
(the 人口動態 identity the statistics test for any history).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.places.change_store import load_changes
from jichi.places.changes import held_codes
from jichi.registry.tables import registry_event

__all__ = ["MovementRow", "ResidentRow", "StatisticsSource", "statistics_source"]

# Which notification made an addition or a removal (住民票記載数・消除数 の内訳).
_ADDITION = {"birth": "birth", "move_in": "move_in", "move_in_from_abroad": "move_in"}
_REMOVAL = {
    "death": "death",
    "move_out": "move_out",
    "move_out_abroad": "move_out",
    "move_out_confirmed": "move_out",
}
_STATUS_KINDS = ("recorded", "removed", "restored")


@dataclass(frozen=True)
class ResidentRow:
    """One resident on the base date, reduced to what a statistics table counts."""

    sex: str  # "male" | "female"
    date_of_birth: date
    town: str  # 町字 of the address ("" if none)
    nationality: str | None  # None: Japanese (no 法30条の45 items)
    household: int  # a key local to this answer (1, 2, …), never the registry's id


@dataclass(frozen=True)
class MovementRow:
    """One addition (記載) or removal (消除) in the period, by its cause."""

    kind: str  # birth | move_in | other_in | death | move_out | other_out
    effective_date: date
    sex: str
    date_of_birth: date
    town: str
    nationality: str | None


@dataclass(frozen=True)
class StatisticsSource:
    """Residents on ``on`` and the movements in ``(since, on]`` (empty when no ``since``)."""

    lg_code: str
    on: date
    since: date | None
    residents: tuple[ResidentRow, ...]
    movements: tuple[MovementRow, ...]


def _events(conn: Connection, codes: set[str], until: date) -> Iterator[Any]:
    query = (
        sa.select(
            registry_event.c.person_id,
            registry_event.c.lg_code,
            registry_event.c.kind,
            registry_event.c.reason,
            registry_event.c.effective_date,
            registry_event.c.changes,
        )
        .where(
            registry_event.c.lg_code.in_(sorted(codes)), registry_event.c.effective_date <= until
        )
        .order_by(registry_event.c.person_id, registry_event.c.effective_date, registry_event.c.seq)
    )
    yield from conn.execute(query)


def _town(state: dict[str, Any]) -> str:
    address = state.get("address")
    return str(address.get("town", "")) if isinstance(address, dict) else ""


def _nationality(state: dict[str, Any]) -> str | None:
    foreign = state.get("foreign")
    if isinstance(foreign, dict):
        return str(foreign.get("nationality") or "不詳")
    return None


def _by_person(rows: Iterable[Any]) -> Iterator[list[Any]]:
    current: list[Any] = []
    for row in rows:
        if current and current[0].person_id != row.person_id:
            yield current
            current = []
        current.append(row)
    if current:
        yield current


def statistics_source(
    conn: Connection, lg_code: str, on: date, since: date | None = None
) -> StatisticsSource:
    """The de-identified residents of ``lg_code`` on ``on``; movements after ``since``.

    ``since`` must be before ``on``; the movements are those with 異動日 in ``(since, on]``,
    the convention of the 1 January tables (the year before the base date).
    """
    residents: list[ResidentRow] = []
    movements: list[MovementRow] = []
    households: dict[str, int] = {}
    changes_recorded = load_changes(conn)
    if any(lg_code in c.retired and c.effective_date <= on for c in changes_recorded):
        # A code a merger retired has no residents from that day: its successor counts them.
        return StatisticsSource(lg_code, on, since, (), ())
    held = held_codes(changes_recorded, lg_code, on)
    held_before = held_codes(changes_recorded, lg_code, since) if since is not None else held
    for events in _by_person(_events(conn, held, on)):
        state: dict[str, Any] = {}
        active = False
        inside = False  # the record was this municipality's (as held on ``since``)
        for ev in events:
            changes = ev.changes if isinstance(ev.changes, dict) else {}
            if ev.kind == "recorded":
                state = dict(changes)
            else:
                state.update({k: v for k, v in changes.items() if k in _TRACKED})
            arrived = _merged_in(ev, since, active, inside)
            inside = ev.lg_code in held_before
            if arrived and state.get("date_of_birth"):
                # A resident of a municipality merged in during the period: no 転入 (facts
                # §1.3), but the population grew by them — counted as その他（記載）.
                movements.append(_movement("other_in", ev.effective_date, state))
                continue
            if ev.kind not in _STATUS_KINDS or not state.get("date_of_birth"):
                continue  # a 消除・回復 before any 記載 has no record to act on
            now_active = ev.kind != "removed"
            if now_active == active:
                continue
            active = now_active
            if since is not None and ev.effective_date > since:
                if now_active:
                    kind = (
                        _ADDITION.get(ev.reason, "other_in")
                        if ev.kind == "recorded"
                        else "other_in"
                    )
                else:
                    kind = _REMOVAL.get(ev.reason, "other_out")
                movements.append(_movement(kind, ev.effective_date, state))
        if not active or not state.get("date_of_birth"):
            continue
        household = households.setdefault(str(state.get("household_id", "")), len(households) + 1)
        residents.append(
            ResidentRow(
                str(state.get("sex", "")),
                date.fromisoformat(str(state["date_of_birth"])),
                _town(state),
                _nationality(state),
                household,
            )
        )
    return StatisticsSource(lg_code, on, since, tuple(residents), tuple(movements))


def _merged_in(ev: Any, since: date | None, active: bool, inside: bool) -> bool:
    """A merger's event that brings a current resident of another municipality in during
    ``(since, on]`` (``inside``: their record was already this municipality's on ``since``)."""
    return (
        since is not None
        and ev.reason == "municipal_merger"
        and ev.effective_date > since
        and active
        and not inside
    )


def _movement(kind: str, on: date, state: dict[str, Any]) -> MovementRow:
    return MovementRow(
        kind,
        on,
        str(state.get("sex", "")),
        date.fromisoformat(str(state["date_of_birth"])),
        _town(state),
        _nationality(state),
    )


_TRACKED = frozenset({"sex", "date_of_birth", "address", "foreign", "household_id"})
