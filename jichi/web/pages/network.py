"""ネットワークの処理待ち: what the network left for the counter, and closing a task.

Lists this municipality's open tasks (``node_task``: 実態調査, a 転入通知 that matched
nobody or several, a move-out never filed, a received change the registry refused),
the card move-ins still waiting or settled without a 転入 (``pending_move_in``), and the
広域交付 requests not yet handed over (``remote_copy``), each with its reason as stored.
A clerk or supervisor closes a task with a note saying what was done (NOD-026 without
one); the closing is audited on the person (``network.task.close``).  Reading the list
shows reasons only, never a record, so it writes no audit entry of its own.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request, Response

from jichi.kernel.errors import JichiError
from jichi.network.flows import errors as e
from jichi.network.flows.remote_copy import Status, list_remote_copies
from jichi.network.flows.tables import node_task, pending_move_in
from jichi.network.flows.tasks import TaskKind, close_task, tasks
from jichi.store.engine import write_transaction
from jichi.web.pages.common import STAFF_ROLES, Form, Page, PageRoute, counter_page
from jichi.web.pages.forms import values_of

router = APIRouter(route_class=PageRoute)

NOTE_LIMIT = 1000
KIND_JA = {
    TaskKind.RESIDENCE_CHECK: "実態調査",
    TaskKind.UNMATCHED_MOVE_IN_NOTICE: "該当者のない転入通知",
    TaskKind.AMBIGUOUS_MOVE_IN_NOTICE: "該当者が複数の転入通知",
    TaskKind.MOVE_OUT_NOT_FILED: "転出届のない転入通知",
    TaskKind.NOT_APPLIED: "反映できなかった受信",
    TaskKind.UNKNOWN_MESSAGE: "処理のない受信",
}
PENDING_JA = {
    "pending": "転出地の返事待ち",
    "refused": "転出地が拒否・期間外",
    "failed": "転入を記録できず",
}


def _waiting(page: Page) -> dict[str, Any]:
    lg_code = page.registry.lg_code
    with page.registry.engine.connect() as conn:
        open_tasks = tasks(conn, lg_code)
        moves = conn.execute(
            sa.select(pending_move_in)
            .where(
                pending_move_in.c.lg_code == lg_code,
                pending_move_in.c.status.in_(list(PENDING_JA)),
            )
            .order_by(pending_move_in.c.requested_at)
        ).all()
        copies = list_remote_copies(
            conn, lg_code, (Status.PENDING, Status.READY, Status.REFUSED, Status.FAILED)
        )
    return {
        "tasks": open_tasks,
        "kind_ja": KIND_JA,
        "moves": moves,
        "pending_ja": PENDING_JA,
        "copies": copies,
    }


@router.get("/network")
def network_page(request: Request, closed: str = "") -> Response:
    page = counter_page(request)
    page.require("network.tasks", *STAFF_ROLES)
    return page.render(
        "counter/network.html", closed=closed, errors={}, values={}, **_waiting(page)
    )


@router.post("/network/tasks/{task_id}/close")
def close(request: Request, task_id: str, form: Form) -> Response:
    page = counter_page(request, form)
    actor = page.require("network.tasks", *STAFF_ROLES)
    note = str(values_of(form).get("note", "")).strip()
    lg_code = page.registry.lg_code
    if not note or len(note) > NOTE_LIMIT:
        error = JichiError(e.TASK_NOTE_REQUIRED, field="note")
        return page.render(
            "counter/network.html",
            status_code=422,
            closed="",
            errors={f"note-{task_id}": error.message_ja},
            values={f"note-{task_id}": note[:NOTE_LIMIT]},
            **_waiting(page),
        )
    now = page.registry.clock()
    with write_transaction(page.registry.engine) as conn:
        row = conn.execute(
            sa.select(node_task).where(
                node_task.c.task_id == task_id,
                node_task.c.lg_code == lg_code,
                node_task.c.closed_at.is_(None),
            )
        ).first()
        if row is None or not close_task(conn, task_id, actor.staff_id, now, note, lg_code=lg_code):
            raise JichiError(e.TASK_NOT_FOUND, field="task_id", task_id=task_id)
        page.registry.audit(
            conn,
            actor,
            action="network.task.close",
            at=now,
            subject_person_id=row.person_id,
            detail={"task_id": task_id, "kind": row.kind, "code": row.code, "note": note},
        )
    return page.redirect(f"/counter/network?closed={task_id}")
