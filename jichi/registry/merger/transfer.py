"""Moving one municipality's registry rows between node databases, and proving the move.

A merger across node databases (:mod:`jichi.registry.merger.across`) copies the rows of
each party whose registry lives on another node into the target's database — residents,
their whole event log, the notifications the events cite, households, support measures
and the party's staff accounts — and then, before anything is committed, checks that the
copy says what the source says: the same persons (count), and per person a digest of
their history (every event, in order) and of their current record as the merger makes
it from the *source's* history.  Nothing else of the source is copied: its certificates,
日計表 and audit log stay in the source database, which is kept read-only as the old
municipality's archive (docs/guide/places.md).

Each table names its personal columns nowhere here: rows are copied whole, database to
database, and never logged; a mismatch is reported as a count of persons, never a name.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.kernel.errors import JichiError
from jichi.places.change_store import places_in_time
from jichi.registry import repository as repo
from jichi.registry.events import Event
from jichi.registry.merger import errors as e
from jichi.registry.model import ResidentRecord
from jichi.registry.projection import replay
from jichi.registry.service import NUMBER_CONTEXT
from jichi.registry.tables import (
    household,
    notification,
    outbox,
    registry_event,
    resident,
    support_measure,
)
from jichi.security.crypto import FieldCipher
from jichi.security.staff import staff
from jichi.store.copy import insert_rows

# What moves, in the order it is written (no foreign keys; the order is for readers).
TABLES: tuple[tuple[sa.Table, str], ...] = (
    (notification, "届出"),
    (household, "世帯"),
    (resident, "住民票"),
    (registry_event, "異動の記録"),
    (support_measure, "支援措置"),
    (staff, "職員"),
)
KEYS = {
    "notification": notification.c.notification_id,
    "household": household.c.household_id,
    "resident": resident.c.person_id,
    "registry_event": registry_event.c.event_id,
    "support_measure": support_measure.c.measure_id,
    "staff": staff.c.staff_id,
}


@dataclass
class PartyRows:
    """One party's rows as read from its node, with each person's history digest."""

    lg_code: str
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    histories: dict[str, list[Event]] = field(default_factory=dict)  # person → events

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.rows.items()}


def read_party(conn: Connection, lg_code: str) -> PartyRows:
    """Everything of ``lg_code`` that moves, read in the caller's (source) transaction.

    MRG-009 if the source already retired the code, MRG-008 if its outbox still holds
    messages of the party (they must reach the network from the node that wrote them).
    On PostgreSQL the party's resident rows are locked until the caller's transaction
    ends, so no notification can change a record between the copy and the retirement.
    """
    retired = {code for change in places_in_time(conn).changes for code in change.retired}
    if lg_code in retired:
        raise JichiError(e.ALREADY_MERGED, field="parties", code=lg_code)
    unsent = conn.execute(
        sa.select(sa.func.count())
        .select_from(outbox)
        .where(outbox.c.lg_code == lg_code, outbox.c.sent_at.is_(None))
    ).scalar_one()
    if unsent:
        raise JichiError(e.UNSENT_MESSAGES, field="parties", code=lg_code, count=unsent)
    party = PartyRows(lg_code)
    locked = sa.select(resident).where(resident.c.lg_code == lg_code)
    if conn.dialect.name == "postgresql":
        locked = locked.with_for_update()
    party.rows["resident"] = [dict(r._mapping) for r in conn.execute(locked)]
    people = [r["person_id"] for r in party.rows["resident"]]
    events = conn.execute(
        sa.select(registry_event)
        .where(registry_event.c.person_id.in_(people))
        .order_by(registry_event.c.seq)
    ).all()
    party.rows["registry_event"] = [
        {k: v for k, v in r._mapping.items() if k != "seq"} for r in events
    ]
    party.histories = repo.load_events(conn, people)
    cited = {r["notification_id"] for r in party.rows["registry_event"]}
    party.rows["notification"] = [
        dict(r._mapping)
        for r in conn.execute(
            sa.select(notification).where(
                sa.or_(
                    notification.c.lg_code == lg_code,
                    notification.c.notification_id.in_(sorted(cited)),
                )
            )
        )
    ]
    for table in (household, support_measure, staff):
        query = sa.select(table).where(table.c.lg_code == lg_code)
        party.rows[table.name] = [dict(r._mapping) for r in conn.execute(query)]
    return party


def copy_party(
    conn: Connection,
    party: PartyRows,
    source: FieldCipher | None = None,
    target: FieldCipher | None = None,
) -> None:
    """Write ``party``'s rows into the target (the caller's transaction); MRG-014 if the
    target already holds any of them (a second copy, or a clash of ids).

    Each node has its own keys: with ``source`` and ``target`` given and different, the
    個人番号 is decrypted with the source's key and stored under the target's (its blind
    index too), in memory only — never written anywhere in the clear.
    """
    for table, what in TABLES:
        rows = party.rows.get(table.name, [])
        key = KEYS[table.name]
        ids = [row[key.name] for row in rows]
        held = 0
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            query = sa.select(sa.func.count()).select_from(table).where(key.in_(chunk))
            held += conn.execute(query).scalar_one()
        if held:
            raise JichiError(
                e.TARGET_HOLDS_PARTY,
                field="parties",
                code=party.lg_code,
                what=what,
                what_en=table.name,
                count=held,
            )
        if table is resident and source is not None and target is not None and source != target:
            rows = [_rekeyed(row, source, target) for row in rows]
        insert_rows(conn, table, [_aware(row) for row in rows])


def _rekeyed(row: dict[str, Any], source: FieldCipher, target: FieldCipher) -> dict[str, Any]:
    sealed = row.get("individual_number_enc")
    if not sealed:
        return row
    number = source.decrypt(sealed, context=NUMBER_CONTEXT)
    return {
        **row,
        "individual_number_enc": target.encrypt(number, context=NUMBER_CONTEXT),
        "individual_number_hash": target.lookup_hash(number, context=NUMBER_CONTEXT),
    }


def _aware(row: dict[str, Any]) -> dict[str, Any]:
    """SQLite gives its moments back without a zone (they are UTC, as written)."""
    return {
        k: v.replace(tzinfo=UTC) if isinstance(v, datetime) and v.tzinfo is None else v
        for k, v in row.items()
    }


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def history_digest(events: list[Event]) -> str:
    """The digest of a person's events, in order (their database order is not part of it)."""
    return _digest(
        [
            {**asdict(ev), "seq": 0, "recorded_at": ev.recorded_at.astimezone(UTC).isoformat()}
            for ev in events
        ]
    )


@dataclass(frozen=True)
class Verification:
    """What the verification compared: persons per party and one digest over them all."""

    persons: dict[str, int]
    digest: dict[str, str]


def verify(conn: Connection, parties: list[PartyRows], change_id: str, today: date) -> Verification:
    """Every person of every copied party, source against target (``conn``): the same
    persons, the same history before the merger, and the current record the merger's
    event makes of the source's history.  MRG-015 with the number that disagree."""
    persons: dict[str, int] = {}
    digests: dict[str, str] = {}
    for party in parties:
        target = repo.load_events(conn, list(party.histories))
        stored = {
            row.person_id: ResidentRecord.model_validate(row.record).model_dump(mode="json")
            for row in conn.execute(
                sa.select(resident.c.person_id, resident.c.record).where(
                    resident.c.person_id.in_(list(party.histories))
                )
            )
        }
        wrong = 0
        each: list[str] = []
        for person_id, history in sorted(party.histories.items()):
            events = target.get(person_id, [])
            before = [ev for ev in events if ev.notification_id != change_id]
            merger = [ev for ev in events if ev.notification_id == change_id]
            expected = replay([*history, *merger], as_of=today)
            record = expected.model_dump(mode="json") if expected is not None else None
            source = (history_digest(history), _digest(record))
            copied = (history_digest(before), _digest(stored.get(person_id)))
            if source != copied:
                wrong += 1
            each.append(f"{person_id}:{source[0]}:{source[1]}")
        if wrong or len(stored) != len(party.histories):
            raise JichiError(
                e.NOT_VERIFIED,
                field="parties",
                code=party.lg_code,
                count=wrong + abs(len(party.histories) - len(stored)),
            )
        persons[party.lg_code] = len(party.histories)
        digests[party.lg_code] = _digest(each)
    return Verification(persons, digests)
