"""転入・転出・転居 and 職権記載: people arriving, leaving and moving within the municipality."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from jichi.kernel.errors import Collector, JichiError
from jichi.registry import commands as c
from jichi.registry import errors as e
from jichi.registry.decide.checks import check_duplicates, checked_person
from jichi.registry.decide.rules import (
    HEAD,
    _Builder,
    active,
    distinct,
    here,
    household,
    no_future,
    notified,
    reheaded,
    same_household,
    set_relationships,
    written,
)
from jichi.registry.events import EventKind, NotificationKind
from jichi.registry.model import Address, RemovalReason, ResidentRecord
from jichi.registry.state import Context, Decision, HouseholdState, Snapshot


def move_in(cmd: c.MoveIn, snapshot: Snapshot, ctx: Context) -> Decision:
    errors = Collector()
    notified_on = cmd.notified_date or ctx.today
    with errors.check():
        notified(cmd, ctx)
    with errors.check():
        no_future("転入日", "move-in date", cmd.effective_date, ctx)
    if cmd.effective_date > notified_on:
        errors.add(
            JichiError(
                e.MOVE_IN_BEFORE_ARRIVAL,
                field="effective_date",
                effective=cmd.effective_date.isoformat(),
                notified=notified_on.isoformat(),
            )
        )
    address = cmd.address
    with errors.check():
        address = here(cmd.address, ctx, "転入先の住所", "the new address", "address")
    previous = cmd.previous_address
    if not previous.abroad and previous.lg_code == ctx.lg_code:
        errors.add(JichiError(e.SAME_MUNICIPALITY, field="previous_address"))
    persons = checked_persons(cmd.persons, cmd.effective_date, ("転入日", "move-in date"), errors)
    overrides = check_duplicates(persons, snapshot.namesakes, cmd.distinct_person_reason, errors)
    errors.raise_if_any()
    reason = NotificationKind.MOVE_IN_FROM_ABROAD if previous.abroad else NotificationKind.MOVE_IN
    b = _Builder(ctx, snapshot, reason, cmd.effective_date, notified_on)
    return record_persons(
        b, persons, address, previous, cmd.join_household_id, overrides, cmd.distinct_person_reason
    )


def checked_persons(
    persons: list[c.NewPerson],
    effective: date,
    date_label: tuple[str, str],
    errors: Collector,
) -> list[c.NewPerson]:
    return [
        checked_person(p, f"persons.{i}", errors, effective=effective, date_label=date_label)
        for i, p in enumerate(persons)
    ]


def record_persons(
    b: _Builder,
    persons: list[c.NewPerson],
    address: Address,
    previous: Address | None,
    join_household_id: str | None,
    overrides: dict[int, list[str]],
    override_reason: str,
) -> Decision:
    """New records at ``address`` (転入 and 職権記載): a new household or an existing one.

    ``persons`` have passed :func:`checked_person`; ``overrides`` are the likely
    duplicates recorded as different persons on the clerk's word (audited).
    """
    effective, notified_on = b.decision.effective_date, b.decision.notified_date
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
        if index in overrides:
            b.decision.distinct_overrides[person_id] = {
                "reason": override_reason,
                "matches": overrides[index],
            }
            if "recorded_as_distinct" not in b.decision.flags:
                b.decision.flags.append("recorded_as_distinct")
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
                new_address_detail=address.model_dump(mode="json"),
                moved_on=effective.isoformat(),
            )
    b.decision.result = {
        "household_id": household_id,
        "person_ids": [ev.person_id for ev in b.decision.events],
    }
    return b.finish({household_id}, head_id)


def ex_officio_record(cmd: c.ExOfficioRecord, snapshot: Snapshot, ctx: Context) -> Decision:
    """職権記載 (令12条1項): the mayor records a resident the survey found living here."""
    errors = Collector()
    notified_on = cmd.notified_date or ctx.today
    with errors.check():
        notified(cmd, ctx)
    with errors.check():
        no_future("記載日", "effective date", cmd.effective_date, ctx)
    address = cmd.address
    with errors.check():
        address = here(cmd.address, ctx, "住所", "the address", "address")
    persons = checked_persons(cmd.persons, cmd.effective_date, ("記載日", "effective date"), errors)
    overrides = check_duplicates(persons, snapshot.namesakes, cmd.distinct_person_reason, errors)
    errors.raise_if_any()
    b = _Builder(ctx, snapshot, NotificationKind.EX_OFFICIO_RECORD, cmd.effective_date, notified_on)
    return record_persons(
        b,
        persons,
        address,
        cmd.previous_address,
        cmd.join_household_id,
        overrides,
        cmd.distinct_person_reason,
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


def move_out(cmd: c.MoveOut, snapshot: Snapshot, ctx: Context) -> Decision:
    """転出届: the record becomes a 除票 effective on the planned date (転出予定).

    Filed in advance, the person stays a resident until that date: the current record
    shows 転出予定 (an event effective today), and the removal is an event dated the
    planned day, which the current record reaches on that day (``Registry.roll_forward``,
    and every read as of a date).  The 除票 shows the destination as 予定 until the new
    municipality's 転入通知 confirms it (``confirm_move_out``); a move abroad needs no
    confirmation.
    """
    notified_on = notified(cmd, ctx)
    ids = distinct(cmd.person_ids, snapshot)
    records = [active(snapshot, pid, "person_ids") for pid in ids]
    for record in records:
        if record.planned_move_out is not None:
            raise JichiError(
                e.MOVE_OUT_STATE,
                field="person_ids",
                name=record.name.text(),
                person_id=record.person_id,
                state="既に転出の届出があります（転出予定日 "
                + record.planned_move_out.isoformat()
                + "）",
                state_en="a move-out is already filed",
            )
    household_id = same_household(records)
    abroad = cmd.destination.abroad
    if not abroad and cmd.destination.lg_code == ctx.lg_code:
        raise JichiError(e.SAME_MUNICIPALITY, field="destination")
    reason = NotificationKind.MOVE_OUT_ABROAD if abroad else NotificationKind.MOVE_OUT
    b = _Builder(ctx, snapshot, reason, cmd.planned_date, notified_on)
    pending = cmd.planned_date > ctx.today
    if pending:
        for record in records:  # 転出予定 on the current record, from today
            b.event(
                record.person_id,
                EventKind.CHANGED,
                {
                    "planned_move_out": cmd.planned_date.isoformat(),
                    "move_out_destination": cmd.destination.model_dump(mode="json"),
                },
                effective_date=notified_on,
            )
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
    decision = b.finish({household_id}, new_head)
    if pending:
        for state in decision.households.values():
            state.active = True  # the household is dissolved on the day, not before
    return decision


def confirm_move_out(cmd: c.ConfirmMoveOut, snapshot: Snapshot, ctx: Context) -> Decision:
    notified_on = notified(cmd, ctx)
    ids = distinct(cmd.person_ids, snapshot)
    records = [removed_by_move_out(snapshot, pid, confirmed=False) for pid in ids]
    effective = cmd.moved_on or records[0].removed_on or records[0].planned_move_out or notified_on
    b = _Builder(ctx, snapshot, NotificationKind.MOVE_OUT_CONFIRMED, effective, notified_on)
    for record in records:
        changes: dict[str, Any] = {"move_out_confirmed": True}
        if cmd.new_address is not None:
            changes["move_out_destination"] = cmd.new_address.model_dump(mode="json")
        if cmd.moved_on is not None:
            changes["removed_on"] = cmd.moved_on.isoformat()
        if record.is_active:
            # Moved before the planned date: the 除票 starts on the day of the move.
            moved = min(cmd.moved_on or notified_on, notified_on)
            changes.update(
                removal_reason=RemovalReason.MOVE_OUT.value,
                removed_on=moved.isoformat(),
            )
            b.event(record.person_id, EventKind.REMOVED, changes, effective_date=moved)
            continue
        b.event(record.person_id, EventKind.CHANGED, changes, effective_date=record.removed_on)
    return b.decision


def cancel_move_out(cmd: c.CancelMoveOut, snapshot: Snapshot, ctx: Context) -> Decision:
    notified_on = notified(cmd, ctx)
    ids = distinct(cmd.person_ids, snapshot)
    records = [removed_by_move_out(snapshot, pid, confirmed=False) for pid in ids]
    b = _Builder(ctx, snapshot, NotificationKind.MOVE_OUT_CANCELLED, notified_on, notified_on)
    households: set[str] = set()
    cleared = {"planned_move_out": None, "move_out_destination": None, "move_out_confirmed": False}
    for record in records:
        state = snapshot.households.get(record.household_id)
        if state is not None and not state.active:
            state.active = True
            b.household(state)
        households.add(record.household_id)
        if record.is_active:
            # Cancelled before the planned date: 転出予定 goes now, the removal on its day.
            b.event(record.person_id, EventKind.CHANGED, cleared)
            b.event(
                record.person_id,
                EventKind.RESTORED,
                cleared,
                effective_date=record.planned_move_out,
            )
        else:
            b.event(record.person_id, EventKind.RESTORED, cleared, effective_date=record.removed_on)
        b.identity_update(b.snapshot.records[record.person_id])
    return b.finish(households)


def removed_by_move_out(snapshot: Snapshot, person_id: str, *, confirmed: bool) -> ResidentRecord:
    """A 除票 by 転出 still 予定: a confirmed one can be neither confirmed again nor
    cancelled, because the person is now a resident elsewhere."""
    record = snapshot.records.get(person_id)
    if record is None:
        raise JichiError(e.PERSON_NOT_FOUND, field="person_ids", person_id=person_id)
    destination = record.move_out_destination
    if record.is_active and record.planned_move_out and destination and not destination.abroad:
        return record  # filed in advance, the planned date still to come
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


def relocation(cmd: c.Relocation, snapshot: Snapshot, ctx: Context) -> Decision:
    notified_on = notified(cmd, ctx)
    no_future("転居日", "relocation date", cmd.effective_date, ctx)
    address = here(cmd.address, ctx, "転居先の住所", "the new address", "address")
    ids = distinct(cmd.person_ids, snapshot)
    records = [active(snapshot, pid, "person_ids") for pid in ids]
    from_household = same_household(records)
    if all(r.address.same_place(address) for r in records):
        raise JichiError(e.SAME_ADDRESS, field="address")
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
