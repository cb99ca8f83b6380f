"""The center's side of the wire: take ``center.identity`` messages into its inbox.

Thin glue between a :class:`jichi.network.transport.Transport` and
:func:`jichi.network.inbox.receive` with :func:`.identity.apply_identity`, so the same
code serves the in-process transport (tests, demos) and NATS JetStream (the center on
its own machine, ``jichi center receive``).  The handler is synchronous database work;
on a transport it runs inside the consumer's loop, a pulled batch in one transaction
(:func:`jichi.network.inbox.receive_many`, ADR 0036).
"""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine

from jichi.network.center.identity import TOPIC, apply_identity
from jichi.network.inbox import Receipt, receive, receive_many
from jichi.network.messages import SUBJECT_ROOT, Envelope
from jichi.network.transport import Transport

CONSUMER = "center"


class CenterReceiver:
    """Applies every identity update it is handed; keeps the receipts for operators."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.receipts: list[Receipt] = []

    async def handle(self, envelope: Envelope) -> None:
        self.receipts.append(receive(self.engine, envelope, apply_identity))

    async def handle_batch(self, envelopes: list[Envelope]) -> None:
        self.receipts.extend(receive_many(self.engine, envelopes, apply_identity))

    async def drain(self, transport: Transport, *, consumer: str = CONSUMER) -> int:
        """Pull until nothing is waiting (tests, demos, one-shot catch-up); how many."""
        total = 0
        topic = subject(transport.root)
        while count := await transport.pull_batch(consumer, topic, self.handle_batch):
            total += count
        return total

    async def run(
        self, transport: Transport, stop: asyncio.Event, *, consumer: str = CONSUMER
    ) -> None:
        """Consume until ``stop`` is set (the production loop)."""
        subscription = await transport.subscribe(
            consumer, subject(transport.root), self.handle_batch
        )
        try:
            await stop.wait()
        finally:
            await subscription.stop()


def subject(root: str = SUBJECT_ROOT) -> str:
    return f"{root}.{TOPIC}"
