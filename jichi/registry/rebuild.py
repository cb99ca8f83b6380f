"""Rebuild the ``resident`` projection from the event log and compare it with the live one.

The event log is the truth (ADR 0003); ``resident`` rows are written from it in the
same transaction as each event.  If a row was ever edited behind the service's back
(a hand-made UPDATE, a restore of the wrong file, a bug), the two disagree, and only
a replay shows it.  The replay here is the very fold the service uses
(:func:`jichi.registry.projection.replay`), streamed one person at a time in batches,
so memory stays flat whatever the size of the registry; nothing is written.

A row that lags only because the daily roll-forward has not run yet (a 転出 whose
planned day has come) is not a mismatch: it equals the replay as of the day the row
was last written, and is reported as *due* instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.kernel.clock import jst_date
from jichi.registry import repository as repo
from jichi.registry.events import Event
from jichi.registry.model import ResidentRecord
from jichi.registry.projection import replay
from jichi.registry.tables import registry_event, resident

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # updated_at is not compared
BATCH = 2_000  # people per comparison round trip
COMPARED = (
    "lg_code",
    "status",
    "household_id",
    "relationship",
    "name_key",
    "family_key",
    "kana_key",
    "date_of_birth",
    "sex",
    "address_key",
    "resident_code",
    "record",
)
"""The projected columns; the number columns, ``restricted``, ``version`` and
``updated_at`` are bookkeeping the events do not determine and are left out."""


class MismatchKind(StrEnum):
    DIFFERENT = "different"  # the live row differs from the replay
    MISSING = "missing"  # events but no live row
    ORPHAN = "orphan"  # a live row without a single event


@dataclass(frozen=True)
class Mismatch:
    """One person whose live row is not what the log says; ``fields`` names the columns
    that differ (never their values: the report is safe to print and to log)."""

    person_id: str
    kind: MismatchKind
    fields: tuple[str, ...] = ()


@dataclass
class RebuildReport:
    checked: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    due: list[str] = field(default_factory=list)  # waiting for roll-forward only

    @property
    def ok(self) -> bool:
        return not self.mismatches


def expected_row(record: ResidentRecord) -> dict[str, Any]:
    """The compared columns of the row the service would write for ``record``."""
    row = repo.resident_row(
        record, number_hash=None, number_enc=None, restricted=False, version=0, now=_EPOCH
    )
    return {name: row[name] for name in COMPARED}


def count_people(conn: Connection, lg_code: str) -> int:
    """How many people the log holds for ``lg_code`` (the progress bar's total)."""
    return int(
        conn.execute(
            sa.select(sa.func.count(sa.distinct(registry_event.c.person_id))).where(
                registry_event.c.lg_code == lg_code
            )
        ).scalar_one()
    )


def rebuild(
    conn: Connection,
    lg_code: str,
    today: date,
    *,
    batch: int = BATCH,
    progress: Callable[[int], None] | None = None,
) -> RebuildReport:
    """Replay every person of ``lg_code`` as of ``today`` and compare with ``resident``."""
    report = RebuildReport()
    for people in _batches(people_events(conn, lg_code), batch):
        live = _live_rows(conn, [pid for pid, _ in people])
        for person_id, events in people:
            report.checked += 1
            _compare(report, person_id, events, live.get(person_id), today)
        if progress is not None:
            progress(report.checked)
    for person_id in _orphans(conn, lg_code):
        report.mismatches.append(Mismatch(person_id, MismatchKind.ORPHAN))
    report.mismatches.sort(key=lambda m: m.person_id)
    return report


def _compare(
    report: RebuildReport,
    person_id: str,
    events: list[Event],
    live: dict[str, Any] | None,
    today: date,
) -> None:
    record = replay(events, as_of=today)
    if record is None:  # every event lies ahead: the row holds the record as of the last one
        record = replay(events)
    assert record is not None
    if live is None:
        report.mismatches.append(Mismatch(person_id, MismatchKind.MISSING))
        return
    differing = _differing(expected_row(record), live)
    if not differing:
        return
    then = replay(events, as_of=jst_date(live["updated_at"]))
    if (
        then is not None
        and then.status != record.status
        and not _differing(expected_row(then), live)
    ):
        report.due.append(person_id)
        return
    report.mismatches.append(Mismatch(person_id, MismatchKind.DIFFERENT, differing))


def _differing(expected: dict[str, Any], live: dict[str, Any]) -> tuple[str, ...]:
    return tuple(name for name in COMPARED if expected[name] != live[name])


def people_events(conn: Connection, lg_code: str) -> Iterator[tuple[str, list[Event]]]:
    """Each person's events of ``lg_code`` in log order, streamed (server-side cursor)."""
    rows = conn.execution_options(yield_per=5_000).execute(
        sa.select(registry_event)
        .where(registry_event.c.lg_code == lg_code)
        .order_by(registry_event.c.person_id, registry_event.c.seq)
    )
    current: str | None = None
    events: list[Event] = []
    for row in rows:
        mapping = row._mapping
        if mapping["person_id"] != current:
            if current is not None:
                yield current, events
            current, events = mapping["person_id"], []
        events.append(repo.event_from_row(mapping))
    if current is not None:
        yield current, events


def _batches(
    people: Iterator[tuple[str, list[Event]]], size: int
) -> Iterator[list[tuple[str, list[Event]]]]:
    chunk: list[tuple[str, list[Event]]] = []
    for person in people:
        chunk.append(person)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _live_rows(conn: Connection, person_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    columns = [resident.c.person_id, resident.c.updated_at, *(resident.c[n] for n in COMPARED)]
    rows = conn.execute(sa.select(*columns).where(resident.c.person_id.in_(person_ids)))
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        values = dict(row._mapping)
        moment = values["updated_at"]
        values["updated_at"] = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        found[row.person_id] = values
    return found


def _orphans(conn: Connection, lg_code: str) -> list[str]:
    has_events = sa.exists().where(
        registry_event.c.person_id == resident.c.person_id,
        registry_event.c.lg_code == lg_code,
    )
    rows = conn.execute(
        sa.select(resident.c.person_id).where(resident.c.lg_code == lg_code, ~has_events)
    )
    return sorted(row.person_id for row in rows)
