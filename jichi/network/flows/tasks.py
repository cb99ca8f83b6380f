"""Tasks the network leaves for a clerk (実態調査, unmatched notices …), each once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.kernel.errors import JichiError
from jichi.network.flows.tables import node_task


class TaskKind(StrEnum):
    RESIDENCE_CHECK = "residence_check"  # 実態調査: no 転入通知 months after a 転出
    UNMATCHED_MOVE_IN_NOTICE = "unmatched_move_in_notice"  # 転入通知 for nobody here
    AMBIGUOUS_MOVE_IN_NOTICE = "ambiguous_move_in_notice"  # 転入通知 for several records
    MOVE_OUT_NOT_FILED = "move_out_not_filed"  # 転入通知 for a resident with no 転出届
    NOT_APPLIED = "not_applied"  # a received change the registry refused
    UNKNOWN_MESSAGE = "unknown_message"  # a topic this node has no handler for


@dataclass(frozen=True)
class Task:
    task_id: str
    lg_code: str
    kind: TaskKind
    subject_key: str
    person_id: str | None
    code: str
    reason_ja: str
    reason_en: str
    detail: dict[str, Any]
    due_on: date | None
    created_at: datetime
    closed_at: datetime | None


def open_task(
    conn: Connection,
    *,
    lg_code: str,
    kind: TaskKind,
    subject_key: str,
    reason: JichiError,
    now: datetime,
    person_id: str | None = None,
    detail: dict[str, Any] | None = None,
    due_on: date | None = None,
) -> bool:
    """Open a task unless one of this kind is already open or done for the subject.

    ``reason`` is an error value used as a reason (never raised): its code and its
    Japanese and English text are kept.  Returns whether a task was opened.
    """
    exists = conn.execute(
        sa.select(node_task.c.task_id).where(
            node_task.c.lg_code == lg_code,
            node_task.c.kind == kind.value,
            node_task.c.subject_key == subject_key,
        )
    ).first()
    if exists is not None:
        return False
    conn.execute(
        node_task.insert().values(
            task_id=str(uuid.uuid4()),
            lg_code=lg_code,
            kind=kind.value,
            subject_key=subject_key,
            person_id=person_id,
            code=reason.code,
            reason_ja=reason.message_ja,
            reason_en=reason.message_en,
            detail=detail or {},
            due_on=due_on,
            created_at=now,
        )
    )
    return True


def tasks(
    conn: Connection, lg_code: str, kind: TaskKind | None = None, *, open_only: bool = True
) -> list[Task]:
    query = sa.select(node_task).where(node_task.c.lg_code == lg_code)
    if kind is not None:
        query = query.where(node_task.c.kind == kind.value)
    if open_only:
        query = query.where(node_task.c.closed_at.is_(None))
    rows = conn.execute(query.order_by(node_task.c.created_at, node_task.c.task_id)).all()
    return [
        Task(
            task_id=r.task_id,
            lg_code=r.lg_code,
            kind=TaskKind(r.kind),
            subject_key=r.subject_key,
            person_id=r.person_id,
            code=r.code,
            reason_ja=r.reason_ja,
            reason_en=r.reason_en,
            detail=dict(r.detail),
            due_on=r.due_on,
            created_at=r.created_at,
            closed_at=r.closed_at,
        )
        for r in rows
    ]


def close_task(
    conn: Connection,
    task_id: str,
    staff_id: str,
    now: datetime,
    note: str | None = None,
    *,
    lg_code: str,
) -> bool:
    """Close an open task of ``lg_code``; ``note`` is what the clerk did (migration 0014).

    The municipality is required: a task id alone must never close another
    municipality's task (tenant isolation, docs/guide/security.md).
    """
    done = conn.execute(
        node_task.update()
        .where(
            node_task.c.task_id == task_id,
            node_task.c.lg_code == lg_code,
            node_task.c.closed_at.is_(None),
        )
        .values(closed_at=now, closed_by=staff_id, closed_note=note)
    ).rowcount
    return bool(done)
