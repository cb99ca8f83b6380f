"""転入通知 → 転出確定 (法9条1項, 令13条): the old municipality completes the move-out.

The new municipality records a 転入 and its outbox carries
``municipality.<old>.move_in_notice``.  Here, in the inbox transaction, the old
municipality finds the person and applies ``confirm_move_out`` through its registry
as the system actor, so the 除票 shows the 転出先 as 確定.

Finding the person: the 住民票コード first (it follows the person across moves);
without one, the name exactly as written and the date of birth.  What cannot be
confirmed becomes a task with a reason, never a guess:

* nobody matches → ``unmatched_move_in_notice`` (NOD-011);
* several match → ``ambiguous_move_in_notice`` (NOD-013);
* the person is still a resident here (never filed a 転出届) → by default a
  ``move_out_not_filed`` task (NOD-012): 令12条1項 has the mayor confirm the facts and
  remove the record ex officio; with ``unfiled_move_out="ex_officio_removal"`` the node
  does so itself (and falls back to the task when the registry refuses, e.g. the
  household needs a new head chosen).

A completed move-out (confirmed, or removed ex officio) is told back to the new
municipality with a 転出確定通知 (令13条3項, :mod:`move_out_confirmed`) in the same
transaction.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.kernel.errors import JichiError
from jichi.network.flows import errors as e
from jichi.network.flows import move_out_confirmed
from jichi.network.flows.dispatch import NodeContext, handles
from jichi.network.flows.tasks import TaskKind, open_task
from jichi.network.messages import Envelope
from jichi.registry import commands as c
from jichi.registry import repository as repo
from jichi.registry.model import Address, RemovalReason, ResidentRecord
from jichi.registry.tables import resident

log = logging.getLogger(__name__)


def find_person(conn: Connection, lg_code: str, payload: dict[str, Any]) -> list[ResidentRecord]:
    """This municipality's records that the notice can be about (current or removed)."""
    code = payload.get("resident_code") or ""
    born = date.fromisoformat(payload["date_of_birth"])
    ids = conn.execute(
        sa.select(resident.c.person_id).where(
            resident.c.lg_code == lg_code, resident.c.date_of_birth == born
        )
    ).scalars()
    records = list(repo.load_records(conn, set(ids)).values())
    by_code = [r for r in records if code and r.resident_code == code]
    if by_code:
        return by_code
    name = payload.get("name", "")
    return [r for r in records if r.name.text() == name and not (code and r.resident_code)]


@handles("move_in_notice")
def on_move_in_notice(node: NodeContext, conn: Connection, env: Envelope) -> None:
    payload = env.payload
    sender = env.sender
    candidates = find_person(conn, node.lg_code, payload)
    planned = [r for r in candidates if r.moving_out and not r.move_out_confirmed]
    if len(planned) > 1:
        toward = [r for r in planned if _destination(r) in {sender, ""}]
        planned = toward if toward else planned
    if len(planned) == 1:
        _confirm(node, conn, env, planned[0])
        return
    if len(planned) > 1:
        _ambiguous(node, conn, env, len(planned))
        return
    done = [
        r for r in candidates if r.removal_reason is RemovalReason.MOVE_OUT and r.move_out_confirmed
    ]
    if done:
        log.info("move-in notice %s: move-out already confirmed", env.message_id)
        return
    current = [r for r in candidates if r.is_active and not r.moving_out]
    if len(current) == 1:
        _not_filed(node, conn, env, current[0])
    elif len(current) > 1:
        _ambiguous(node, conn, env, len(current))
    else:
        open_task(
            conn,
            lg_code=node.lg_code,
            kind=TaskKind.UNMATCHED_MOVE_IN_NOTICE,
            subject_key=env.message_id,
            reason=JichiError(
                e.MOVE_IN_NOTICE_UNMATCHED,
                sender=sender,
                name=payload.get("name", ""),
                born=payload.get("date_of_birth", ""),
            ),
            now=node.clock(),
            detail=_detail(env),
        )


def _destination(record: ResidentRecord) -> str:
    return record.move_out_destination.lg_code if record.move_out_destination else ""


def _detail(env: Envelope) -> dict[str, Any]:
    p = env.payload
    return {
        "message_id": env.message_id,
        "sender": env.sender,
        "their_person_id": p.get("person_id"),
        "resident_code": p.get("resident_code"),
        "moved_on": p.get("moved_on"),
        "new_address": p.get("new_address"),
    }


def _confirm(node: NodeContext, conn: Connection, env: Envelope, record: ResidentRecord) -> None:
    payload = env.payload
    detail = payload.get("new_address_detail")
    new_address = Address.model_validate(detail) if isinstance(detail, dict) else None
    moved_on = payload.get("moved_on")
    cmd = c.ConfirmMoveOut(
        person_ids=[record.person_id],
        moved_on=date.fromisoformat(moved_on) if moved_on else None,
        new_address=new_address,
        note=f"転入通知 {env.sender} ({env.message_id})",
    )
    if _registry_act(node, conn, env, cmd, record):  # 転出確定通知 (令13条3項)
        move_out_confirmed.notice(node, conn, env, record, move_out_confirmed.CONFIRMED)


def _not_filed(node: NodeContext, conn: Connection, env: Envelope, record: ResidentRecord) -> None:
    reason = JichiError(
        e.MOVE_OUT_NOT_FILED,
        name=record.name.text(),
        person_id=record.person_id,
        sender=env.sender,
    )
    if node.settings.unfiled_move_out == "ex_officio_removal":
        moved_on = env.payload.get("moved_on")
        today = node.today()
        when = min(date.fromisoformat(moved_on), today) if moved_on else today
        cmd = c.ExOfficioRemoval(
            person_id=record.person_id,
            effective_date=when,
            reason=f"{env.sender}からの転入通知による職権消除（転出届なし、令12条1項）",
        )
        if _registry_act(node, conn, env, cmd, record):
            move_out_confirmed.notice(node, conn, env, record, move_out_confirmed.EX_OFFICIO)
            return
    open_task(
        conn,
        lg_code=node.lg_code,
        kind=TaskKind.MOVE_OUT_NOT_FILED,
        subject_key=record.person_id,
        person_id=record.person_id,
        reason=reason,
        now=node.clock(),
        detail=_detail(env),
    )


def _ambiguous(node: NodeContext, conn: Connection, env: Envelope, count: int) -> None:
    open_task(
        conn,
        lg_code=node.lg_code,
        kind=TaskKind.AMBIGUOUS_MOVE_IN_NOTICE,
        subject_key=env.message_id,
        reason=JichiError(
            e.MOVE_IN_NOTICE_AMBIGUOUS,
            sender=env.sender,
            name=env.payload.get("name", ""),
            born=env.payload.get("date_of_birth", ""),
            count=count,
        ),
        now=node.clock(),
        detail=_detail(env),
    )


def _registry_act(
    node: NodeContext, conn: Connection, env: Envelope, cmd: Any, record: ResidentRecord
) -> bool:
    """Apply ``cmd`` in a savepoint; a refusal becomes a task instead of a redelivery loop."""
    try:
        with conn.begin_nested():
            node.registry.apply(
                cmd, node.system, conn=conn, idempotency_key=f"inbox:{env.message_id}"
            )
    except JichiError as refused:
        open_task(
            conn,
            lg_code=node.lg_code,
            kind=TaskKind.NOT_APPLIED,
            subject_key=env.message_id,
            person_id=record.person_id,
            reason=JichiError(
                e.NOT_APPLIED,
                what="転入通知",
                what_en="move-in notice",
                code=refused.code,
                detail=refused.message_ja,
                detail_en=refused.message_en,
            ),
            now=node.clock(),
            detail={**_detail(env), "kind": cmd.kind},
        )
        return False
    return True
