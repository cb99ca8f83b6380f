"""Decide what a notification does: rules of 住民基本台帳法 applied to a snapshot.

Pure functions, one per kind of notification.  Each checks the law's rules against
the current state, then returns the events, household changes and follow-up notices
(outbox) that the service writes in one transaction.  A rejection raises a
:class:`JichiError` before anything is written.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from jichi.kernel.age import age_on
from jichi.kernel.deadlines import PeriodRule, is_late
from jichi.kernel.errors import JichiError
from jichi.kernel.identifiers import IdKind, validate
from jichi.kernel.text import name_search_key, validate_name_kana
from jichi.registry import commands as c
from jichi.registry import errors as e
from jichi.registry.events import Event, EventKind, NotificationKind
from jichi.registry.identity_gate import ITEMS_JA, BasicFour, mismatches
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


# --- 転入 -----------------------------------------------------------------------------


def move_in(cmd: c.MoveIn, snapshot: Snapshot, ctx: Context) -> Decision:
    notified_on = notified(cmd, ctx)
    no_future("転入日", "move-in date", cmd.effective_date, ctx)
    if cmd.effective_date > notified_on:
        raise JichiError(
            e.MOVE_IN_BEFORE_ARRIVAL,
            field="effective_date",
            effective=cmd.effective_date.isoformat(),
            notified=notified_on.isoformat(),
        )
    address = here(cmd.address, ctx, "転入先の住所", "the new address", "address")
    previous = cmd.previous_address
    if not previous.abroad and previous.lg_code == ctx.lg_code:
        raise JichiError(e.SAME_MUNICIPALITY, field="previous_address")
    reason = NotificationKind.MOVE_IN_FROM_ABROAD if previous.abroad else NotificationKind.MOVE_IN
    b = _Builder(ctx, snapshot, reason, cmd.effective_date, notified_on)
    return record_persons(
        b, cmd.persons, address, previous, cmd.join_household_id, ("転入日", "move-in date")
    )


def record_persons(
    b: _Builder,
    persons: list[c.NewPerson],
    address: Address,
    previous: Address | None,
    join_household_id: str | None,
    date_label: tuple[str, str],
) -> Decision:
    """New records at ``address`` (転入 and 職権記載): a new household or an existing one."""
    effective, notified_on = b.decision.effective_date, b.decision.notified_date
    for index, person in enumerate(persons):
        if person.date_of_birth > effective:
            raise JichiError(
                e.BIRTH_DATE_ORDER,
                field=f"persons.{index}.date_of_birth",
                birth=person.date_of_birth.isoformat(),
                label=date_label[0],
                label_en=date_label[1],
                other=effective.isoformat(),
            )
    if join_household_id:
        target = household(b.snapshot, join_household_id, "join_household_id")
        if not target.address.same_place(address):
            raise JichiError(
                e.DIFFERENT_ADDRESS,
                field="join_household_id",
                kind="既存世帯への記載",
                kind_en="joining a household",
            )
        household_id = target.household_id
    else:
        household_id = str(uuid.uuid4())
        b.household(HouseholdState(household_id, b.ctx.lg_code, address, is_new=True))
    head_id: str | None = None
    for index, person in enumerate(persons):
        person_id = str(uuid.uuid4())
        person = person.model_copy(
            update={"relationship": written(person.relationship, f"persons.{index}.relationship")}
        )
        if person.relationship == HEAD:
            head_id = person_id
        record = new_record(person, person_id, household_id, b.ctx).model_copy(
            update={
                "resident_since": effective,
                "address": address,
                "address_since": effective,
                "moved_in_on": notified_on,  # 法7条八号: the 届出日, or the date of 職権記載
                "previous_address": previous,
            }
        )
        b.event(person_id, EventKind.RECORDED, record.model_dump(mode="json"))
        if person.individual_number:
            b.decision.individual_numbers[person_id] = person.individual_number
        stored = b.snapshot.records[person_id]
        b.identity_update(stored)
        b.attachment_update(stored)
        b.election_notice(stored)
        if previous is not None and not previous.abroad and previous.lg_code:
            # 転入通知 (法9条1項): the old municipality then confirms the move-out.
            b.notice(
                f"municipality.{previous.lg_code}.move_in_notice",
                stored,
                name=stored.name.text(),
                date_of_birth=stored.date_of_birth.isoformat(),
                new_address=address.text(),
                moved_on=effective.isoformat(),
            )
    b.decision.result = {
        "household_id": household_id,
        "person_ids": [ev.person_id for ev in b.decision.events],
    }
    return b.finish({household_id}, head_id)


def ex_officio_record(cmd: c.ExOfficioRecord, snapshot: Snapshot, ctx: Context) -> Decision:
    """職権記載 (令12条1項): the mayor records a resident the survey found living here."""
    notified_on = notified(cmd, ctx)
    no_future("記載日", "effective date", cmd.effective_date, ctx)
    address = here(cmd.address, ctx, "住所", "the address", "address")
    b = _Builder(ctx, snapshot, NotificationKind.EX_OFFICIO_RECORD, cmd.effective_date, notified_on)
    return record_persons(
        b,
        cmd.persons,
        address,
        cmd.previous_address,
        cmd.join_household_id,
        ("記載日", "effective date"),
    )


def new_record(
    person: c.NewPerson, person_id: str, household_id: str, ctx: Context
) -> ResidentRecord:
    return ResidentRecord(
        person_id=person_id,
        lg_code=ctx.lg_code,
        name=person.name,
        former_surname=person.former_surname,
        alias=person.alias,
        date_of_birth=person.date_of_birth,
        sex=person.sex,
        household_id=household_id,
        relationship=person.relationship,
        honseki=person.honseki,
        family_register_head=person.family_register_head,
        resident_since=person.date_of_birth,
        address=Address(lg_code=ctx.lg_code),
        address_since=person.date_of_birth,
        resident_code=person.resident_code,
        has_individual_number=bool(person.individual_number),
        qualifications=person.qualifications,
        foreign=person.foreign,
    )


# --- 転出 -----------------------------------------------------------------------------


def move_out(cmd: c.MoveOut, snapshot: Snapshot, ctx: Context) -> Decision:
    """転出届: the record becomes a 除票 effective on the planned date (転出予定).

    The 除票 shows the destination as 予定 until the new municipality's 転入通知
    confirms it (``confirm_move_out``); a move abroad needs no confirmation.
    """
    notified_on = notified(cmd, ctx)
    ids = distinct(cmd.person_ids, snapshot)
    records = [active(snapshot, pid, "person_ids") for pid in ids]
    household_id = same_household(records)
    abroad = cmd.destination.abroad
    if not abroad and cmd.destination.lg_code == ctx.lg_code:
        raise JichiError(e.SAME_MUNICIPALITY, field="destination")
    reason = NotificationKind.MOVE_OUT_ABROAD if abroad else NotificationKind.MOVE_OUT
    b = _Builder(ctx, snapshot, reason, cmd.planned_date, notified_on)
    new_head = reheaded(
        b, household_id, set(ids), cmd.new_head_id, cmd.relationships, ("転出", "move-out")
    )
    for record in records:
        b.event(
            record.person_id,
            EventKind.REMOVED,
            {
                "removal_reason": (
                    RemovalReason.MOVE_ABROAD if abroad else RemovalReason.MOVE_OUT
                ).value,
                "removed_on": cmd.planned_date.isoformat(),
                "planned_move_out": cmd.planned_date.isoformat(),
                "move_out_destination": cmd.destination.model_dump(mode="json"),
            },
        )
        stored = b.snapshot.records[record.person_id]
        b.identity_update(stored)
        b.attachment_update(stored)
        b.election_notice(stored)
    return b.finish({household_id}, new_head)


def confirm_move_out(cmd: c.ConfirmMoveOut, snapshot: Snapshot, ctx: Context) -> Decision:
    notified_on = notified(cmd, ctx)
    ids = distinct(cmd.person_ids, snapshot)
    records = [removed_by_move_out(snapshot, pid, confirmed=False) for pid in ids]
    effective = cmd.moved_on or records[0].removed_on or notified_on
    b = _Builder(ctx, snapshot, NotificationKind.MOVE_OUT_CONFIRMED, effective, notified_on)
    for record in records:
        changes: dict[str, Any] = {"move_out_confirmed": True}
        if cmd.new_address is not None:
            changes["move_out_destination"] = cmd.new_address.model_dump(mode="json")
        if cmd.moved_on is not None:
            changes["removed_on"] = cmd.moved_on.isoformat()
        b.event(record.person_id, EventKind.CHANGED, changes, effective_date=record.removed_on)
    return b.decision


def cancel_move_out(cmd: c.CancelMoveOut, snapshot: Snapshot, ctx: Context) -> Decision:
    notified_on = notified(cmd, ctx)
    ids = distinct(cmd.person_ids, snapshot)
    records = [removed_by_move_out(snapshot, pid, confirmed=False) for pid in ids]
    b = _Builder(ctx, snapshot, NotificationKind.MOVE_OUT_CANCELLED, notified_on, notified_on)
    households: set[str] = set()
    for record in records:
        state = snapshot.households.get(record.household_id)
        if state is not None and not state.active:
            state.active = True
            b.household(state)
        households.add(record.household_id)
        b.event(
            record.person_id,
            EventKind.RESTORED,
            {"planned_move_out": None, "move_out_destination": None, "move_out_confirmed": False},
            effective_date=record.removed_on,
        )
        b.identity_update(b.snapshot.records[record.person_id])
    return b.finish(households)


def removed_by_move_out(snapshot: Snapshot, person_id: str, *, confirmed: bool) -> ResidentRecord:
    """A 除票 by 転出 still 予定: a confirmed one can be neither confirmed again nor
    cancelled, because the person is now a resident elsewhere."""
    record = snapshot.records.get(person_id)
    if record is None:
        raise JichiError(e.PERSON_NOT_FOUND, field="person_ids", person_id=person_id)
    if record.removal_reason is not RemovalReason.MOVE_OUT:
        state, state_en = "転出の届出がありません", "no move-out to confirm or cancel"
    elif record.move_out_confirmed != confirmed:
        state, state_en = "転出は既に確定しています", "the move-out is already confirmed"
    else:
        return record
    raise JichiError(
        e.MOVE_OUT_STATE,
        field="person_ids",
        name=record.name.text(),
        person_id=person_id,
        state=state,
        state_en=state_en,
    )


def same_household(records: list[ResidentRecord]) -> str:
    households = {r.household_id for r in records}
    if len(households) != 1:
        raise JichiError(e.MIXED_HOUSEHOLDS, field="person_ids")
    return households.pop()


# --- 転居 -----------------------------------------------------------------------------


def relocation(cmd: c.Relocation, snapshot: Snapshot, ctx: Context) -> Decision:
    notified_on = notified(cmd, ctx)
    no_future("転居日", "relocation date", cmd.effective_date, ctx)
    address = here(cmd.address, ctx, "転居先の住所", "the new address", "address")
    ids = distinct(cmd.person_ids, snapshot)
    records = [active(snapshot, pid, "person_ids") for pid in ids]
    from_household = same_household(records)
    b = _Builder(ctx, snapshot, NotificationKind.RELOCATION, cmd.effective_date, notified_on)
    members = {m.person_id for m in snapshot.members(from_household)}
    whole = members == set(ids) and cmd.join_household_id is None
    new_head: str | None = None
    if whole:
        target_id = from_household
        state = snapshot.households[from_household]
        b.household(HouseholdState(target_id, ctx.lg_code, address, state.version, True, False))
    elif cmd.join_household_id:
        target = household(snapshot, cmd.join_household_id, "join_household_id")
        if not target.address.same_place(address):
            raise JichiError(
                e.DIFFERENT_ADDRESS,
                field="join_household_id",
                kind="既存世帯への転居",
                kind_en="joining a household on relocation",
            )
        target_id = target.household_id
    else:
        target_id = str(uuid.uuid4())
        b.household(HouseholdState(target_id, ctx.lg_code, address, is_new=True))
        new_head = cmd.new_head_id or (ids[0] if len(ids) == 1 else None)
        if new_head not in ids:
            raise JichiError(e.HEAD_LEAVES, field="new_head_id", why="転居", why_en="relocation")
    for record in records:
        b.event(
            record.person_id,
            EventKind.CHANGED,
            {
                "address": address.model_dump(mode="json"),
                "address_since": cmd.effective_date.isoformat(),
                "previous_address": record.address.model_dump(mode="json"),
                "household_id": target_id,
            },
        )
    if not whole:
        set_relationships(b, ids, cmd.relationships, new_head)
        remaining_head = reheaded(
            b,
            from_household,
            set(ids),
            cmd.remaining_head_id,
            cmd.relationships,
            ("転居", "relocation"),
        )
        return finish_relocation(b, records, from_household, target_id, new_head, remaining_head)
    return finish_relocation(b, records, from_household, target_id, new_head, None)


def finish_relocation(
    b: _Builder,
    records: list[ResidentRecord],
    from_household: str,
    target_id: str,
    new_head: str | None,
    remaining_head: str | None,
) -> Decision:
    for record in records:
        stored = b.snapshot.records[record.person_id]
        b.identity_update(stored)
        b.attachment_update(stored)
        b.election_notice(stored)
    return b.finish({from_household, target_id}, new_head, remaining_head)


# --- 出生・死亡 -------------------------------------------------------------------------


def birth(cmd: c.Birth, snapshot: Snapshot, ctx: Context) -> Decision:
    """出生: recorded ex officio in the household the 出生届 names (令12条2項1号).

    住民となった年月日 is the date of birth: the natural reading, UNCONFIRMED by a
    source (facts §0.5).
    """
    notified_on = notified(cmd, ctx)
    child = cmd.child
    no_future("生年月日", "date of birth", child.date_of_birth, ctx)
    target = household(snapshot, cmd.household_id, "household_id")
    b = _Builder(ctx, snapshot, NotificationKind.BIRTH, child.date_of_birth, notified_on)
    person_id = str(uuid.uuid4())
    child = child.model_copy(
        update={"relationship": written(child.relationship, "child.relationship")}
    )
    record = new_record(child, person_id, target.household_id, ctx).model_copy(
        update={"address": target.address, "address_since": child.date_of_birth}
    )
    b.event(person_id, EventKind.RECORDED, record.model_dump(mode="json"))
    if child.individual_number:
        b.decision.individual_numbers[person_id] = child.individual_number
    stored = b.snapshot.records[person_id]
    b.identity_update(stored)
    b.attachment_update(stored)
    b.decision.result = {"household_id": target.household_id, "person_ids": [person_id]}
    return b.finish({target.household_id})


def death(cmd: c.Death, snapshot: Snapshot, ctx: Context) -> Decision:
    notified_on = notified(cmd, ctx)
    no_future("死亡日", "date of death", cmd.effective_date, ctx)
    record = active(snapshot, cmd.person_id)
    if cmd.effective_date < record.date_of_birth:
        raise JichiError(
            e.BIRTH_DATE_ORDER,
            field="effective_date",
            birth=record.date_of_birth.isoformat(),
            label="死亡日",
            label_en="date of death",
            other=cmd.effective_date.isoformat(),
        )
    b = _Builder(ctx, snapshot, NotificationKind.DEATH, cmd.effective_date, notified_on)
    new_head = reheaded(
        b,
        record.household_id,
        {record.person_id},
        cmd.new_head_id,
        cmd.relationships,
        ("死亡", "death"),
    )
    b.event(
        record.person_id,
        EventKind.REMOVED,
        {
            "removal_reason": RemovalReason.DEATH.value,
            "removed_on": cmd.effective_date.isoformat(),
            "deceased_on": cmd.effective_date.isoformat(),
        },
    )
    stored = b.snapshot.records[record.person_id]
    b.identity_update(stored)
    b.attachment_update(stored)
    b.election_notice(stored)
    return b.finish({record.household_id}, new_head)


# --- 世帯変更 ---------------------------------------------------------------------------


def household_split(cmd: c.HouseholdSplit, snapshot: Snapshot, ctx: Context) -> Decision:
    notified_on = notified(cmd, ctx)
    no_future("異動日", "effective date", cmd.effective_date, ctx)
    source = household(snapshot, cmd.household_id, "household_id")
    ids = distinct(cmd.person_ids, snapshot)
    for pid in ids:
        member_of(snapshot, pid, source.household_id)
    remaining = [m for m in snapshot.members(source.household_id) if m.person_id not in ids]
    if not remaining:
        raise JichiError(e.NOBODY_LEFT, field="person_ids")
    if cmd.new_head_id not in ids:
        raise JichiError(e.HEAD_LEAVES, field="new_head_id", why="世帯分離", why_en="split")
    b = _Builder(ctx, snapshot, NotificationKind.HOUSEHOLD_SPLIT, cmd.effective_date, notified_on)
    new_id = str(uuid.uuid4())
    b.household(HouseholdState(new_id, ctx.lg_code, source.address, is_new=True))
    for pid in ids:
        b.event(pid, EventKind.CHANGED, {"household_id": new_id})
    set_relationships(b, ids, cmd.relationships, cmd.new_head_id)
    remaining_head = reheaded(
        b,
        source.household_id,
        set(ids),
        cmd.remaining_head_id,
        cmd.relationships,
        ("世帯分離", "split"),
    )
    b.decision.result = {"household_id": new_id}
    return b.finish({source.household_id, new_id}, remaining_head, cmd.new_head_id)


def household_merge(cmd: c.HouseholdMerge, snapshot: Snapshot, ctx: Context) -> Decision:
    notified_on = notified(cmd, ctx)
    no_future("異動日", "effective date", cmd.effective_date, ctx)
    source = household(snapshot, cmd.household_id, "household_id")
    target = household(snapshot, cmd.into_household_id, "into_household_id")
    if not source.address.same_place(target.address):
        raise JichiError(
            e.DIFFERENT_ADDRESS,
            field="into_household_id",
            kind="世帯合併",
            kind_en="a household merge",
        )
    b = _Builder(ctx, snapshot, NotificationKind.HOUSEHOLD_MERGE, cmd.effective_date, notified_on)
    ids = [m.person_id for m in snapshot.members(source.household_id)]
    for pid in ids:
        b.event(pid, EventKind.CHANGED, {"household_id": target.household_id})
    set_relationships(b, ids, cmd.relationships, None)
    return b.finish({source.household_id, target.household_id})


def head_change(cmd: c.HeadChange, snapshot: Snapshot, ctx: Context) -> Decision:
    notified_on = notified(cmd, ctx)
    no_future("異動日", "effective date", cmd.effective_date, ctx)
    target = household(snapshot, cmd.household_id, "household_id")
    member_of(snapshot, cmd.new_head_id, target.household_id)
    b = _Builder(ctx, snapshot, NotificationKind.HEAD_CHANGE, cmd.effective_date, notified_on)
    ids = [m.person_id for m in snapshot.members(target.household_id)]
    set_relationships(b, ids, cmd.relationships, cmd.new_head_id)
    return b.finish({target.household_id}, cmd.new_head_id)


def household_composition(
    cmd: c.HouseholdComposition, snapshot: Snapshot, ctx: Context
) -> Decision:
    notified_on = notified(cmd, ctx)
    no_future("異動日", "effective date", cmd.effective_date, ctx)
    ids = distinct(cmd.person_ids, snapshot)
    records = [active(snapshot, pid, "person_ids") for pid in ids]
    source_id = same_household(records)
    source = household(snapshot, source_id, "person_ids")
    target = household(snapshot, cmd.into_household_id, "into_household_id")
    if not source.address.same_place(target.address):
        raise JichiError(
            e.DIFFERENT_ADDRESS,
            field="into_household_id",
            kind="世帯構成変更",
            kind_en="a change of household composition",
        )
    b = _Builder(
        ctx, snapshot, NotificationKind.HOUSEHOLD_COMPOSITION, cmd.effective_date, notified_on
    )
    for pid in ids:
        b.event(pid, EventKind.CHANGED, {"household_id": target.household_id})
    set_relationships(b, ids, cmd.relationships, None)
    new_head = reheaded(
        b,
        source_id,
        set(ids),
        cmd.remaining_head_id,
        cmd.relationships,
        ("世帯構成変更", "composition change"),
    )
    return b.finish({source_id, target.household_id}, new_head)


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


# --- 戸籍届出・職権 -----------------------------------------------------------------------


def family_register_change(
    cmd: c.FamilyRegisterChange, snapshot: Snapshot, ctx: Context
) -> Decision:
    """婚姻・離婚・養子縁組・転籍 …: items rewritten ex officio (令12条2項1号)."""
    notified_on = notified(cmd, ctx)
    no_future("異動日", "effective date", cmd.effective_date, ctx)
    record = active(snapshot, cmd.person_id)
    b = _Builder(
        ctx, snapshot, NotificationKind.FAMILY_REGISTER_CHANGE, cmd.effective_date, notified_on
    )
    changes: dict[str, Any] = {}
    if cmd.name is not None:
        changes["name"] = cmd.name.model_dump(mode="json")
    for item in ("honseki", "family_register_head", "relationship"):
        value = getattr(cmd, item)
        if value is not None:
            changes[item] = written(value, item) if item == "relationship" else value
    b.event(record.person_id, EventKind.CHANGED, changes)
    stored = b.snapshot.records[record.person_id]
    if cmd.name is not None:
        b.identity_update(stored)
    b.attachment_update(stored)
    return b.finish({record.household_id})


def correction(cmd: c.Correction, snapshot: Snapshot, ctx: Context) -> Decision:
    """職権修正: a new event that points at the one it corrects, at that one's 異動日."""
    notified_on = notified(cmd, ctx)
    record = snapshot.records.get(cmd.person_id)
    if record is None:
        raise JichiError(e.PERSON_NOT_FOUND, field="person_id", person_id=cmd.person_id)
    effective = snapshot_event_date(snapshot, cmd.person_id, cmd.corrects_event_id)
    b = _Builder(ctx, snapshot, NotificationKind.EX_OFFICIO_CORRECTION, effective, notified_on)
    changes: dict[str, Any] = {}
    if cmd.name is not None:
        changes["name"] = cmd.name.model_dump(mode="json")
    if cmd.date_of_birth is not None:
        changes["date_of_birth"] = cmd.date_of_birth.isoformat()
    if cmd.sex is not None:
        changes["sex"] = cmd.sex.value
    for item in ("honseki", "family_register_head"):
        value = getattr(cmd, item)
        if value is not None:
            changes[item] = value
    b.event(record.person_id, EventKind.CHANGED, changes, corrects=cmd.corrects_event_id)
    b.identity_update(b.snapshot.records[record.person_id])
    return b.decision


def snapshot_event_date(snapshot: Snapshot, person_id: str, event_id: str) -> date:
    found = next(
        (
            ev.effective_date
            for ev in snapshot.history.get(person_id, [])
            if ev.event_id == event_id
        ),
        None,
    )
    if found is None:
        raise JichiError(e.UNKNOWN_EVENT, field="corrects_event_id", event_id=event_id)
    return found


def ex_officio_removal(cmd: c.ExOfficioRemoval, snapshot: Snapshot, ctx: Context) -> Decision:
    notified_on = notified(cmd, ctx)
    no_future("消除日", "removal date", cmd.effective_date, ctx)
    record = active(snapshot, cmd.person_id)
    b = _Builder(
        ctx, snapshot, NotificationKind.EX_OFFICIO_REMOVAL, cmd.effective_date, notified_on
    )
    # The municipality acts on its own finding: with others left and no obvious head,
    # the household keeps no head until a 世帯主変更 — so require the clerk to choose.
    new_head = reheaded(
        b, record.household_id, {record.person_id}, None, {}, ("職権消除", "removal")
    )
    b.event(
        record.person_id,
        EventKind.REMOVED,
        {
            "removal_reason": RemovalReason.EX_OFFICIO.value,
            "removed_on": cmd.effective_date.isoformat(),
        },
    )
    stored = b.snapshot.records[record.person_id]
    b.identity_update(stored)
    b.election_notice(stored)
    return b.finish({record.household_id}, new_head)


def restoration(cmd: c.Restoration, snapshot: Snapshot, ctx: Context) -> Decision:
    """回復: the removed record becomes current again with its history kept (facts §8.3)."""
    notified_on = notified(cmd, ctx)
    record = snapshot.records.get(cmd.person_id)
    if record is None:
        raise JichiError(e.PERSON_NOT_FOUND, field="person_id", person_id=cmd.person_id)
    if record.is_active or record.removed_on is None:
        raise JichiError(
            e.NOT_REMOVED, field="person_id", name=record.name.text(), person_id=cmd.person_id
        )
    b = _Builder(ctx, snapshot, NotificationKind.RESTORATION, record.removed_on, notified_on)
    state = snapshot.households.get(record.household_id)
    if state is not None and not state.active:
        state.active = True
        b.household(state)
    b.event(record.person_id, EventKind.RESTORED, {"deceased_on": None})
    b.identity_update(b.snapshot.records[record.person_id])
    return b.finish({record.household_id})


def attach_individual_number(
    cmd: c.AttachIndividualNumber, snapshot: Snapshot, ctx: Context
) -> Decision:
    notified_on = notified(cmd, ctx)
    record = active(snapshot, cmd.person_id)
    validate(IdKind.INDIVIDUAL_NUMBER, cmd.individual_number, field="individual_number")
    if cmd.sex is None and not cmd.without_sex:
        raise JichiError(e.IDENTITY_MISMATCH, field="sex", items="性別", items_en="sex")
    claimed = BasicFour(cmd.name, cmd.date_of_birth, cmd.sex, cmd.address)
    wrong = mismatches(record, claimed)
    if wrong:
        raise JichiError(
            e.IDENTITY_MISMATCH,
            field=wrong[0],
            items="・".join(ITEMS_JA[item] for item in wrong),
            items_en=", ".join(wrong),
        )
    if record.has_individual_number:
        raise JichiError(e.NUMBER_ALREADY_ATTACHED, field="person_id")
    b = _Builder(ctx, snapshot, NotificationKind.INDIVIDUAL_NUMBER, notified_on, notified_on)
    b.event(record.person_id, EventKind.CHANGED, {"has_individual_number": True})
    b.decision.individual_numbers[record.person_id] = cmd.individual_number
    b.identity_update(b.snapshot.records[record.person_id])
    return b.decision


def foreign_resident_change(
    cmd: c.ForeignResidentChange, snapshot: Snapshot, ctx: Context
) -> Decision:
    notified_on = notified(cmd, ctx)
    no_future("異動日", "effective date", cmd.effective_date, ctx)
    record = active(snapshot, cmd.person_id)
    foreign_only(record, "在留資格等", "status of residence items")
    b = _Builder(
        ctx, snapshot, NotificationKind.FOREIGN_RESIDENT_CHANGE, cmd.effective_date, notified_on
    )
    b.event(record.person_id, EventKind.CHANGED, {"foreign": cmd.foreign.model_dump(mode="json")})
    return b.decision


def foreign_only(record: ResidentRecord, what: str, what_en: str) -> None:
    if record.foreign is None:
        raise JichiError(
            e.NOT_FOREIGN,
            field="person_id",
            name=record.name.text(),
            person_id=record.person_id,
            what=what,
            what_en=what_en,
        )


def former_surname(cmd: c.FormerSurname, snapshot: Snapshot, ctx: Context) -> Decision:
    """旧氏: one per person, not the current 氏, always with its 振り仮名 (facts §6.2)."""
    notified_on = notified(cmd, ctx)
    record = active(snapshot, cmd.person_id)
    if record.foreign is not None:
        raise JichiError(e.NOT_JAPANESE, field="person_id")
    history = snapshot.history.get(record.person_id, [])
    b = _Builder(ctx, snapshot, NotificationKind.FORMER_SURNAME, notified_on, notified_on)
    if cmd.action == "delete":
        if record.former_surname is None:
            raise refuse_former("旧氏は記載されていません", "no former surname is recorded")
        b.event(record.person_id, EventKind.CHANGED, {"former_surname": None})
        b.identity_update(b.snapshot.records[record.person_id])
        return b.decision
    if not cmd.family or not cmd.family_kana:
        raise refuse_former(
            "旧氏とその振り仮名を両方入力してください", "surname and reading needed"
        )
    kana = validate_name_kana(cmd.family_kana, field="family_kana")
    if name_search_key(cmd.family) == name_search_key(record.name.family):
        raise refuse_former("現在の氏と同じです", "it equals the current surname")
    surnames = surnames_held(history)
    if record.former_surname is not None:
        # Switching is allowed only to the surname held just before the latest change.
        before_latest = surnames[-2] if len(surnames) >= 2 else None
        if before_latest is None or name_search_key(before_latest) != name_search_key(cmd.family):
            raise refuse_former(
                "旧氏は一つだけです。変更できるのは直前の氏だけです",
                "only one former surname; it may be switched only to the one held just before",
            )
    elif deleted_before(history):
        after = surnames_after_deletion(history)
        if not any(name_search_key(s) == name_search_key(cmd.family) for s in after[:-1]):
            raise refuse_former(
                "削除後の記載は、削除の後に生じた旧氏に限ります",
                "after a deletion only a surname arising after it may be recorded",
            )
    value = {"family": cmd.family, "family_kana": kana}
    b.event(record.person_id, EventKind.CHANGED, {"former_surname": value})
    b.identity_update(b.snapshot.records[record.person_id])
    return b.decision


def refuse_former(why: str, why_en: str) -> JichiError:
    return JichiError(e.FORMER_SURNAME_RULE, field="family", why=why, why_en=why_en)


def surnames_held(history: list[Event]) -> list[str]:
    """The person's surnames in the order the registry saw them (no repeats in a row)."""
    names: list[str] = []
    for event in sorted(history, key=lambda ev: (ev.effective_date, ev.recorded_at, ev.seq)):
        name = event.changes.get("name")
        if (
            isinstance(name, dict)
            and name.get("family")
            and (not names or names[-1] != name["family"])
        ):
            names.append(str(name["family"]))
    return names


def deleted_before(history: list[Event]) -> bool:
    return any(
        ev.reason is NotificationKind.FORMER_SURNAME and ev.changes.get("former_surname") is None
        for ev in history
    )


def surnames_after_deletion(history: list[Event]) -> list[str]:
    last = max(
        (
            ev
            for ev in history
            if ev.reason is NotificationKind.FORMER_SURNAME
            and ev.changes.get("former_surname") is None
        ),
        key=lambda ev: (ev.recorded_at, ev.seq),
    )
    later = [ev for ev in history if (ev.recorded_at, ev.seq) > (last.recorded_at, last.seq)]
    return surnames_held(later)


ALIAS_ALLOWED = re.compile(
    r"^[\u3040-\u309F\u30A0-\u30FF\u4E00-\u9FFF\u3400-\u4DBF\uF900-\uFAFF々〆ヵヶ\u3000 ]+$"
)


def alias(cmd: c.Alias, snapshot: Snapshot, ctx: Context) -> Decision:
    """通称: foreign residents only, one only, kana/kanji only, proven by use (facts §7.6)."""
    notified_on = notified(cmd, ctx)
    record = active(snapshot, cmd.person_id)
    foreign_only(record, "通称", "an alias")
    b = _Builder(ctx, snapshot, NotificationKind.ALIAS, notified_on, notified_on)
    if cmd.action == "delete":
        if record.alias is None:
            raise refuse_alias("通称は記載されていません", "no alias is recorded")
        b.event(record.person_id, EventKind.CHANGED, {"alias": None})
        b.identity_update(b.snapshot.records[record.person_id])
        return b.decision
    if cmd.alias is None:
        raise refuse_alias("通称を入力してください", "the alias is missing")
    if record.alias is not None:
        raise refuse_alias(
            "通称は一つだけです。変更は削除してから記載します",
            "one alias only: delete the current one first",
        )
    text = cmd.alias.family + cmd.alias.given
    if not ALIAS_ALLOWED.match(text):
        raise refuse_alias(
            "ひらがな・カタカナ・漢字で入力してください（ローマ字・ハングル・記号は使えません）",
            "use hiragana, katakana or kanji only",
        )
    if name_search_key(text) == name_search_key(record.name.family + record.name.given):
        raise refuse_alias("本名と同じ名前は通称にできません", "the alias equals the legal name")
    issuers = {name_search_key(ev.issuer) for ev in cmd.evidence}
    if cmd.exception is None and len(issuers) < 2:
        raise refuse_alias(
            "通称の使用を証する資料が、異なる発行元のもの2点以上必要です",
            "at least two documents from different issuers are needed",
        )
    b.event(record.person_id, EventKind.CHANGED, {"alias": cmd.alias.model_dump(mode="json")})
    b.identity_update(b.snapshot.records[record.person_id])
    return b.decision


def refuse_alias(why: str, why_en: str) -> JichiError:
    return JichiError(e.ALIAS_RULE, field="alias", why=why, why_en=why_en)


DECIDERS: dict[str, Callable[[Any, Snapshot, Context], Decision]] = {
    "move_in": move_in,
    "move_out": move_out,
    "confirm_move_out": confirm_move_out,
    "cancel_move_out": cancel_move_out,
    "relocation": relocation,
    "birth": birth,
    "death": death,
    "household_split": household_split,
    "household_merge": household_merge,
    "head_change": head_change,
    "household_composition": household_composition,
    "family_register_change": family_register_change,
    "correction": correction,
    "ex_officio_removal": ex_officio_removal,
    "restoration": restoration,
    "attach_individual_number": attach_individual_number,
    "foreign_resident_change": foreign_resident_change,
    "former_surname": former_surname,
    "alias": alias,
    "ex_officio_record": ex_officio_record,
}


def decide(cmd: Any, snapshot: Snapshot, ctx: Context) -> Decision:
    decision = DECIDERS[cmd.kind](cmd, snapshot, ctx)
    if not decision.events:
        raise JichiError(e.EMPTY_NOTIFICATION, field="kind")
    return decision
