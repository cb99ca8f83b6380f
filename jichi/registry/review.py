"""What a notification will change, and what it changed: the 確認 and the 記録 pages' data.

:func:`changes` compares each touched person's record before and after the decision
item by item, in the registry's own words (氏名, 住所, 続柄 …), so the counter shows
"from → to" before anything is written; :func:`recording` reads back one recorded
notification (its events, the people, their households, the notices it queued) for the
result page.  Both are plain values: nothing here decides what the law allows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from jichi.kernel.era import format_wareki
from jichi.registry import repository as repo
from jichi.registry.events import Event, EventKind, NotificationKind
from jichi.registry.model import Address, PersonName, RemovalReason, ResidentRecord
from jichi.registry.tables import notification, outbox

ITEMS: tuple[tuple[str, str], ...] = (  # record item → its name on a 住民票
    ("name", "氏名"),
    ("name_kana", "フリガナ"),
    ("date_of_birth", "生年月日"),
    ("sex", "性別"),
    ("relationship", "続柄"),
    ("household_id", "世帯"),
    ("address", "住所"),
    ("address_since", "住所を定めた年月日"),
    ("resident_since", "住民となった年月日"),
    ("previous_address", "従前の住所"),
    ("honseki", "本籍"),
    ("family_register_head", "筆頭者"),
    ("former_surname", "旧氏"),
    ("alias", "通称"),
    ("foreign", "外国人住民の記載事項"),
    ("resident_code", "住民票コード"),
    ("has_individual_number", "個人番号"),
    ("planned_move_out", "転出予定日"),
    ("move_out_destination", "転出先"),
    ("move_out_confirmed", "転出の確定"),
    ("status", "住民票の状態"),
    ("removed_on", "消除日"),
    ("removal_reason", "消除の事由"),
    ("deceased_on", "死亡日"),
)


@dataclass(frozen=True)
class ItemChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class PersonChange:
    """One person's part: 記載 (new), 変更, 消除 or 回復, and the items from → to."""

    person_id: str
    name: str
    action: str  # 記載 / 変更 / 消除 / 回復
    items: list[ItemChange]
    household_id: str
    relationship: str
    address: str


def text_of(value: Any) -> str:
    """An item as the 住民票 prints it (dates in 和暦)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "あり" if value else "なし"
    if isinstance(value, PersonName):
        return value.text()
    if isinstance(value, Address):
        return value.text() or "—"
    if isinstance(value, RemovalReason):
        return value.label_ja
    if isinstance(value, date):
        return format_wareki(value)
    label = getattr(value, "label_ja", None)
    if isinstance(label, str):
        return label
    if hasattr(value, "nationality"):
        parts = (value.nationality, value.status_of_residence, value.period_of_stay)
        return "・".join(p for p in parts if p) or "—"
    return str(value)


def _item(record: ResidentRecord, key: str) -> Any:
    if key == "name_kana":
        return record.name.kana()
    if key == "status":
        return "現に住民" if record.is_active else "除票"
    return getattr(record, key)


def person_change(before: ResidentRecord | None, after: ResidentRecord) -> PersonChange:
    """Item by item: every item of a new record, only the differing ones otherwise."""
    if before is None:
        action = "記載"
    elif before.is_active and not after.is_active:
        action = "消除"
    elif not before.is_active and after.is_active:
        action = "回復"
    else:
        action = "変更"
    items = []
    for key, label in ITEMS:
        new = text_of(_item(after, key))
        old = text_of(_item(before, key)) if before is not None else "—"
        if key == "household_id":
            continue  # shown as the household, not as an id
        if before is None and new in {"—", "なし"}:
            continue  # a new record lists what it holds
        if before is None or old != new:
            items.append(ItemChange(label, old, new))
    return PersonChange(
        person_id=after.person_id,
        name=after.name.text(),
        action=action,
        items=items,
        household_id=after.household_id,
        relationship=after.relationship,
        address=after.address.text(),
    )


def changes(
    before: dict[str, ResidentRecord | None], after: dict[str, ResidentRecord]
) -> list[PersonChange]:
    """Every touched person's change, heads first, then in the order given."""
    found = [person_change(before.get(pid), record) for pid, record in after.items()]
    return sorted(found, key=lambda c: (c.relationship != "世帯主", c.household_id))


@dataclass(frozen=True)
class Review:
    """A notification decided but not written: what the 確認 page shows."""

    kind: str
    reason: NotificationKind
    effective_date: date
    notified_date: date
    late: bool
    flags: list[str]
    persons: list[PersonChange]
    distinct: list[str] = field(default_factory=list)  # 「別人として記録」 persons


@dataclass(frozen=True)
class Recording:
    """One recorded notification read back: what the result page shows."""

    notification_id: str
    kind: str
    effective_date: date
    notified_date: date
    recorded_at: datetime
    recorded_by: str
    late: bool
    flags: list[str]
    events: list[Event]
    records: dict[str, ResidentRecord]
    topics: list[str]  # the notices queued on the network (outbox topics)
    corrected_by: str | None = None  # the 記録の訂正 that undid it, if any

    @property
    def household_ids(self) -> list[str]:
        return sorted({r.household_id for r in self.records.values()})

    def removed(self) -> list[Event]:
        return [ev for ev in self.events if ev.kind is EventKind.REMOVED]


def recording(conn: sa.Connection, lg_code: str, notification_id: str) -> Recording | None:
    """The notification, its events, its people as they are now and its queued notices."""
    row = conn.execute(
        sa.select(notification).where(
            notification.c.lg_code == lg_code,
            notification.c.notification_id == notification_id,
        )
    ).first()
    if row is None:
        return None
    persons = repo.notification_persons(conn, lg_code, notification_id)
    history = repo.load_events(conn, persons)
    events = [ev for evs in history.values() for ev in evs if ev.notification_id == notification_id]
    ours = {ev.event_id for ev in events}
    corrected_by = next(
        (
            ev.notification_id
            for evs in history.values()
            for ev in evs
            if ev.corrects in ours and ev.reason is NotificationKind.RECORDING_CORRECTION
        ),
        None,
    )
    records = {
        pid: r for pid, r in repo.load_records(conn, persons).items() if r.lg_code == lg_code
    }
    return Recording(
        notification_id=row.notification_id,
        kind=row.kind,
        effective_date=row.effective_date,
        notified_date=row.notified_date,
        recorded_at=repo._aware(row.recorded_at),
        recorded_by=row.recorded_by,
        late=row.late,
        flags=list(row.flags or []),
        events=sorted(events, key=lambda ev: ev.seq),
        records=records,
        topics=_topics(conn, lg_code, notification_id, row.recorded_at),
        corrected_by=corrected_by,
    )


def _topics(conn: sa.Connection, lg_code: str, notification_id: str, at: datetime) -> list[str]:
    rows = conn.execute(
        sa.select(outbox.c.topic, outbox.c.payload).where(
            outbox.c.lg_code == lg_code, outbox.c.created_at == at
        )
    )
    return _unique(
        r.topic
        for r in rows
        if isinstance(r.payload, dict) and r.payload.get("notification_id") == notification_id
    )


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
