"""The receiving side: apply every message at most once, and in order per chain.

:func:`receive` runs the handler's writes and the inbox row in ONE transaction, so a
message is either applied and remembered, or neither: a crash before commit means the
transport delivers it again, a crash after commit means the redelivery finds the row
and is skipped (and acknowledged).

Ordering: the sender numbers its messages (outbox ``seq``) and each envelope names the
previous message of its chain (same sender, topic and ordering key — one person).  A
message whose predecessor has not been applied yet is *parked*: kept in the inbox with
``applied_at`` NULL.  When the predecessor is applied, the parked successors are
applied after it, each in its own transaction.  On PostgreSQL a transaction-scoped
advisory lock per chain keeps two receivers of the same chain from racing; SQLite's
``BEGIN IMMEDIATE`` already serialises writers.

:func:`receive_many` does the same for a whole batch pulled from the transport in ONE
transaction (ADR 0036: one commit per batch instead of one or two per message, the
largest cost of a receiver once the broker is fast): each message is checked, applied or
parked, and the successors it unblocks released, in the order the batch came.  If any
of it fails — a handler raises, another receiver won a race — the whole transaction
rolls back and the batch is received again one message at a time by :func:`receive`,
so a failing message has exactly the effects it had before batching.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from jichi.kernel.clock import now as clock_now
from jichi.network.messages import Envelope
from jichi.network.tables import inbox
from jichi.store.engine import write_transaction

Apply = Callable[[Connection, Envelope], None]
"""The receiving context's handler: writes with ``conn``, never commits."""


class Outcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # seen before (applied or parked): acknowledged, skipped
    PARKED = "parked"  # its predecessor has not been applied yet


@dataclass(frozen=True)
class Receipt:
    outcome: Outcome
    applied: tuple[str, ...] = ()  # message ids applied by this call, in order


def receive(
    engine: Engine,
    envelope: Envelope,
    apply: Apply,
    *,
    clock: Callable[[], datetime] = clock_now,
) -> Receipt:
    """Apply ``envelope`` at most once; then apply any parked successors it unblocks."""
    try:
        with write_transaction(engine) as conn:
            outcome = _receive(conn, envelope, apply, clock())
            # Only a successor already parked needs a release pass (a second transaction).
            waiting = outcome is Outcome.APPLIED and _next_parked(conn, envelope) is not None
    except IntegrityError:
        # Another receiver committed the same message first (the primary key held).
        if not _known(engine, envelope.message_id):
            raise
        outcome, waiting = Outcome.DUPLICATE, True
    if outcome is Outcome.PARKED:
        return Receipt(outcome)
    applied = [envelope.message_id] if outcome is Outcome.APPLIED else []
    if waiting or outcome is Outcome.DUPLICATE:  # a redelivery retries a broken release
        applied += release(engine, envelope, apply, clock=clock)
    return Receipt(outcome, tuple(applied))


def receive_many(
    engine: Engine,
    envelopes: Sequence[Envelope],
    apply: Apply,
    *,
    clock: Callable[[], datetime] = clock_now,
) -> list[Receipt]:
    """:func:`receive` for each of ``envelopes``, in order, in one transaction."""
    if len(envelopes) <= 1:
        return [receive(engine, env, apply, clock=clock) for env in envelopes]
    try:
        with write_transaction(engine) as conn:
            now = clock()
            receipts = [_receive_and_release(conn, env, apply, now) for env in envelopes]
    except Exception:  # rolled back whole: each message on its own now
        return [receive(engine, env, apply, clock=clock) for env in envelopes]
    return receipts


def _receive_and_release(conn: Connection, env: Envelope, apply: Apply, now: datetime) -> Receipt:
    outcome = _receive(conn, env, apply, now)
    if outcome is Outcome.PARKED:
        return Receipt(outcome)
    applied = [env.message_id] if outcome is Outcome.APPLIED else []
    current = env
    while (nxt := _next_parked(conn, current)) is not None:
        _claim(conn, nxt.message_id, now)
        apply(conn, nxt)  # same chain as ``env``: its lock is already held
        applied.append(nxt.message_id)
        current = nxt
    return Receipt(outcome, tuple(applied))


def release(
    engine: Engine,
    envelope: Envelope,
    apply: Apply,
    *,
    clock: Callable[[], datetime] = clock_now,
) -> list[str]:
    """Apply, in order, the parked messages waiting behind ``envelope`` (if it is applied)."""
    applied: list[str] = []
    current = envelope
    while True:
        with write_transaction(engine) as conn:
            _lock_chain(conn, current)
            nxt = _next_parked(conn, current)
            if nxt is None:
                return applied
            if _claim(conn, nxt.message_id, clock()) != 1:
                return applied
            apply(conn, nxt)
        applied.append(nxt.message_id)
        current = nxt


def pending(conn: Connection) -> list[Envelope]:
    """Parked messages, oldest chain position first (for operators and checks)."""
    rows = conn.execute(
        sa.select(inbox.c.envelope)
        .where(inbox.c.applied_at.is_(None))
        .order_by(inbox.c.lg_code, inbox.c.topic, inbox.c.ordering_key, inbox.c.seq)
    )
    return [Envelope.from_dict(row.envelope) for row in rows]


def _receive(conn: Connection, env: Envelope, apply: Apply, now: datetime) -> Outcome:
    _lock_chain(conn, env)
    if _known_in(conn, env.message_id):
        return Outcome.DUPLICATE
    ready = env.previous_seq is None or _applied(conn, env, env.previous_seq)
    conn.execute(
        _INSERT,
        {
            "message_id": env.message_id,
            "lg_code": env.sender,
            "topic": env.topic,
            "ordering_key": env.ordering_key,
            "seq": env.seq,
            "previous_seq": env.previous_seq,
            "envelope": None if ready else env.to_dict(),
            "received_at": now,
            "applied_at": now if ready else None,
        },
    )
    if not ready:
        return Outcome.PARKED
    apply(conn, env)
    return Outcome.APPLIED


# The statements, built once with bind parameters: built per message (literal values),
# SQLAlchemy made a new cache key for each, a large share of a receiver's CPU (ADR 0039).
_CHAIN = (
    inbox.c.lg_code == sa.bindparam("sender"),
    inbox.c.topic == sa.bindparam("topic"),
    inbox.c.ordering_key == sa.bindparam("ordering_key"),
)
_INSERT = inbox.insert()
_BY_ID = sa.select(inbox.c.message_id).where(inbox.c.message_id == sa.bindparam("message_id"))
_APPLIED_AT = sa.select(inbox.c.applied_at).where(*_CHAIN, inbox.c.seq == sa.bindparam("seq"))
_NEXT_PARKED = (
    sa.select(inbox.c.envelope)
    .where(*_CHAIN, inbox.c.previous_seq == sa.bindparam("seq"), inbox.c.applied_at.is_(None))
    .order_by(inbox.c.seq)
    .limit(1)
)
_CLAIM = inbox.update().where(
    inbox.c.message_id == sa.bindparam("claimed"), inbox.c.applied_at.is_(None)
)


def _chain(env: Envelope) -> dict[str, str]:
    """The bind parameters naming ``env``'s chain: same sender, topic and person."""
    return {"sender": env.sender, "topic": env.topic, "ordering_key": env.ordering_key}


def _claim(conn: Connection, message_id: str, now: datetime) -> int:
    """Mark a parked message applied (its envelope no longer kept); rows changed."""
    params = {"claimed": message_id, "applied_at": now, "envelope": None}
    return int(conn.execute(_CLAIM, params).rowcount)


def _known_in(conn: Connection, message_id: str) -> bool:
    return conn.execute(_BY_ID, {"message_id": message_id}).first() is not None


def _known(engine: Engine, message_id: str) -> bool:
    with engine.connect() as conn:
        return _known_in(conn, message_id)


def _applied(conn: Connection, env: Envelope, seq: int) -> bool:
    row = conn.execute(_APPLIED_AT, {**_chain(env), "seq": seq}).first()
    return row is not None and row.applied_at is not None


def _next_parked(conn: Connection, env: Envelope) -> Envelope | None:
    row = conn.execute(_NEXT_PARKED, {**_chain(env), "seq": env.seq}).first()
    return None if row is None else Envelope.from_dict(row.envelope)


def _lock_chain(conn: Connection, env: Envelope) -> None:
    if conn.dialect.name != "postgresql":
        return  # SQLite: BEGIN IMMEDIATE already holds the one write lock
    digest = hashlib.sha256("\x1f".join(env.chain).encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
