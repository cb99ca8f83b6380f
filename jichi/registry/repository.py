"""Reading and writing the registry tables (SQLAlchemy Core, caller's transaction).

Nothing here commits: the service owns the one transaction per notification.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.kernel.address import fold_address
from jichi.kernel.text import name_search_key, reading_search_key
from jichi.registry.events import Event, EventKind, NotificationKind
from jichi.registry.model import Address, ResidentRecord
from jichi.registry.state import HouseholdState, OutboxMessage
from jichi.registry.tables import household, notification, outbox, registry_event, resident
from jichi.store.copy import JsonText, insert_rows


def load_records(conn: Connection, person_ids: Iterable[str]) -> dict[str, ResidentRecord]:
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    rows = conn.execute(
        sa.select(resident.c.person_id, resident.c.record).where(resident.c.person_id.in_(ids))
    )
    return {row.person_id: ResidentRecord.model_validate(row.record) for row in rows}


def load_namesakes(
    conn: Connection, lg_code: str, people: Iterable[tuple[str, date]]
) -> list[ResidentRecord]:
    """Current residents whose folded name and birth date match one of ``people``
    ((name_key, date_of_birth) pairs): the candidates of a likely duplicate."""
    pairs = sorted(set(people))
    if not pairs:
        return []
    rows = conn.execute(
        sa.select(resident.c.person_id, resident.c.record).where(
            resident.c.lg_code == lg_code,
            resident.c.status == "active",
            resident.c.name_key.in_(sorted({k for k, _ in pairs})),
            resident.c.date_of_birth.in_(sorted({d for _, d in pairs})),
        )
    )
    return [ResidentRecord.model_validate(row.record) for row in rows]


def load_members(conn: Connection, household_ids: Iterable[str]) -> dict[str, ResidentRecord]:
    ids = sorted(set(household_ids))
    if not ids:
        return {}
    rows = conn.execute(
        sa.select(resident.c.person_id, resident.c.record).where(
            resident.c.household_id.in_(ids), resident.c.status == "active"
        )
    )
    return {row.person_id: ResidentRecord.model_validate(row.record) for row in rows}


def load_households(conn: Connection, household_ids: Iterable[str]) -> dict[str, HouseholdState]:
    ids = sorted(set(household_ids))
    if not ids:
        return {}
    rows = conn.execute(sa.select(household).where(household.c.household_id.in_(ids)))
    return {
        row.household_id: HouseholdState(
            household_id=row.household_id,
            lg_code=row.lg_code,
            address=Address.model_validate(row.address),
            version=row.version,
            active=row.active,
        )
        for row in rows
    }


def load_events(conn: Connection, person_ids: Iterable[str]) -> dict[str, list[Event]]:
    ids = sorted(set(person_ids))
    found: dict[str, list[Event]] = {pid: [] for pid in ids}
    if not ids:
        return found
    rows = conn.execute(
        sa.select(registry_event)
        .where(registry_event.c.person_id.in_(ids))
        .order_by(registry_event.c.seq)
    )
    for row in rows:
        found[row.person_id].append(event_from_row(row._mapping))
    return found


def notification_persons(conn: Connection, lg_code: str, notification_id: str) -> list[str]:
    """The people one recorded notification touched (its events' persons)."""
    rows = conn.execute(
        sa.select(registry_event.c.person_id)
        .where(
            registry_event.c.lg_code == lg_code,
            registry_event.c.notification_id == notification_id,
        )
        .distinct()
    )
    return sorted(row.person_id for row in rows)


def event_from_row(row: Any) -> Event:
    return Event(
        event_id=row["event_id"],
        notification_id=row["notification_id"],
        person_id=row["person_id"],
        lg_code=row["lg_code"],
        kind=EventKind(row["kind"]),
        reason=NotificationKind(row["reason"]),
        effective_date=row["effective_date"],
        notified_date=row["notified_date"],
        recorded_at=_aware(row["recorded_at"]),
        recorded_by=row["recorded_by"],
        changes=row["changes"],
        corrects=row["corrects"],
        late=row["late"],
        seq=row["seq"],
    )


def insert_events(conn: Connection, events: Sequence[Event]) -> None:
    if not events:
        return
    insert_rows(
        conn,
        registry_event,
        [
            {
                "event_id": ev.event_id,
                "notification_id": ev.notification_id,
                "lg_code": ev.lg_code,
                "person_id": ev.person_id,
                "kind": ev.kind.value,
                "reason": ev.reason.value,
                "effective_date": ev.effective_date,
                "notified_date": ev.notified_date,
                "recorded_at": ev.recorded_at,
                "recorded_by": ev.recorded_by,
                "changes": ev.changes,
                "corrects": ev.corrects,
                "late": ev.late,
            }
            for ev in events
        ],
    )


def resident_row(
    record: ResidentRecord,
    *,
    number_hash: str | None,
    number_enc: str | None,
    restricted: bool,
    version: int,
    now: datetime,
    record_json: JsonText | None = None,
) -> dict[str, Any]:
    """The ``resident`` row of ``record``; ``record_json`` if the caller already serialised it."""
    name = record.name
    return {
        "person_id": record.person_id,
        "lg_code": record.lg_code,
        "status": record.status.value,
        "household_id": record.household_id,
        "relationship": record.relationship,
        "name_key": name_search_key(name.family + name.given),
        "family_key": name_search_key(name.family),
        "kana_key": reading_search_key(name.family_kana + name.given_kana),
        "date_of_birth": record.date_of_birth,
        "sex": record.sex.value,
        "address_key": address_key(record.address),
        "resident_code": record.resident_code or None,
        "individual_number_hash": number_hash,
        "individual_number_enc": number_enc,
        "record": record.model_dump(mode="json") if record_json is None else record_json,
        "restricted": restricted,
        "version": version,
        "updated_at": now,
    }


def address_key(address: Address) -> str:
    """The search key of an address: 五丁目 and ５丁目 and 5- are one (migration 0016)."""
    return fold_address(address.town + address.block + address.building)


def upsert_resident(conn: Connection, row: dict[str, Any], *, exists: bool) -> None:
    if exists:
        values = {k: v for k, v in row.items() if k != "person_id"}
        for secret in ("individual_number_hash", "individual_number_enc"):
            if values[secret] is None:
                del values[secret]  # keep the stored number unless a new one is given
        conn.execute(_UPDATE_RESIDENT, {"b_person_id": row["person_id"], **values})
    else:
        conn.execute(_INSERT_RESIDENT, row)


# Statements built once, their values given as parameters at execution: built per call
# with ``.values(**row)``, SQLAlchemy walked every value (the record's JSON too) to make
# the statement's cache key — a large share of ``Registry.apply``'s CPU (ADR 0039).
_INSERT_RESIDENT = resident.insert()
_UPDATE_RESIDENT = resident.update().where(resident.c.person_id == sa.bindparam("b_person_id"))
_INSERT_HOUSEHOLD = household.insert()
_UPDATE_HOUSEHOLD = household.update().where(
    household.c.household_id == sa.bindparam("b_household_id"),
    household.c.version == sa.bindparam("b_version"),
)
_INSERT_NOTIFICATION = notification.insert()


def save_household(conn: Connection, state: HouseholdState, now: datetime) -> bool:
    """Insert a new household, or bump an existing one's version; False on a lost race."""
    values = {
        "lg_code": state.lg_code,
        "address": state.address.model_dump(mode="json"),
        "address_key": address_key(state.address),
        "active": state.active,
        "updated_at": now,
    }
    if state.is_new:
        conn.execute(
            _INSERT_HOUSEHOLD, {"household_id": state.household_id, "version": 1, **values}
        )
        return True
    result = conn.execute(
        _UPDATE_HOUSEHOLD,
        {
            "b_household_id": state.household_id,
            "b_version": state.version,
            "version": state.version + 1,
            **values,
        },
    )
    return result.rowcount == 1


def insert_notification(
    conn: Connection,
    *,
    notification_id: str,
    lg_code: str,
    kind: str,
    effective_date: date,
    notified_date: date,
    recorded_at: datetime,
    recorded_by: str,
    request: dict[str, Any],
    late: bool,
    flags: list[str],
    idempotency_key: str | None,
) -> None:
    conn.execute(
        _INSERT_NOTIFICATION,
        {
            "notification_id": notification_id,
            "lg_code": lg_code,
            "kind": kind,
            "effective_date": effective_date,
            "notified_date": notified_date,
            "recorded_at": recorded_at,
            "recorded_by": recorded_by,
            "request": request,
            "late": late,
            "flags": flags,
            "idempotency_key": idempotency_key,
        },
    )


def insert_outbox(
    conn: Connection, lg_code: str, messages: Sequence[OutboxMessage], now: datetime
) -> None:
    if not messages:
        return
    conn.execute(
        outbox.insert(),
        [
            {
                "message_id": str(uuid.uuid4()),
                "lg_code": lg_code,
                "topic": m.topic,
                "ordering_key": m.ordering_key,
                "payload": m.payload,
                "created_at": now,
            }
            for m in messages
        ],
    )


def _aware(value: datetime) -> datetime:
    """SQLite returns naive datetimes; every moment jichi stores is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
