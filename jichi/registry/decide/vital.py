"""出生・死亡: recorded ex officio from the 戸籍 notifications (令12条2項1号)."""

from __future__ import annotations

import uuid

from jichi.kernel.errors import Collector, JichiError
from jichi.registry import commands as c
from jichi.registry import errors as e
from jichi.registry.decide.checks import checked_person
from jichi.registry.decide.moves import new_record
from jichi.registry.decide.rules import (
    _Builder,
    active,
    household,
    no_future,
    notified,
    reheaded,
    written,
)
from jichi.registry.events import EventKind, NotificationKind
from jichi.registry.model import RemovalReason
from jichi.registry.state import Context, Decision, Snapshot


def birth(cmd: c.Birth, snapshot: Snapshot, ctx: Context) -> Decision:
    """出生: recorded ex officio in the household the 出生届 names (令12条2項1号).

    住民となった年月日 is the date of birth: the natural reading, UNCONFIRMED by a
    source (facts §0.5).
    """
    errors = Collector()
    notified_on = cmd.notified_date or ctx.today
    with errors.check():
        notified(cmd, ctx)
    with errors.check():
        no_future("生年月日", "date of birth", cmd.child.date_of_birth, ctx)
    child = checked_person(cmd.child, "child", errors)
    target = None
    with errors.check():
        target = household(snapshot, cmd.household_id, "household_id")
    if target is not None:
        with errors.check():
            born_after_parents(child, snapshot, target.household_id)
    errors.raise_if_any()
    assert target is not None
    b = _Builder(ctx, snapshot, NotificationKind.BIRTH, child.date_of_birth, notified_on)
    if (notified_on - child.date_of_birth).days > ctx.birth_review_days:
        # Not refused: a birth notified years later happens (a person without a 戸籍
        # who obtains one); the flag sends it to a supervisor's review.
        b.decision.flags.append("birth_long_past")
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


PARENTS_OF_CHILD = {"世帯主", "妻", "夫"}


def born_after_parents(child: c.NewPerson, snapshot: Snapshot, household_id: str) -> None:
    """A 子 of the head is born after the head and the head's spouse (民法 needs no
    citation: a parent is born before the child).  Other 続柄 name no parent here."""
    if written(child.relationship, "child.relationship") != "子":
        return
    for member in snapshot.members(household_id):
        if member.relationship in PARENTS_OF_CHILD and child.date_of_birth <= member.date_of_birth:
            raise JichiError(
                e.BIRTH_BEFORE_PARENT,
                field="child.date_of_birth",
                birth=child.date_of_birth.isoformat(),
                name=member.name.text(),
                person_id=member.person_id,
                parent_birth=member.date_of_birth.isoformat(),
            )


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
