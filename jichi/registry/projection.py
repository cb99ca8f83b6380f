"""Fold a person's events into their record — the only way a record is built.

The current record, a record "as of" any 異動日 and a record "as recorded" at any
moment are all the same fold over a different slice of the log, so they cannot
disagree.  Events fold in 異動日 order (then the order they were written), which is
why a late correction with an earlier 異動日 lands in its place in history rather
than on top of later changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from jichi.registry.events import Event, EventKind, NotificationKind
from jichi.registry.model import RemovalReason, ResidentRecord, Status


def apply(record: ResidentRecord | None, event: Event) -> ResidentRecord:
    """One event on a record.

    Removals and restorations are judged against the record as folded so far, because a
    back-dated event can land between them: a 転出取消 restores only a removal by 転出
    (never a death folded in before it), and a second removal keeps the first one's
    reason and date (a person who died before the planned move-out date stays dead).
    """
    if event.kind is EventKind.RECORDED or record is None:
        return ResidentRecord.model_validate(event.changes)
    data: dict[str, Any] = record.model_dump(mode="json")
    if event.kind is EventKind.REMOVED and not record.is_active:
        return record  # already removed: the earlier removal stands
    if (
        event.kind is EventKind.RESTORED
        and event.reason is NotificationKind.MOVE_OUT_CANCELLED
        and record.removal_reason is not RemovalReason.MOVE_OUT
    ):
        return record  # nothing of this move-out left to cancel
    data.update(event.changes)
    if event.kind is EventKind.REMOVED:
        data["status"] = Status.REMOVED.value
    elif event.kind is EventKind.RESTORED:
        data.update(status=Status.ACTIVE.value, removed_on=None, removal_reason=None)
    return ResidentRecord.model_validate(data)


def ordered(events: Iterable[Event]) -> list[Event]:
    """異動日 order; among equals, the order written (events not yet stored come last)."""
    return sorted(events, key=lambda e: (e.effective_date, e.recorded_at, e.seq or float("inf")))


def replay(
    events: Iterable[Event],
    *,
    as_of: date | None = None,
    recorded_by: datetime | None = None,
) -> ResidentRecord | None:
    """The record as of a 異動日 and as known at a moment (both optional)."""
    record: ResidentRecord | None = None
    for event in ordered(events):
        if as_of is not None and event.effective_date > as_of:
            break
        if recorded_by is not None and event.recorded_at > recorded_by:
            continue
        record = apply(record, event)
    return record
