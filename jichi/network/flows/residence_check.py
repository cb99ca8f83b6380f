"""実態調査 after a 転出 with no 転入通知 (facts §2.2, §8.2): the six-month sweep.

A move-out stays 予定 until the new municipality's 転入通知 confirms it.  When none
has come ``residence_check_months`` after the 転出 was notified (the day the 転出証明書
was issued; 6 months by default, some municipalities use 3), :func:`sweep` opens a
``residence_check`` task for the old municipality — once per move-out, whatever how
often it runs.  A move abroad expects no notice and is never swept; a cancelled or
confirmed move-out is no longer 予定.

The period is counted as 民法140条/143条 count months: from the day after the 届出,
ending on the day of the same number N months on (the month's last day when it has no
such day); the task is due on the next day the office is open (the municipality's
:class:`~jichi.kernel.deadlines.Calendar`).
"""

from __future__ import annotations

import calendar as cal
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.kernel.deadlines import Calendar
from jichi.kernel.errors import JichiError
from jichi.network.flows import errors as e
from jichi.network.flows.dispatch import NodeContext, daily
from jichi.network.flows.settings import FlowSettings
from jichi.network.flows.tasks import TaskKind, open_task
from jichi.registry import repository as repo
from jichi.registry.events import EventKind, NotificationKind
from jichi.registry.model import RemovalReason
from jichi.registry.tables import registry_event, resident


def months_later(start: date, months: int) -> date:
    """The last day of a period of ``months`` months counted from the day after ``start``."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, cal.monthrange(year, month)[1]))


def sweep(
    conn: Connection,
    today: date,
    *,
    lg_code: str | None = None,
    settings: FlowSettings | None = None,
    calendar: Calendar | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Open a residence-check task for every move-out overdue a 転入通知; return their ids.

    Runs in the caller's transaction.  ``lg_code`` limits it to one municipality (a
    node's database holds one; a shared database may hold several).
    """
    months = (settings or FlowSettings()).residence_check_months
    calendar = calendar or Calendar()
    query = sa.select(
        registry_event.c.person_id, registry_event.c.lg_code, registry_event.c.notified_date
    ).where(
        registry_event.c.kind == EventKind.REMOVED.value,
        registry_event.c.reason == NotificationKind.MOVE_OUT.value,
    )
    if lg_code is not None:
        query = query.where(registry_event.c.lg_code == lg_code)
    latest: dict[str, Any] = {}
    for row in conn.execute(query.order_by(registry_event.c.seq)):
        latest[row.person_id] = row  # the person's latest 転出
    if not latest:
        return []
    still_removed = set(
        conn.execute(
            sa.select(resident.c.person_id).where(
                resident.c.person_id.in_(latest), resident.c.status == "removed"
            )
        ).scalars()
    )
    records = repo.load_records(conn, still_removed)
    opened: list[str] = []
    stamp = now or datetime.combine(today, time(), tzinfo=UTC)
    for person_id, row in latest.items():
        record = records.get(person_id)
        if record is None or record.lg_code != row.lg_code:
            continue
        if record.removal_reason is not RemovalReason.MOVE_OUT or record.move_out_confirmed:
            continue
        end = months_later(row.notified_date, months)
        if today <= end:
            continue
        if open_task(
            conn,
            lg_code=row.lg_code,
            kind=TaskKind.RESIDENCE_CHECK,
            subject_key=f"{person_id}:{row.notified_date.isoformat()}",
            person_id=person_id,
            reason=JichiError(
                e.RESIDENCE_CHECK,
                name=record.name.text(),
                person_id=person_id,
                notified=row.notified_date.isoformat(),
                months=months,
            ),
            now=stamp,
            detail={
                "planned_move_out": (
                    record.planned_move_out or record.removed_on or today
                ).isoformat(),
                "destination": record.move_out_destination.text()
                if record.move_out_destination
                else "",
                "destination_lg_code": record.move_out_destination.lg_code
                if record.move_out_destination
                else "",
            },
            due_on=calendar.next_open_day(end + timedelta(days=1)),
        ):
            opened.append(person_id)
    return opened


@daily("residence_check")
def daily_sweep(node: NodeContext, conn: Connection, today: date) -> list[str]:
    """The node's daily job: :func:`sweep` for its municipality, with its settings."""
    return sweep(
        conn,
        today,
        lg_code=node.lg_code,
        settings=node.settings,
        calendar=node.calendar,
        now=node.clock(),
    )
