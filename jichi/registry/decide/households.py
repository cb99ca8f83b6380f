"""世帯変更 (法25条): split, merge, change of head, change of composition."""

from __future__ import annotations

import uuid

from jichi.kernel.errors import JichiError
from jichi.registry import commands as c
from jichi.registry import errors as e
from jichi.registry.decide.rules import (
    _Builder,
    active,
    distinct,
    household,
    member_of,
    no_future,
    notified,
    reheaded,
    same_household,
    set_relationships,
)
from jichi.registry.events import EventKind, NotificationKind
from jichi.registry.state import Context, Decision, HouseholdState, Snapshot


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
