"""出生・死亡: recorded ex officio from the 戸籍 notifications (令12条2項1号)."""

from __future__ import annotations

import uuid

from jichi.kernel.errors import JichiError
from jichi.registry import commands as c
from jichi.registry import errors as e
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
