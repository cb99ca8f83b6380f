"""転出確定通知 (令13条3項): the old municipality tells the new one the move-out is complete.

When the old municipality confirms a 転出 on a 転入通知 (:mod:`move_in_notice`) — or
removes the record ex officio because no 転出届 was filed — it sends
``municipality.<new>.move_out_confirmed`` in the same transaction (:func:`notice`).
The new municipality records it (:func:`on_move_out_confirmed`): one
``move_out_confirmation`` row per person, audited on the person, and a registered card
move-in that moved this person is marked ``move_out_confirmed`` in its outcome, which
closes the last open step of that move.  A notice naming nobody here leaves a task
(NOD-024).  Sources: ``shared/docs/facts/notifications.md`` §1.5, ``standards.md`` §3.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.kernel.errors import JichiError
from jichi.network.flows import errors as e
from jichi.network.flows.dispatch import NodeContext, handles
from jichi.network.flows.tables import move_out_confirmation, pending_move_in
from jichi.network.flows.tasks import TaskKind, open_task
from jichi.network.messages import Envelope
from jichi.registry import repository as repo
from jichi.registry.model import ResidentRecord
from jichi.registry.state import OutboxMessage
from jichi.registry.tables import resident

CONFIRMED = "move_out_confirmed"  # 転出確定 on the 転入通知
EX_OFFICIO = "ex_officio_removal"  # 職権消除 (no 転出届 was filed, 令12条1項)


def notice(
    node: NodeContext, conn: Connection, env: Envelope, record: ResidentRecord, how: str
) -> None:
    """Write the 転出確定通知 for ``record`` to the sender of the 転入通知 ``env``."""
    p = env.payload
    their_person_id = str(p.get("person_id") or "")
    if not their_person_id:
        return
    removed = repo.load_records(conn, [record.person_id]).get(record.person_id, record)
    message = OutboxMessage(
        topic=f"municipality.{env.sender}.move_out_confirmed",
        ordering_key=str(p.get("resident_code") or their_person_id),
        payload={
            "lg_code": node.lg_code,
            "how": how,
            "person_id": their_person_id,  # the new municipality's own id, echoed back
            "notification_id": p.get("notification_id"),  # the new municipality's 転入
            "resident_code": removed.resident_code or None,
            "removed_on": removed.removed_on.isoformat() if removed.removed_on else None,
            "move_in_notice": env.message_id,
        },
    )
    repo.insert_outbox(conn, node.lg_code, [message], node.clock())


@handles("move_out_confirmed")
def on_move_out_confirmed(node: NodeContext, conn: Connection, env: Envelope) -> None:
    p = env.payload
    person_id = str(p.get("person_id") or "")
    now = node.clock()
    exists = conn.execute(
        sa.select(resident.c.person_id).where(
            resident.c.person_id == person_id, resident.c.lg_code == node.lg_code
        )
    ).first()
    if exists is None:
        open_task(
            conn,
            lg_code=node.lg_code,
            kind=TaskKind.NOT_APPLIED,
            subject_key=env.message_id,
            reason=JichiError(
                e.MOVE_OUT_CONFIRMATION_UNMATCHED, sender=env.sender, person_id=person_id
            ),
            now=now,
            detail={"topic": env.topic, "sender": env.sender, "person_id": person_id},
        )
        return
    key = {"lg_code": node.lg_code, "from_lg_code": env.sender, "their_person_id": person_id}
    done = conn.execute(
        sa.select(move_out_confirmation.c.person_id).where(
            *(getattr(move_out_confirmation.c, k) == v for k, v in key.items())
        )
    ).first()
    if done is not None:
        return  # the same confirmation again (another message): recorded already
    removed_on = p.get("removed_on")
    conn.execute(
        move_out_confirmation.insert().values(
            **key,
            person_id=person_id,
            resident_code=p.get("resident_code"),
            notification_id=p.get("notification_id"),
            how=str(p.get("how") or CONFIRMED),
            removed_on=date.fromisoformat(removed_on) if removed_on else None,
            received_at=now,
        )
    )
    _close_card_move_in(conn, node.lg_code, person_id, env.sender, now)
    node.registry.audit(
        conn,
        node.system,
        action="network.move_out_confirmed.receive",
        subject_person_id=person_id,
        at=now,
        detail={"from": env.sender, "how": p.get("how"), "removed_on": removed_on},
    )


def _close_card_move_in(
    conn: Connection, lg_code: str, person_id: str, sender: str, now: Any
) -> None:
    """A registered card move-in of this person from ``sender``: its last step is done."""
    rows = conn.execute(
        sa.select(
            pending_move_in.c.request_id, pending_move_in.c.person_ids, pending_move_in.c.outcome
        ).where(
            pending_move_in.c.lg_code == lg_code,
            pending_move_in.c.from_lg_code == sender,
            pending_move_in.c.status == "registered",
        )
    ).all()
    for row in rows:
        if person_id not in list(row.person_ids):
            continue
        outcome = dict(row.outcome)
        confirmed = sorted({*outcome.get("move_out_confirmed", []), person_id})
        conn.execute(
            pending_move_in.update()
            .where(pending_move_in.c.request_id == row.request_id)
            .values(outcome=outcome | {"move_out_confirmed": confirmed}, updated_at=now)
        )


def confirmations(conn: Connection, lg_code: str, person_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(move_out_confirmation).where(
            move_out_confirmation.c.lg_code == lg_code,
            move_out_confirmation.c.person_id == person_id,
        )
    ).all()
    return [dict(r._mapping) for r in rows]
