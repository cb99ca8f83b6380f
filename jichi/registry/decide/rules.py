"""The shared machinery of every decision: the builder, dates, lookups and household checks."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from jichi.kernel.age import age_on
from jichi.kernel.deadlines import PeriodRule, is_late
from jichi.kernel.errors import JichiError
from jichi.registry import errors as e
from jichi.registry.events import Event, EventKind, NotificationKind
from jichi.registry.model import Address, RemovalReason, ResidentRecord
from jichi.registry.projection import apply
from jichi.registry.relationship import Relationship, check_household
from jichi.registry.state import Context, Decision, HouseholdState, OutboxMessage, Snapshot

HEAD = "世帯主"

# 法22条・23条・25条 (14 days, first day not counted); 戸籍法49条 (14 days) and 86条 (7 days)
# count the first day.  Move-out is filed in advance; practice accepts it up to 14 days
# after the move (SECONDARY, facts §2.1), so later ones are flagged, never refused.
PERIODS: dict[NotificationKind, tuple[int, PeriodRule]] = {
    NotificationKind.MOVE_IN: (14, PeriodRule.RESIDENT_REGISTRY_ACT),
    NotificationKind.MOVE_IN_FROM_ABROAD: (14, PeriodRule.RESIDENT_REGISTRY_ACT),
    NotificationKind.RELOCATION: (14, PeriodRule.RESIDENT_REGISTRY_ACT),
    NotificationKind.MOVE_OUT: (14, PeriodRule.RESIDENT_REGISTRY_ACT),
    NotificationKind.MOVE_OUT_ABROAD: (14, PeriodRule.RESIDENT_REGISTRY_ACT),
    NotificationKind.HOUSEHOLD_SPLIT: (14, PeriodRule.RESIDENT_REGISTRY_ACT),
    NotificationKind.HOUSEHOLD_MERGE: (14, PeriodRule.RESIDENT_REGISTRY_ACT),
    NotificationKind.HEAD_CHANGE: (14, PeriodRule.RESIDENT_REGISTRY_ACT),
    NotificationKind.HOUSEHOLD_COMPOSITION: (14, PeriodRule.RESIDENT_REGISTRY_ACT),
    NotificationKind.BIRTH: (14, PeriodRule.FAMILY_REGISTER_ACT),
    NotificationKind.DEATH: (7, PeriodRule.FAMILY_REGISTER_ACT),
}


class _Builder:
    """Accumulates one decision; keeps the snapshot up to date as events are added."""

    def __init__(
        self,
        ctx: Context,
        snapshot: Snapshot,
        reason: NotificationKind,
        effective_date: date,
        notified_date: date,
    ) -> None:
        self.ctx = ctx
        self.snapshot = snapshot
        self.before = dict(snapshot.records)
        period = PERIODS.get(reason)
        late = bool(
            period and is_late(effective_date, notified_date, period[0], period[1], ctx.calendar)
        )
        self.decision = Decision(
            notification_id=str(uuid.uuid4()),
            reason=reason,
            effective_date=effective_date,
            notified_date=notified_date,
            late=late,
        )
        if late:
            self.decision.flags.append("late")

    def event(
        self,
        person_id: str,
        kind: EventKind,
        changes: dict[str, Any],
        *,
        effective_date: date | None = None,
        corrects: str | None = None,
    ) -> Event:
        d = self.decision
        current = self.snapshot.records.get(person_id)
        when = effective_date or d.effective_date
        if kind is not EventKind.RECORDED and current is not None and when < current.resident_since:
            raise JichiError(
                e.BEFORE_RESIDENCE,
                field="effective_date",
                effective=when.isoformat(),
                name=current.name.text(),
                person_id=person_id,
                since=current.resident_since.isoformat(),
            )
        event = Event(
            event_id=str(uuid.uuid4()),
            notification_id=d.notification_id,
            person_id=person_id,
            lg_code=self.ctx.lg_code,
            kind=kind,
            reason=d.reason,
            effective_date=effective_date or d.effective_date,
            notified_date=d.notified_date,
            recorded_at=self.ctx.now,
            recorded_by=self.ctx.actor,
            changes=changes,
            corrects=corrects,
            late=d.late,
        )
        d.events.append(event)
        self.snapshot.records[person_id] = apply(self.snapshot.records.get(person_id), event)
        return event

    def household(self, state: HouseholdState) -> None:
        self.snapshot.households[state.household_id] = state
        self.decision.households[state.household_id] = state

    def notice(self, topic: str, record: ResidentRecord, **payload: Any) -> None:
        self.decision.outbox.append(
            OutboxMessage(
                topic=topic,
                ordering_key=record.resident_code or record.person_id,
                payload={
                    "notification_id": self.decision.notification_id,
                    "reason": self.decision.reason.value,
                    "effective_date": self.decision.effective_date.isoformat(),
                    "lg_code": self.ctx.lg_code,
                    "person_id": record.person_id,
                    "resident_code": record.resident_code,
                    **payload,
                },
            )
        )

    def identity_update(self, record: ResidentRecord) -> None:
        """本人確認情報 to the center (法30条の6): the basic four, code and reason."""
        self.notice(
            "center.identity",
            record,
            name=record.name.text(),
            name_kana=record.name.kana(),
            date_of_birth=record.date_of_birth.isoformat(),
            sex=record.sex.value,
            address=record.address.text(),
            status=record.status.value,
            has_individual_number=record.has_individual_number,
        )

    def attachment_update(self, record: ResidentRecord) -> None:
        """戸籍の附票 at the 本籍地 (法19条): Japanese residents with a 本籍 only."""
        if record.honseki and record.foreign is None:
            self.notice(
                "honseki.attachment",
                record,
                honseki=record.honseki,
                address=record.address.text(),
                address_since=record.address_since.isoformat(),
            )

    def election_notice(self, record: ResidentRecord) -> None:
        """選挙管理委員会 (法15条): the roll follows the registry."""
        self.notice("election.roll", record, status=record.status.value)

    def finish(self, households: Iterable[str], *new_heads: str | None) -> Decision:
        heads = {h for h in new_heads if h}
        check_households(self.snapshot, set(households), self.ctx, self.decision, heads)
        return self.decision


def notified(cmd: Any, ctx: Context) -> date:
    value: date = cmd.notified_date or ctx.today
    no_future("届出日", "notified date", value, ctx)
    return value


def no_future(label: str, label_en: str, value: date, ctx: Context) -> None:
    if value > ctx.today:
        raise JichiError(
            e.FUTURE_DATE,
            field=label_en.replace(" ", "_"),
            label=label,
            label_en=label_en,
            value=value.isoformat(),
        )


def active(snapshot: Snapshot, person_id: str, field: str = "person_id") -> ResidentRecord:
    record = snapshot.records.get(person_id)
    if record is None:
        raise JichiError(e.PERSON_NOT_FOUND, field=field, person_id=person_id)
    if not record.is_active:
        reason = record.removal_reason or RemovalReason.EX_OFFICIO
        raise JichiError(
            e.PERSON_NOT_ACTIVE,
            field=field,
            name=record.name.text(),
            person_id=person_id,
            reason=reason.label_ja,
            reason_en=reason.value,
        )
    return record


def household(snapshot: Snapshot, household_id: str, field: str) -> HouseholdState:
    state = snapshot.households.get(household_id)
    if state is None or not state.active:
        raise JichiError(e.HOUSEHOLD_NOT_FOUND, field=field, household_id=household_id)
    return state


def distinct(ids: Iterable[str], snapshot: Snapshot) -> list[str]:
    seen: list[str] = []
    for person_id in ids:
        if person_id in seen:
            record = snapshot.records.get(person_id)
            raise JichiError(
                e.DUPLICATE_PERSON,
                field="person_ids",
                person_id=person_id,
                name=record.name.text() if record else person_id,
            )
        seen.append(person_id)
    return seen


def here(address: Address, ctx: Context, label: str, label_en: str, field: str) -> Address:
    """An address in this municipality; an empty code means 'here'."""
    if not address.lg_code:
        return address.model_copy(update={"lg_code": ctx.lg_code})
    if address.lg_code != ctx.lg_code or address.abroad:
        raise JichiError(
            e.WRONG_MUNICIPALITY, field=field, label=label, label_en=label_en, here=ctx.lg_code
        )
    return address


def check_households(
    snapshot: Snapshot,
    household_ids: set[str],
    ctx: Context,
    decision: Decision,
    new_heads: set[str],
) -> None:
    """Every household keeps exactly one head; an emptied household is dissolved."""
    for household_id in sorted(household_ids):
        state = snapshot.households.get(household_id)
        if state is None:
            continue
        members = snapshot.members(household_id)
        if not members:
            if state.active:
                state.active = False
                decision.households[household_id] = state
            continue
        # REL-010 no head / REL-011 several heads / REL-012 several spouses of the head
        check_household(
            {m.person_id: Relationship.parse(m.relationship, deep_as_enko=True) for m in members}
        )
        head = next(m for m in members if m.relationship == HEAD)
        if head.person_id in new_heads:
            age = age_on(head.date_of_birth, decision.effective_date)
            if age < ctx.min_head_age:
                raise JichiError(
                    e.HEAD_TOO_YOUNG,
                    field="new_head_id",
                    min_age=ctx.min_head_age,
                    name=head.name.text(),
                    person_id=head.person_id,
                    age=age,
                )


def reheaded(
    b: _Builder,
    household_id: str,
    leaving: set[str],
    new_head_id: str | None,
    relationships: Mapping[str, str],
    why: tuple[str, str],
) -> str | None:
    """When the head leaves a household others stay in, name the new head.

    Only one member left makes the choice obvious (no 届出 needed: facts §4);
    otherwise the filer names the new head and each remaining member's 続柄.
    """
    remaining = [m for m in b.snapshot.members(household_id) if m.person_id not in leaving]
    if not remaining:
        return None
    if any(m.relationship == HEAD for m in remaining):
        return None
    if new_head_id is None and len(remaining) == 1:
        new_head_id = remaining[0].person_id
    if new_head_id is None or new_head_id not in {m.person_id for m in remaining}:
        raise JichiError(e.HEAD_LEAVES, field="new_head_id", why=why[0], why_en=why[1])
    for member in remaining:
        if member.person_id == new_head_id:
            b.event(member.person_id, EventKind.CHANGED, {"relationship": HEAD})
        else:
            text = relationships.get(member.person_id)
            if not text:
                raise JichiError(
                    e.MISSING_RELATIONSHIP,
                    field=f"relationships.{member.person_id}",
                    name=member.name.text(),
                    person_id=member.person_id,
                )
            text = written(text, f"relationships.{member.person_id}")
            b.event(member.person_id, EventKind.CHANGED, {"relationship": text})
    return new_head_id


def written(text: str, field: str) -> str:
    """The registry's own spelling of a 続柄 typed by the clerk (孫 → REL-003 子の子)."""
    return Relationship.parse(text, field=field).render()


def set_relationships(
    b: _Builder, person_ids: Iterable[str], relationships: Mapping[str, str], head_id: str | None
) -> None:
    for person_id in person_ids:
        record = b.snapshot.records[person_id]
        text = HEAD if person_id == head_id else relationships.get(person_id)
        if not text:
            raise JichiError(
                e.MISSING_RELATIONSHIP,
                field=f"relationships.{person_id}",
                name=record.name.text(),
                person_id=person_id,
            )
        text = written(text, f"relationships.{person_id}")
        if text != record.relationship:
            b.event(person_id, EventKind.CHANGED, {"relationship": text})


def member_of(snapshot: Snapshot, person_id: str, household_id: str) -> ResidentRecord:
    record = active(snapshot, person_id, "person_ids")
    if record.household_id != household_id:
        raise JichiError(
            e.NOT_A_MEMBER,
            field="person_ids",
            name=record.name.text(),
            person_id=person_id,
            household_id=household_id,
        )
    return record


def same_household(records: list[ResidentRecord]) -> str:
    households = {r.household_id for r in records}
    if len(households) != 1:
        raise JichiError(e.MIXED_HOUSEHOLDS, field="person_ids")
    return households.pop()
