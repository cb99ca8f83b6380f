"""The same delivery over the real nats-server (JetStream), on SQLite and PostgreSQL.

Each test gets its own stream and subject root, deleted afterwards, so tests never
see each other's messages.  The restart test stops and starts a nats-server of its own
(tests/integration/network/broker.py), never the machine's, which other tests and
other pytest-xdist workers are using; JetStream keeps the stream and the durable
consumer on disk.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable

import pytest

from jichi.kernel.errors import JichiError
from jichi.network.inbox import Outcome
from jichi.network.messages import Envelope
from jichi.network.relay import Relay
from jichi.network.transport import NatsTransport
from tests.integration.network.broker import PrivateBroker
from tests.integration.network.conftest import (
    Receiver,
    Sender,
    assert_in_order_once,
    chain,
    run_async,
)

pytestmark = pytest.mark.nats

Scenario = Callable[[NatsTransport], Awaitable[None]]


def run_with_stream(nats_url: str, scenario: Scenario) -> None:
    """Run ``scenario`` against a fresh stream; delete the stream afterwards."""
    name = uuid.uuid4().hex[:10]

    async def main() -> None:
        transport = NatsTransport(nats_url, stream=f"T{name.upper()}", root=f"t{name}")
        try:
            await scenario(transport)
        finally:
            cleanup = NatsTransport(nats_url, stream=transport.stream, root=transport.root)
            await cleanup.delete_stream()
            await cleanup.close()
            await transport.close()

    run_async(main())


async def drain(transport: NatsTransport, consumer: str, receiver: Receiver) -> int:
    total = 0
    while count := await transport.pull(consumer, f"{transport.root}.>", receiver.handle):
        total += count
    return total


def test_relay_crash_and_redelivery_still_apply_each_notice_exactly_once(
    nats_url: str, sender: Sender, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def scenario(transport: NatsTransport) -> None:
        family = sender.move_in()
        sender.relocate(family, "7-7")
        crashing = Relay(sender.engine, transport, batch_size=6)

        def crash(_seqs: list[int]) -> None:
            raise RuntimeError("relay killed between publish and mark")

        monkeypatch.setattr(crashing, "_mark", crash)
        with pytest.raises(RuntimeError):
            await crashing.run_once()
        relay = Relay(sender.engine, transport, batch_size=6)
        await relay.run_until_idle()
        assert sender.unsent() == 0
        receiver.fail_next = 1  # the node dies once before commit: nak, redelivered
        with pytest.raises(RuntimeError):
            await transport.pull("node", f"{transport.root}.>", receiver.handle)
        await drain(transport, "node", receiver)
        assert_in_order_once(receiver.applied(), sender.outbox_ids())
        # JetStream dropped the six re-published messages (Nats-Msg-Id).
        assert len(receiver.receipts) == len(sender.outbox_ids())

    run_with_stream(nats_url, scenario)


def test_envelopes_delivered_out_of_order_over_nats_are_applied_in_order(
    nats_url: str, receiver: Receiver
) -> None:
    envelopes = chain(5)

    async def scenario(transport: NatsTransport) -> None:
        for env in reversed(envelopes):
            await transport.publish(env)
        await drain(transport, "center", receiver)
        outcomes = [r.outcome for r in receiver.receipts]
        assert outcomes == [Outcome.PARKED] * 4 + [Outcome.APPLIED]
        assert [a[3] for a in receiver.applied()] == [1, 2, 3, 4, 5]

    run_with_stream(nats_url, scenario)


def test_a_duplicate_publish_is_acknowledged_and_skipped(nats_url: str, receiver: Receiver) -> None:
    (env,) = chain(1)

    async def scenario(transport: NatsTransport) -> None:
        await transport.publish(env)
        await transport.publish(env)  # inside the duplicate window: stored once
        other = NatsTransport(nats_url, stream=transport.stream, root=transport.root)
        await other.publish(env)  # another connection, same message id
        await other.close()
        await drain(transport, "node", receiver)
        await receiver.handle(env)  # a redelivery after a lost ack
        assert [r.outcome for r in receiver.receipts] == [Outcome.APPLIED, Outcome.DUPLICATE]
        assert len(receiver.applied()) == 1

    run_with_stream(nats_url, scenario)


@pytest.mark.slow
def test_broker_restart_mid_delivery_loses_and_doubles_nothing(
    private_nats: PrivateBroker, sender: Sender, receiver: Receiver
) -> None:

    async def scenario(transport: NatsTransport) -> None:
        relay = Relay(sender.engine, transport, batch_size=4)
        sender.move_in()
        assert await relay.run_once() == 4
        await transport.pull("node", f"{transport.root}.>", receiver.handle, batch=2)
        await private_nats.stop()
        # The broker is down: the counter still accepts notifications ...
        sender.move_in("佐藤", "サトウ")
        # ... and the relay leaves everything it cannot hand over unsent.
        with pytest.raises(JichiError) as caught:
            await relay.run_once()
        assert caught.value.code == "NET-003"
        waiting = sender.unsent()
        assert waiting == len(sender.outbox_ids()) - 4
        await private_nats.start()
        stop = asyncio.Event()
        loop = asyncio.create_task(relay.run(stop, idle=0.05, max_backoff=0.5))
        deadline = time.monotonic() + 30
        while sender.unsent() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        stop.set()
        await loop
        assert sender.unsent() == 0
        deadline = time.monotonic() + 30
        while len(receiver.applied()) < len(sender.outbox_ids()) and time.monotonic() < deadline:
            try:
                await drain(transport, "node", receiver)
            except JichiError:
                await asyncio.sleep(0.1)  # the client is still reconnecting
        assert_in_order_once(receiver.applied(), sender.outbox_ids())

    run_with_stream(private_nats.url, scenario)


def test_a_broker_that_is_down_is_net_003_not_a_hang() -> None:
    (env,) = chain(1)

    async def scenario() -> None:
        transport = NatsTransport("nats://127.0.0.1:1", timeout=0.5)
        with pytest.raises(JichiError) as caught:
            await transport.publish(env)
        assert caught.value.code == "NET-003"
        await transport.close()

    run_async(scenario())
    assert isinstance(env, Envelope)
