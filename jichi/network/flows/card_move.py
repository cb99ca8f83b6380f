"""転入届の特例 (法24条の2) and オンライン転出: a move with the My Number card.

No paper: at the 転出 the old municipality keeps the 転出証明書情報 (``card_move_out``,
one row per mover, written in the same transaction as the move-out).  When the
resident arrives, the new municipality's counter takes the move-in
(:func:`request_card_move_in`): it is stored as *pending* with a reason (NOD-009)
and a ``municipality.<old>.move_out_data_request`` goes out in the same transaction.
The old municipality answers with ``municipality.<new>.move_out_data`` — the data,
or a refusal with a reason — and the new one records the 転入 from it, in the
inbox transaction, within the windows (:class:`FlowSettings`): 14 days after moving
in (法22条) and 30 days after the planned 転出 (UNCONFIRMED article).  The move-in's
own 転入通知 then completes the 転出 (:mod:`move_in_notice`).

The card's 継続利用 (within 90 days of the 転入) is recorded on the outcome, with the
new person ids of the card holders, until :func:`record_continued_use` marks it.

Individual numbers never travel in these messages: the new municipality attaches the
number from the card through the identity gate (``attach_individual_number``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import Connection

from jichi.kernel.age import age_on
from jichi.kernel.deadlines import PeriodRule, deadline
from jichi.kernel.errors import JichiError
from jichi.network.flows import errors as e
from jichi.network.flows.dispatch import NodeContext, handles
from jichi.network.flows.tables import card_move_out, pending_move_in
from jichi.network.flows.tasks import TaskKind, open_task
from jichi.network.messages import Envelope
from jichi.registry import commands as c
from jichi.registry import errors as re
from jichi.registry import repository as repo
from jichi.registry.model import Address, ResidentRecord
from jichi.registry.service import Applied
from jichi.registry.state import OutboxMessage
from jichi.security.actor import Actor, Role
from jichi.store.engine import write_transaction

RelationshipText = Annotated[str, StringConstraints(min_length=1, max_length=40)]


class Channel(StrEnum):
    COUNTER = "counter"  # 窓口 with the card
    ONLINE = "online"  # マイナポータル


CHANNEL_LABELS = {
    Channel.COUNTER: ("転入届の特例", "as a card move"),
    Channel.ONLINE: ("オンライン", "online"),
}


class PendingStatus(StrEnum):
    PENDING = "pending"  # waiting for the old municipality's data (NOD-009)
    REGISTERED = "registered"  # the 転入 is recorded
    REFUSED = "refused"  # the old municipality has no data, or a window passed
    FAILED = "failed"  # the data came but the registry refused the 転入 (NOD-015)


class CardMoveIn(BaseModel):
    """The counter's input for a card move-in: the card tells who and from where."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    from_lg_code: Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
    resident_code: Annotated[str, StringConstraints(pattern=r"^\d{11}$")]
    effective_date: date  # 転入をした日
    notified_date: date | None = None  # 届出日; today when omitted
    address: Address
    join_household_id: Annotated[str, StringConstraints(max_length=36)] | None = None
    relationships: dict[str, RelationshipText] = Field(default_factory=dict)  # code → 続柄
    note: Annotated[str, StringConstraints(max_length=1000)] = ""


@dataclass(frozen=True)
class PendingMoveIn:
    request_id: str
    from_lg_code: str
    status: PendingStatus
    code: str
    reason_ja: str
    reason_en: str
    notification_id: str | None
    person_ids: list[str]
    outcome: dict[str, Any]


# -- the old municipality: 特例転出 at the counter or online ---------------------------------


def file_card_move_out(
    node: NodeContext,
    cmd: c.MoveOut,
    actor: Actor,
    *,
    card_holder_ids: list[str],
    channel: Channel = Channel.COUNTER,
) -> Applied:
    """A 転出届 with the card: the move-out and its 転出証明書情報, one transaction."""
    return _card_move_out(node, cmd, actor, card_holder_ids, channel, filer_id=None)


def file_online_move_out(
    node: NodeContext, cmd: c.MoveOut, *, filer_id: str, card_holder_ids: list[str] | None = None
) -> Applied:
    """オンライン転出 (マイナポータル): the filer signs with their card.

    From 30 days before to 10 days after the planned date; never abroad; never with
    the card of someone under 15 (same-household members may be included).  The
    転入 must still be made at the new municipality's counter.
    """
    s = node.settings
    today = node.today()
    before = cmd.planned_date - timedelta(days=s.online_move_out_days_before)
    after = cmd.planned_date + timedelta(days=s.online_move_out_days_after)
    if cmd.destination.abroad:
        label, label_en = CHANNEL_LABELS[Channel.ONLINE]
        raise JichiError(
            e.CARD_MOVE_ABROAD, field="destination", channel=label, channel_en=label_en
        )
    if not before <= today <= after:
        raise JichiError(
            e.ONLINE_MOVE_OUT_WINDOW,
            field="planned_date",
            before=s.online_move_out_days_before,
            after=s.online_move_out_days_after,
            planned=cmd.planned_date.isoformat(),
            today=today.isoformat(),
        )
    holders = list(dict.fromkeys([filer_id, *(card_holder_ids or [])]))
    actor = Actor(f"online:{filer_id}", node.lg_code, Role.CLERK.value)
    return _card_move_out(node, cmd, actor, holders, Channel.ONLINE, filer_id=filer_id)


def _card_move_out(
    node: NodeContext,
    cmd: c.MoveOut,
    actor: Actor,
    holders: list[str],
    channel: Channel,
    *,
    filer_id: str | None,
) -> Applied:
    today = node.today()
    if cmd.destination.abroad:
        label, label_en = CHANNEL_LABELS[channel]
        raise JichiError(
            e.CARD_MOVE_ABROAD, field="destination", channel=label, channel_en=label_en
        )
    if not set(holders) & set(cmd.person_ids) and filer_id is None:
        raise JichiError(e.NO_CARD_HOLDER, field="card_holder_ids")
    days = node.settings.card_move_out_refused_after_days
    if today >= cmd.planned_date + timedelta(days=days):
        raise JichiError(
            e.CARD_MOVE_OUT_AFTER_ARRIVAL,
            field="planned_date",
            planned=cmd.planned_date.isoformat(),
            days=days,
        )
    with write_transaction(node.engine) as conn:
        if filer_id is not None:
            _check_filer(node, conn, cmd, filer_id, today)
        applied = node.registry.apply(cmd, actor, conn=conn)
        records = repo.load_records(conn, set(cmd.person_ids))
        now = node.clock()
        conn.execute(
            card_move_out.insert(),
            [
                {
                    "notification_id": applied.notification_id,
                    "person_id": pid,
                    "lg_code": node.lg_code,
                    "resident_code": records[pid].resident_code or None,
                    "destination_lg_code": cmd.destination.lg_code,
                    "planned_date": cmd.planned_date,
                    "filed_on": cmd.notified_date or today,
                    "channel": channel.value,
                    "card_holder": pid in holders,
                    "created_at": now,
                }
                for pid in cmd.person_ids
            ],
        )
    return applied


def _check_filer(
    node: NodeContext, conn: Connection, cmd: c.MoveOut, filer_id: str, today: date
) -> None:
    records = repo.load_records(conn, {filer_id, *cmd.person_ids})
    filer = records.get(filer_id)
    if filer is None or filer.lg_code != node.lg_code:
        raise JichiError(re.PERSON_NOT_FOUND, field="filer_id", person_id=filer_id)
    households = {records[p].household_id for p in cmd.person_ids if p in records}
    if not filer.is_active or households != {filer.household_id}:
        raise JichiError(
            e.FILER_NOT_IN_HOUSEHOLD, field="filer_id", name=filer.name.text(), person_id=filer_id
        )
    age = age_on(filer.date_of_birth, today, field="filer_id")
    if age < node.settings.online_min_card_age:
        raise JichiError(
            e.ONLINE_CARD_TOO_YOUNG,
            field="filer_id",
            min_age=node.settings.online_min_card_age,
            name=filer.name.text(),
            person_id=filer_id,
            age=age,
        )


@handles("move_out_data_request")
def on_move_out_data_request(node: NodeContext, conn: Connection, env: Envelope) -> None:
    """The old municipality answers with the 転出証明書情報, or a refusal with a reason."""
    p = env.payload
    code = str(p.get("resident_code", ""))
    request_id = str(p.get("request_id", ""))

    def reply(**payload: Any) -> None:
        message = OutboxMessage(
            topic=f"municipality.{env.sender}.move_out_data",
            ordering_key=code or request_id,
            payload={"request_id": request_id, "resident_code": code, "lg_code": node.lg_code}
            | payload,
        )
        repo.insert_outbox(conn, node.lg_code, [message], node.clock())

    def refuse(why: str, why_en: str) -> None:
        reply(status="refused", why=why, why_en=why_en)

    latest = conn.execute(
        sa.select(card_move_out.c.notification_id, card_move_out.c.destination_lg_code)
        .where(card_move_out.c.lg_code == node.lg_code, card_move_out.c.resident_code == code)
        .order_by(card_move_out.c.created_at.desc())
        .limit(1)
    ).first()
    if not code or latest is None:
        refuse("転入届の特例による転出の届出がありません", "no card move-out on record")
        return
    if latest.destination_lg_code != env.sender:
        refuse(
            f"届出の転出先は {latest.destination_lg_code} です",
            f"the move-out was to {latest.destination_lg_code}",
        )
        return
    rows = conn.execute(
        sa.select(card_move_out).where(card_move_out.c.notification_id == latest.notification_id)
    ).all()
    records = repo.load_records(conn, {r.person_id for r in rows})
    for row in rows:
        record = records[row.person_id]
        if not record.moving_out:
            refuse("転出は取り消されています", "the move-out was cancelled")
            return
        if record.move_out_confirmed:
            refuse("転入の手続きは既に済んでいます", "the move-in was already recorded")
            return
    first = records[rows[0].person_id]
    reply(
        status="provided",
        notification_id=latest.notification_id,
        planned_date=(first.planned_move_out or first.removed_on or node.today()).isoformat(),
        previous_address=first.address.model_dump(mode="json"),
        persons=[_person_data(records[r.person_id], r.card_holder) for r in rows],
    )
    now = node.clock()
    conn.execute(
        card_move_out.update()
        .where(card_move_out.c.notification_id == latest.notification_id)
        .values(provided_at=now, provided_to=env.sender)
    )
    for row in rows:
        node.registry.audit(
            conn,
            node.system,
            action="network.move_out_data.provide",
            subject_person_id=row.person_id,
            at=now,
            detail={"to": env.sender, "request_id": request_id},
        )


def _person_data(record: ResidentRecord, card_holder: bool) -> dict[str, Any]:
    data = record.model_dump(
        mode="json",
        include={
            "name",
            "date_of_birth",
            "sex",
            "relationship",
            "honseki",
            "family_register_head",
            "resident_code",
            "foreign",
            "qualifications",
            "former_surname",
            "alias",
        },
    )
    return data | {"card_holder": card_holder, "their_person_id": record.person_id}


# -- the new municipality: the move-in -------------------------------------------------------


def request_card_move_in(node: NodeContext, draft: CardMoveIn, actor: Actor) -> PendingMoveIn:
    """Take a card move-in at the counter: pending until the data arrives (NOD-009)."""
    if actor.lg_code != node.lg_code:
        raise JichiError(re.WRONG_TENANT, field="actor", lg_code=node.lg_code)
    if draft.from_lg_code == node.lg_code:
        raise JichiError(re.SAME_MUNICIPALITY, field="from_lg_code")
    today = node.today()
    notified = draft.notified_date or today
    if draft.effective_date > notified:
        raise JichiError(
            re.MOVE_IN_BEFORE_ARRIVAL,
            field="effective_date",
            effective=draft.effective_date.isoformat(),
            notified=notified.isoformat(),
        )
    _within_arrival_window(node, draft.effective_date, notified)
    request_id = str(uuid.uuid4())
    stored = draft.model_copy(update={"notified_date": notified})
    waiting = JichiError(e.WAITING_FOR_MOVE_OUT_DATA, from_lg=draft.from_lg_code)
    now = node.clock()
    with write_transaction(node.engine) as conn:
        conn.execute(
            pending_move_in.insert().values(
                request_id=request_id,
                lg_code=node.lg_code,
                from_lg_code=draft.from_lg_code,
                resident_code=draft.resident_code,
                draft=stored.model_dump(mode="json"),
                status=PendingStatus.PENDING.value,
                code=waiting.code,
                reason_ja=waiting.message_ja,
                reason_en=waiting.message_en,
                person_ids=[],
                outcome={},
                requested_by=actor.staff_id,
                requested_at=now,
                updated_at=now,
            )
        )
        message = OutboxMessage(
            topic=f"municipality.{draft.from_lg_code}.move_out_data_request",
            ordering_key=draft.resident_code,
            payload={
                "request_id": request_id,
                "lg_code": node.lg_code,
                "resident_code": draft.resident_code,
                "moved_on": draft.effective_date.isoformat(),
                "notified_date": notified.isoformat(),
            },
        )
        repo.insert_outbox(conn, node.lg_code, [message], now)
        node.registry.audit(
            conn,
            actor,
            action="network.move_out_data.request",
            at=now,
            detail={"request_id": request_id, "from": draft.from_lg_code},
        )
    return get_pending(node, request_id)


def _within_arrival_window(node: NodeContext, moved_on: date, notified: date) -> None:
    days = node.settings.card_move_in_days_after_arrival
    limit = deadline(moved_on, days, PeriodRule.RESIDENT_REGISTRY_ACT, node.calendar)
    if notified > limit:
        raise JichiError(
            e.CARD_MOVE_IN_LATE,
            field="effective_date",
            rule=f"転入した日から{days}日以内",
            rule_en=f"within {days} days of moving in",
            limit=limit.isoformat(),
        )


@handles("move_out_data")
def on_move_out_data(node: NodeContext, conn: Connection, env: Envelope) -> None:
    """The data (or the refusal) arrived: record the 転入, or settle with a reason."""
    p = env.payload
    request_id = str(p.get("request_id", ""))
    row = conn.execute(
        sa.select(pending_move_in).where(
            pending_move_in.c.request_id == request_id,
            pending_move_in.c.lg_code == node.lg_code,
        )
    ).first()
    if row is None or row.from_lg_code != env.sender:
        _not_applied(node, conn, env, "-", "受付が見つかりません", "no such pending move-in")
        return
    if row.status != PendingStatus.PENDING.value:
        return  # settled already (a second reply): nothing to do
    draft = CardMoveIn.model_validate(row.draft)
    notified = draft.notified_date or node.today()
    if p.get("status") != "provided":
        _settle(
            node,
            conn,
            request_id,
            PendingStatus.REFUSED,
            JichiError(
                e.MOVE_OUT_DATA_NOT_FOUND,
                from_lg=env.sender,
                why=str(p.get("why", "")),
                why_en=str(p.get("why_en", "")),
            ),
        )
        return
    planned = date.fromisoformat(p["planned_date"])
    days = node.settings.card_move_in_days_after_planned_move_out
    limit = planned + timedelta(days=days)
    if notified > limit:
        late = JichiError(
            e.CARD_MOVE_IN_LATE,
            rule=f"転出予定日から{days}日以内",
            rule_en=f"within {days} days of the planned move-out",
            limit=limit.isoformat(),
        )
        _settle(node, conn, request_id, PendingStatus.REFUSED, late)
        return
    persons = [_new_person(data, draft) for data in p["persons"]]
    cmd = c.MoveIn(
        effective_date=draft.effective_date,
        notified_date=notified,
        address=draft.address,
        previous_address=Address.model_validate(p["previous_address"]),
        persons=persons,
        join_household_id=draft.join_household_id,
        note=draft.note or f"転入届の特例（{env.sender}）",
    )
    clerk = Actor(row.requested_by, node.lg_code, Role.CLERK.value)
    try:
        with conn.begin_nested():
            applied = node.registry.apply(
                cmd, clerk, conn=conn, idempotency_key=f"card-move-in:{request_id}"
            )
    except JichiError as refused:
        failed = JichiError(
            e.NOT_APPLIED,
            what="転出証明書情報による転入",
            what_en="card move-in",
            code=refused.code,
            detail=refused.message_ja,
            detail_en=refused.message_en,
        )
        _settle(node, conn, request_id, PendingStatus.FAILED, failed)
        return
    person_ids = list(applied.result.get("person_ids", applied.person_ids))
    holders = [
        pid for pid, data in zip(person_ids, p["persons"], strict=False) if data.get("card_holder")
    ]
    due = draft.effective_date + timedelta(days=node.settings.card_continued_use_days)
    outcome = {
        "card_continued_use": {"due_on": due.isoformat(), "card_holders": holders, "done": []},
        "flags": applied.flags,
        "their_person_ids": [d.get("their_person_id") for d in p["persons"]],
    }
    _settle(
        node,
        conn,
        request_id,
        PendingStatus.REGISTERED,
        None,
        notification_id=applied.notification_id,
        person_ids=person_ids,
        outcome=outcome,
    )


def _new_person(data: dict[str, Any], draft: CardMoveIn) -> c.NewPerson:
    fields = {k: v for k, v in data.items() if k not in {"card_holder", "their_person_id"}}
    code = fields.get("resident_code") or ""
    if code in draft.relationships:
        fields["relationship"] = draft.relationships[code]
    return c.NewPerson.model_validate(fields)


def _settle(
    node: NodeContext,
    conn: Connection,
    request_id: str,
    status: PendingStatus,
    reason: JichiError | None,
    *,
    notification_id: str | None = None,
    person_ids: list[str] | None = None,
    outcome: dict[str, Any] | None = None,
) -> None:
    conn.execute(
        pending_move_in.update()
        .where(pending_move_in.c.request_id == request_id)
        .values(
            status=status.value,
            code=reason.code if reason else "",
            reason_ja=reason.message_ja if reason else "",
            reason_en=reason.message_en if reason else "",
            notification_id=notification_id,
            person_ids=person_ids or [],
            outcome=outcome or {},
            updated_at=node.clock(),
        )
    )


def _not_applied(
    node: NodeContext, conn: Connection, env: Envelope, code: str, why: str, why_en: str
) -> None:
    open_task(
        conn,
        lg_code=node.lg_code,
        kind=TaskKind.NOT_APPLIED,
        subject_key=env.message_id,
        reason=JichiError(
            e.NOT_APPLIED,
            what="転出証明書情報",
            what_en="move-out data",
            code=code,
            detail=why,
            detail_en=why_en,
        ),
        now=node.clock(),
        detail={"topic": env.topic, "sender": env.sender},
    )


def get_pending(node: NodeContext, request_id: str) -> PendingMoveIn:
    with node.engine.connect() as conn:
        row = conn.execute(
            sa.select(pending_move_in).where(
                pending_move_in.c.request_id == request_id,
                pending_move_in.c.lg_code == node.lg_code,
            )
        ).first()
    if row is None:
        raise JichiError(e.PENDING_NOT_FOUND, field="request_id", request_id=request_id)
    return _pending(row)


def list_pending(node: NodeContext, status: PendingStatus | None = None) -> list[PendingMoveIn]:
    query = sa.select(pending_move_in).where(pending_move_in.c.lg_code == node.lg_code)
    if status is not None:
        query = query.where(pending_move_in.c.status == status.value)
    with node.engine.connect() as conn:
        rows = conn.execute(query.order_by(pending_move_in.c.requested_at)).all()
    return [_pending(r) for r in rows]


def _pending(row: Any) -> PendingMoveIn:
    return PendingMoveIn(
        request_id=row.request_id,
        from_lg_code=row.from_lg_code,
        status=PendingStatus(row.status),
        code=row.code,
        reason_ja=row.reason_ja,
        reason_en=row.reason_en,
        notification_id=row.notification_id,
        person_ids=list(row.person_ids),
        outcome=dict(row.outcome),
    )


def record_continued_use(
    node: NodeContext, request_id: str, person_id: str, actor: Actor
) -> PendingMoveIn:
    """継続利用 done at the counter for one card holder of a registered card move-in."""
    with write_transaction(node.engine) as conn:
        row = conn.execute(
            sa.select(pending_move_in).where(
                pending_move_in.c.request_id == request_id,
                pending_move_in.c.lg_code == node.lg_code,
            )
        ).first()
        if row is None:
            raise JichiError(e.PENDING_NOT_FOUND, field="request_id", request_id=request_id)
        outcome = dict(row.outcome)
        use = dict(outcome.get("card_continued_use") or {})
        if row.status != PendingStatus.REGISTERED.value or person_id not in use.get(
            "card_holders", []
        ):
            raise JichiError(
                e.NOT_PENDING,
                field="request_id",
                request_id=request_id,
                status=row.status,
                status_en=row.status,
            )
        use["done"] = sorted({*use.get("done", []), person_id})
        outcome["card_continued_use"] = use
        conn.execute(
            pending_move_in.update()
            .where(pending_move_in.c.request_id == request_id)
            .values(outcome=outcome, updated_at=node.clock())
        )
        node.registry.audit(
            conn,
            actor,
            action="card.continued_use",
            subject_person_id=person_id,
            detail={"request_id": request_id},
        )
    return get_pending(node, request_id)
