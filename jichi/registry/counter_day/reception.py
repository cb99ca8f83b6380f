"""受付 and the work queues: a 窓口番号 for each visitor, and every move audited.

A visitor gets a number (窓口番号) counted per municipality per Japanese day, taken
under the municipality's lock (an advisory lock on PostgreSQL, the write lock on
SQLite) and kept unique by the table's constraint, so two clerks pressing 受付 at the
same moment never hand out one number.  The 受付 then moves through the queues:

    受付中 → 確認待ち → 決裁待ち (係長) → 発行待ち → 完了
                      ↘ ネットワーク待ち ↗

Only a supervisor moves a 受付 out of 決裁待ち (決裁 or 差戻し).  Each move writes a
``reception_step`` (who, when, from, to, note) and an audit entry — under the person
when the 受付 names one — in one transaction; a move made on a stale view (another
clerk moved it first) is refused.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from jichi.kernel.clock import Clock, jst_date
from jichi.kernel.errors import JichiError
from jichi.registry import errors as registry_errors
from jichi.registry.counter_day import errors as e
from jichi.registry.counter_day.tables import reception, reception_step
from jichi.registry.tables import resident
from jichi.security import audit
from jichi.security.actor import Actor
from jichi.security.keys import AuditKey
from jichi.security.policy import require
from jichi.store.engine import write_transaction

RECEPTION_LOCK_CLASS = 0x6A756B65  # "juke": advisory lock class for the 窓口番号


class State(StrEnum):
    RECEIVED = "received"  # 受付中
    CONFIRMING = "confirming"  # 確認待ち
    APPROVAL = "approval"  # 決裁待ち (supervisor)
    ISSUING = "issuing"  # 発行待ち
    NETWORK = "network"  # ネットワーク待ち
    DONE = "done"  # 完了
    CANCELLED = "cancelled"  # 取りやめ

    @property
    def label_ja(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS: dict[State, str] = {
    State.RECEIVED: "受付中",
    State.CONFIRMING: "確認待ち",
    State.APPROVAL: "決裁待ち",
    State.ISSUING: "発行待ち",
    State.NETWORK: "ネットワーク待ち",
    State.DONE: "完了",
    State.CANCELLED: "取りやめ",
}
QUEUES = (State.RECEIVED, State.CONFIRMING, State.APPROVAL, State.ISSUING, State.NETWORK)
"""The open work queues, in the order the counter page shows them."""

MOVES: dict[State, frozenset[State]] = {
    State.RECEIVED: frozenset({State.CONFIRMING, State.NETWORK, State.DONE, State.CANCELLED}),
    State.CONFIRMING: frozenset(
        {State.APPROVAL, State.ISSUING, State.NETWORK, State.DONE, State.CANCELLED}
    ),
    State.APPROVAL: frozenset({State.ISSUING, State.CONFIRMING, State.CANCELLED}),
    State.ISSUING: frozenset({State.DONE, State.NETWORK, State.CONFIRMING}),
    State.NETWORK: frozenset({State.ISSUING, State.CONFIRMING, State.DONE, State.CANCELLED}),
    State.DONE: frozenset(),
    State.CANCELLED: frozenset(),
}
"""Where a 受付 may go next from each state."""

PURPOSES: dict[str, str] = {
    "certificate": "証明書の請求",
    "notification": "届出（転入・転出・転居など）",
    "mynumber": "マイナンバーカード",
    "seal": "印鑑登録",
    "other": "その他の相談",
}


@dataclass(frozen=True)
class Reception:
    reception_id: str
    lg_code: str
    received_on: date
    ticket_number: int
    purpose: str
    visitor_name: str
    person_id: str | None
    state: State
    version: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str

    @property
    def purpose_ja(self) -> str:
        return PURPOSES.get(self.purpose, self.purpose)


def _lock(conn: Connection, lg_code: str) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(
            sa.text("SELECT pg_advisory_xact_lock(:cls, :key)"),
            {"cls": RECEPTION_LOCK_CLASS, "key": int(lg_code)},
        )


def _of(row: sa.Row[tuple[object, ...]]) -> Reception:
    values = dict(row._mapping)
    values["state"] = State(str(values["state"]))
    return Reception(**values)


def check_allowed(actor: Actor, lg_code: str) -> None:
    """Staff act only in their own municipality (tenant isolation, ADR 0018)."""
    if actor.lg_code != lg_code:
        raise JichiError(registry_errors.WRONG_TENANT, field="actor", lg_code=lg_code)


def open_reception(
    engine: Engine,
    lg_code: str,
    actor: Actor,
    clock: Clock,
    key: AuditKey,
    *,
    purpose: str,
    visitor_name: str = "",
    person_id: str | None = None,
) -> Reception:
    """A new 受付 with the day's next 窓口番号, in the 受付中 queue."""
    require(actor, "reception.open")
    check_allowed(actor, lg_code)
    if purpose not in PURPOSES:
        raise JichiError(e.BAD_PURPOSE, field="purpose")
    now = clock()
    day = jst_date(now)
    reception_id = str(uuid.uuid4())
    with write_transaction(engine) as conn:
        if person_id and not _is_resident(conn, lg_code, person_id):
            raise JichiError(
                registry_errors.PERSON_NOT_FOUND, field="person_id", person_id=person_id[:36]
            )
        _lock(conn, lg_code)
        last = conn.execute(
            sa.select(sa.func.max(reception.c.ticket_number)).where(
                reception.c.lg_code == lg_code, reception.c.received_on == day
            )
        ).scalar()
        values = {
            "reception_id": reception_id,
            "lg_code": lg_code,
            "received_on": day,
            "ticket_number": int(last or 0) + 1,
            "purpose": purpose,
            "visitor_name": visitor_name.strip()[:200],
            "person_id": person_id or None,
            "state": State.RECEIVED.value,
            "version": 1,
            "created_at": now,
            "created_by": actor.staff_id,
            "updated_at": now,
            "updated_by": actor.staff_id,
        }
        conn.execute(reception.insert().values(**values))
        _audit(
            conn,
            lg_code,
            now,
            actor,
            key,
            "reception.open",
            person_id or None,
            {"ticket_number": values["ticket_number"], "purpose": purpose},
        )
    return Reception(**{**values, "state": State.RECEIVED})  # type: ignore[arg-type]


def _is_resident(conn: Connection, lg_code: str, person_id: str) -> bool:
    found = conn.execute(
        sa.select(resident.c.person_id).where(
            resident.c.person_id == person_id[:36], resident.c.lg_code == lg_code
        )
    ).first()
    return found is not None


def get(conn: Connection, lg_code: str, reception_id: str) -> Reception:
    row = conn.execute(
        sa.select(reception).where(
            reception.c.reception_id == reception_id, reception.c.lg_code == lg_code
        )
    ).first()
    if row is None:
        raise JichiError(e.RECEPTION_NOT_FOUND, field="reception_id")
    return _of(row)


def advance(
    engine: Engine,
    lg_code: str,
    reception_id: str,
    to: State,
    actor: Actor,
    clock: Clock,
    key: AuditKey,
    *,
    version: int | None = None,
    note: str = "",
) -> Reception:
    """Move the 受付 to ``to``, or refuse (unknown move, stale view, not a supervisor)."""
    require(actor, "reception.advance")
    check_allowed(actor, lg_code)
    now = clock()
    with write_transaction(engine) as conn:
        found = get(conn, lg_code, reception_id)
        if version is not None and version != found.version:
            raise JichiError(e.STALE_RECEPTION, field="version")
        if to not in MOVES[found.state]:
            raise JichiError(
                e.BAD_TRANSITION,
                field="to",
                state_from=found.state.label_ja,
                state_to=to.label_ja,
                from_en=found.state.value,
                to_en=to.value,
            )
        if found.state is State.APPROVAL:
            require(actor, "reception.approve")  # 決裁 and 差戻し are the supervisor's
        updated = conn.execute(
            reception.update()
            .where(
                reception.c.reception_id == reception_id,
                reception.c.lg_code == lg_code,
                reception.c.version == found.version,
            )
            .values(
                state=to.value, version=found.version + 1, updated_at=now, updated_by=actor.staff_id
            )
        )
        if updated.rowcount != 1:
            raise JichiError(e.STALE_RECEPTION, field="version")
        step = conn.execute(
            sa.select(sa.func.count()).where(reception_step.c.reception_id == reception_id)
        ).scalar_one()
        conn.execute(
            reception_step.insert().values(
                reception_id=reception_id,
                step=int(step) + 1,
                lg_code=lg_code,
                from_state=found.state.value,
                to_state=to.value,
                at=now,
                by=actor.staff_id,
                note=note.strip(),
            )
        )
        _audit(
            conn,
            lg_code,
            now,
            actor,
            key,
            "reception.advance",
            found.person_id,
            {
                "ticket_number": found.ticket_number,
                "from": found.state.value,
                "to": to.value,
            },
        )
    return _bumped(found, actor, now, state=to)


def _audit(
    conn: Connection,
    lg_code: str,
    now: datetime,
    actor: Actor,
    key: AuditKey,
    action: str,
    person_id: str | None,
    detail: dict[str, Any],
) -> None:
    """One audit entry of a 受付's step, under the person it names (if any yet)."""
    audit.append(
        conn,
        audit.AuditEntry(
            lg_code=lg_code,
            at=now,
            actor=actor.staff_id,
            actor_role=actor.role,
            action=action,
            subject_person_id=person_id,
            detail=detail,
        ),
        key,
    )


def _bumped(found: Reception, actor: Actor, now: datetime, **changes: Any) -> Reception:
    """``found`` as the UPDATE just wrote it: the changes, one version more, who and when."""
    return replace(
        found, **changes, version=found.version + 1, updated_at=now, updated_by=actor.staff_id
    )


def attach_person(
    engine: Engine,
    lg_code: str,
    reception_id: str,
    person_id: str,
    actor: Actor,
    clock: Clock,
    key: AuditKey,
) -> Reception:
    """Name the resident a 受付 is about, once they are on the registry.

    A visitor who comes to notify a 転入 has no record when the 窓口番号 is given; once
    the 転入 is recorded, the 受付 names the new resident, so the certificates asked for
    at the same visit are charged to the same 窓口番号 and its 領収書.  A 受付 that
    already names someone keeps that person (a visit is about one resident); naming
    the same one again changes nothing.  Audited under the person.
    """
    require(actor, "reception.advance")
    check_allowed(actor, lg_code)
    now = clock()
    with write_transaction(engine) as conn:
        found = get(conn, lg_code, reception_id)
        if found.person_id is not None:
            return found
        if not _is_resident(conn, lg_code, person_id):
            raise JichiError(
                registry_errors.PERSON_NOT_FOUND, field="person_id", person_id=person_id[:36]
            )
        conn.execute(
            reception.update()
            .where(reception.c.reception_id == reception_id, reception.c.lg_code == lg_code)
            .values(
                person_id=person_id,
                version=found.version + 1,
                updated_at=now,
                updated_by=actor.staff_id,
            )
        )
        _audit(
            conn,
            lg_code,
            now,
            actor,
            key,
            "reception.attach",
            person_id,
            {"ticket_number": found.ticket_number},
        )
    return _bumped(found, actor, now, person_id=person_id)


def find(conn: Connection, lg_code: str, reception_id: str) -> Reception | None:
    """The 受付, or None for an id that is no UUID or not this municipality's."""
    try:
        uuid.UUID(reception_id)
    except ValueError:
        return None
    try:
        return get(conn, lg_code, reception_id)
    except JichiError:
        return None


@dataclass(frozen=True)
class Step:
    from_state: State
    to_state: State
    at: datetime
    by: str
    note: str


def steps(conn: Connection, lg_code: str, reception_id: str) -> list[Step]:
    rows = conn.execute(
        sa.select(reception_step)
        .where(reception_step.c.reception_id == reception_id, reception_step.c.lg_code == lg_code)
        .order_by(reception_step.c.step)
    ).all()
    return [Step(State(r.from_state), State(r.to_state), r.at, r.by, r.note) for r in rows]


def queues(conn: Connection, lg_code: str, day: date) -> dict[State, list[Reception]]:
    """The day's open 受付 by queue, each in 窓口番号 order (the counter page)."""
    rows = conn.execute(
        sa.select(reception)
        .where(reception.c.lg_code == lg_code, reception.c.received_on == day)
        .order_by(reception.c.ticket_number)
    ).all()
    found: dict[State, list[Reception]] = {state: [] for state in State}
    for row in rows:
        item = _of(row)
        found[item.state].append(item)
    return found
