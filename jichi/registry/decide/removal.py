"""職権消除 and 回復."""

from __future__ import annotations

from jichi.kernel.errors import JichiError
from jichi.registry import commands as c
from jichi.registry import errors as e
from jichi.registry.decide.rules import (
    _Builder,
    active,
    no_future,
    notified,
    reheaded,
)
from jichi.registry.events import EventKind, NotificationKind
from jichi.registry.model import RemovalReason
from jichi.registry.state import Context, Decision, Snapshot


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
