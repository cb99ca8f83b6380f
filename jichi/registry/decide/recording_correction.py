"""記録の訂正: a recording made in error is undone by new events, never by deleting.

The recorded notification's events stay in the log (what was known, and when); each
person it touched gets one more event that puts their record back as it stood before
it — a person it recorded is removed (職権消除 by correction), a changed item gets its
earlier value, a removal is restored and a restoration removed again.  Households
follow their members (one left empty is closed, one refilled reopened).  It must be
the person's latest recording, so the fold of everything else is the record "before".
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from jichi.kernel.errors import JichiError
from jichi.registry import commands as c
from jichi.registry import errors as e
from jichi.registry.decide.rules import _Builder, notified
from jichi.registry.events import Event, EventKind, NotificationKind
from jichi.registry.model import RemovalReason, ResidentRecord
from jichi.registry.projection import replay
from jichi.registry.state import Context, Decision, Snapshot

# Items the event kind itself sets (REMOVED/RESTORED) or that never change.
_KEPT = {"person_id", "lg_code", "status"}


def recording_correction(cmd: c.RecordingCorrection, snapshot: Snapshot, ctx: Context) -> Decision:
    notified_on = notified(cmd, ctx)
    ours = {
        pid: [ev for ev in events if ev.notification_id == cmd.notification_id]
        for pid, events in snapshot.history.items()
    }
    ours = {pid: events for pid, events in ours.items() if events}
    if not ours:
        raise JichiError(
            e.RECORDING_NOT_FOUND, field="notification_id", notification_id=cmd.notification_id
        )
    first = next(iter(ours.values()))[0]
    if first.recorded_by != ctx.actor and not ctx.supervisor:
        raise JichiError(e.NOT_THE_RECORDER, field="notification_id", recorded_by=first.recorded_by)
    when = max(ev.effective_date for events in ours.values() for ev in events)
    if when > ctx.today:
        raise JichiError(e.PLANNED_RECORDING, field="notification_id", effective=when.isoformat())
    b = _Builder(ctx, snapshot, NotificationKind.RECORDING_CORRECTION, when, notified_on)
    households: set[str] = set()
    for pid in sorted(ours):
        history = snapshot.history[pid]
        mine = ours[pid]
        _latest(history, mine, snapshot.records.get(pid))
        before = replay([ev for ev in history if ev.notification_id != cmd.notification_id])
        after = replay(history)
        assert after is not None
        households.update({after.household_id, *([before.household_id] if before else [])})
        kind, changes = _undo(before, after)
        if not changes and kind is EventKind.CHANGED:
            continue
        b.event(
            pid,
            kind,
            changes,
            effective_date=max(ev.effective_date for ev in mine),
            corrects=mine[-1].event_id,
        )
        b.identity_update(b.snapshot.records[pid])
    _follow(b, households)
    return b.decision


def _latest(history: list[Event], mine: list[Event], record: ResidentRecord | None) -> None:
    """Nothing recorded after, nor dated after, this notification for this person."""
    last = max(mine, key=lambda ev: ev.seq)
    later = [
        ev
        for ev in history
        if ev.notification_id != last.notification_id
        and (ev.seq > last.seq or ev.effective_date > last.effective_date)
    ]
    if later:
        name = record.name.text() if record else last.person_id
        raise JichiError(
            e.LATER_RECORDING, field="notification_id", name=name, person_id=last.person_id
        )


def _undo(before: ResidentRecord | None, after: ResidentRecord) -> tuple[EventKind, dict[str, Any]]:
    """The event that turns ``after`` back into ``before``."""
    if before is None:  # recorded by the mistaken notification: removed by correction
        return EventKind.REMOVED, {
            "removal_reason": RemovalReason.EX_OFFICIO.value,
            "removed_on": max(after.resident_since, after.address_since).isoformat(),
        }
    old = before.model_dump(mode="json")
    new = after.model_dump(mode="json")
    changes = {k: v for k, v in old.items() if k not in _KEPT and new.get(k) != v}
    if before.is_active and not after.is_active:
        for item in ("removed_on", "removal_reason"):
            changes.pop(item, None)  # RESTORED clears them
        return EventKind.RESTORED, changes
    if not before.is_active and after.is_active:
        return EventKind.REMOVED, changes
    return EventKind.CHANGED, changes


def _follow(b: _Builder, household_ids: set[str]) -> None:
    """Each household as its members now are: closed when empty, at their address."""
    for hid in sorted(household_ids):
        state = b.snapshot.households.get(hid)
        if state is None:
            continue
        members = b.snapshot.members(hid)
        active = bool(members)
        address = members[0].address if members else state.address
        if (active, address) != (state.active, state.address):
            b.household(replace(state, active=active, address=address, is_new=False))
