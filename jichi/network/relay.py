"""The outbox relay: what the registry committed goes out, at least once, in order.

The registry writes its notices to ``outbox`` in the same transaction as the change;
the relay reads the unsent rows in ``seq`` order, publishes each, and then marks the
published rows ``sent_at``.  A crash (or a lost acknowledgement) between publishing and
marking publishes the same message again — same ``message_id``, so JetStream's
de-duplication and the receiver's inbox both drop it.  A publish that fails stops the
batch: the rows from there on stay unsent, so nothing of a person's chain overtakes an
earlier message.  The counter never waits for the relay; with the broker down the
rows simply queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.kernel.clock import now as clock_now
from jichi.kernel.errors import JichiError
from jichi.network import errors as e
from jichi.network.messages import Envelope
from jichi.network.transport import Transport
from jichi.registry.tables import outbox
from jichi.store.engine import write_transaction

log = logging.getLogger(__name__)


class Relay:
    def __init__(
        self,
        engine: Engine,
        transport: Transport,
        *,
        batch_size: int = 100,
        clock: Callable[[], datetime] = clock_now,
    ) -> None:
        self.engine = engine
        self.transport = transport
        self.batch_size = batch_size
        self.clock = clock
        self.published = 0  # publishes made (a re-publish after a crash counts again)
        self.failures = 0  # batches stopped by an unavailable transport

    def unsent(self, limit: int | None = None) -> list[Envelope]:
        """The next unsent rows as envelopes, each knowing its chain's previous seq."""
        earlier = outbox.alias("earlier")
        previous = (
            sa.select(sa.func.max(earlier.c.seq))
            .where(
                earlier.c.ordering_key == outbox.c.ordering_key,
                earlier.c.topic == outbox.c.topic,
                earlier.c.lg_code == outbox.c.lg_code,
                earlier.c.seq < outbox.c.seq,
            )
            .scalar_subquery()
        )
        query = (
            sa.select(outbox, previous.label("previous_seq"))
            .where(outbox.c.sent_at.is_(None))
            .order_by(outbox.c.seq)
            .limit(limit or self.batch_size)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            Envelope(
                message_id=row.message_id,
                topic=row.topic,
                ordering_key=row.ordering_key,
                sender=row.lg_code,
                seq=row.seq,
                payload=row.payload,
                created_at=_aware(row.created_at),
                previous_seq=row.previous_seq,
            )
            for row in rows
        ]

    async def run_once(self) -> int:
        """Publish one batch; return how many went out.  NET-003 if the transport is down."""
        sent: list[int] = []
        try:
            for envelope in self.unsent():
                await self.transport.publish(envelope)
                self.published += 1
                sent.append(envelope.seq)
        except JichiError as exc:
            if exc.kind is e.TRANSPORT_UNAVAILABLE:
                self.failures += 1
            raise
        finally:
            if sent:
                self._mark(sent)
        return len(sent)

    async def run_until_idle(self) -> int:
        """Publish until nothing is unsent (tests, demos, a one-shot CLI)."""
        total = 0
        while count := await self.run_once():
            total += count
        return total

    async def run(
        self, stop: asyncio.Event, *, idle: float = 0.5, max_backoff: float = 30.0
    ) -> None:
        """The production loop: poll when idle, back off while the transport is down."""
        backoff = idle
        while not stop.is_set():
            try:
                count = await self.run_once()
            except JichiError as exc:
                if exc.kind is not e.TRANSPORT_UNAVAILABLE:
                    raise
                log.warning("relay: %s; retrying in %.1fs", exc.message_en, backoff)
                await _wait(stop, backoff)
                backoff = min(backoff * 2, max_backoff)
                continue
            backoff = idle
            if count == 0:
                await _wait(stop, idle)

    def _mark(self, seqs: list[int]) -> None:
        with write_transaction(self.engine) as conn:
            conn.execute(
                outbox.update()
                .where(outbox.c.seq.in_(seqs), outbox.c.sent_at.is_(None))
                .values(sent_at=self.clock())
            )


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
