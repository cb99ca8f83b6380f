"""The outbox relay: what the registry committed goes out, at least once, in order.

The registry writes its notices to ``outbox`` in the same transaction as the change;
the relay reads the unsent rows in ``seq`` order, publishes them as one batch (sent in
order, the broker's acknowledgements awaited together: ADR 0036), and then marks the
stored rows ``sent_at`` in one transaction.  A crash (or a lost acknowledgement)
between publishing and marking publishes the same message again — same
``message_id``, so JetStream's de-duplication and the receiver's inbox both drop it.
A publish that fails stops the batch: the rows from there on stay unsent (some may
already be stored; published again, they are dropped the same way), and the inbox
parks whatever arrives ahead of its predecessor, so nothing of a person's chain is
applied before an earlier message.  The counter never waits for the relay; with the broker down the
rows simply queue.

:meth:`Relay.run` loops at once while there is work; idle, it waits until
:meth:`Relay.wake` (the node calls it when its own transactions commit outbox rows —
a reply to a received message) or ``idle`` seconds pass (rows another process, the
counter, committed are seen at the next look).
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
from jichi.network.transport import Transport, unavailable
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
        self._wake: asyncio.Event | None = None

    def wake(self) -> None:
        """New outbox rows were committed in this process: look now, not after ``idle``."""
        if self._wake is not None:
            self._wake.set()

    def unsent(self, limit: int | None = None) -> list[Envelope]:
        """The next unsent rows as envelopes, each knowing its chain's previous seq."""
        with self.engine.connect() as conn:
            rows = conn.execute(_UNSENT, {"limit": limit or self.batch_size}).all()
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
        batch = self.unsent()
        if not batch:
            return 0
        try:
            stored = await self.transport.publish_many(batch)
        except JichiError as exc:
            if exc.kind is e.TRANSPORT_UNAVAILABLE:
                self.failures += 1
            raise
        self.published += stored
        if stored:
            self._mark([envelope.seq for envelope in batch[:stored]])
        if stored < len(batch):  # the rest stays unsent, in order, for the next try
            self.failures += 1
            raise unavailable(f"{len(batch) - stored} of {len(batch)} not acknowledged")
        return stored

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
                await self._idle(stop, idle)

    async def _idle(self, stop: asyncio.Event, seconds: float) -> None:
        """Until ``stop``, :meth:`wake` or ``seconds`` — whichever comes first."""
        if self._wake is None:
            self._wake = asyncio.Event()
        wake = self._wake
        stopped = asyncio.ensure_future(stop.wait())
        woken = asyncio.ensure_future(wake.wait())
        try:
            await asyncio.wait({stopped, woken}, timeout=seconds, return_when="FIRST_COMPLETED")
        finally:
            stopped.cancel()
            woken.cancel()
            wake.clear()

    def _mark(self, seqs: list[int]) -> None:
        with write_transaction(self.engine) as conn:
            conn.execute(_MARK, {"seqs": seqs, "sent_at": self.clock()})


# The relay's statements, built once (bind parameters): an idle relay looks for unsent
# rows several times a second, and building the query with its correlated subquery each
# time cost more CPU than running it (ADR 0039).
_earlier = outbox.alias("earlier")
_PREVIOUS = (
    sa.select(sa.func.max(_earlier.c.seq))
    .where(
        _earlier.c.ordering_key == outbox.c.ordering_key,
        _earlier.c.topic == outbox.c.topic,
        _earlier.c.lg_code == outbox.c.lg_code,
        _earlier.c.seq < outbox.c.seq,
    )
    .scalar_subquery()
)
_UNSENT = (
    sa.select(outbox, _PREVIOUS.label("previous_seq"))
    .where(outbox.c.sent_at.is_(None))
    .order_by(outbox.c.seq)
    .limit(sa.bindparam("limit"))
)
_MARK = outbox.update().where(
    outbox.c.seq.in_(sa.bindparam("seqs", expanding=True)), outbox.c.sent_at.is_(None)
)


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
