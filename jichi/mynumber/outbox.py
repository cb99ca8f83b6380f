"""Write domain events: one ``mynumber_event`` row each, then the in-process listeners.

Both happen on the caller's connection, inside its transaction: a listener that fails
(the JPKI side cannot revoke) rolls the card's change back with it, and a committed
change always has its event waiting for the relay.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.mynumber.events import Event
from jichi.mynumber.tables import mynumber_event

Listener = Callable[[Connection, Event], None]


def emit(
    conn: Connection,
    lg_code: str | None,
    events: Iterable[Event],
    listeners: Sequence[Listener] = (),
) -> None:
    now = datetime.now(UTC)
    for event in events:
        conn.execute(
            sa.insert(mynumber_event).values(
                event_id=str(uuid.uuid4()),
                lg_code=lg_code,
                topic=event.topic,
                card_id=event.card_id,
                payload=event.payload(),
                occurred_on=event.occurred_on,
                recorded_at=now,
            )
        )
        for listener in listeners:
            listener(conn, event)


def events_of(conn: Connection, lg_code: str | None, card_id: str | None = None) -> list[Any]:
    """The stored events of a municipality (or the center: ``None``), oldest first."""
    query = sa.select(mynumber_event).order_by(mynumber_event.c.seq)
    if lg_code is None:
        query = query.where(mynumber_event.c.lg_code.is_(None))
    else:
        query = query.where(mynumber_event.c.lg_code == lg_code)
    if card_id is not None:
        query = query.where(mynumber_event.c.card_id == card_id)
    return list(conn.execute(query))
