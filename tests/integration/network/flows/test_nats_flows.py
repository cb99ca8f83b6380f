"""The key move flows over the real nats-server (JetStream), each node its own database.

Each test uses its own stream and subject root (deleted afterwards) and gives each
node its own connection, as separate processes would have.  "Down" is mostly a
node whose broker cannot be reached, which is what the counter sees; one slow test
stops and restarts a nats-server of its own (never the machine's, which other tests
and pytest-xdist workers share; JetStream keeps streams and consumers on disk).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable

import pytest

from jichi.kernel.errors import JichiError
from jichi.network.flows.card_move import PendingStatus, get_pending
from jichi.network.messages import Envelope
from jichi.network.transport import NatsTransport
from tests.integration.network.broker import PrivateBroker
from tests.integration.network.conftest import run_async
from tests.integration.network.flows.conftest import (
    NEW,
    OLD,
    World,
    move_out,
    paper_move_in,
)
from tests.integration.network.flows.test_faults import Killed, assert_complete, card_move

pytestmark = pytest.mark.nats


Connect = Callable[[str], None]


def with_nats(world: World, nats_url: str, scenario: Callable[[Connect], Awaitable[None]]) -> None:
    name = uuid.uuid4().hex[:10]
    stream, root = f"F{name.upper()}", f"f{name}"
    transports: list[NatsTransport] = []

    def connect(lg_code: str) -> None:
        transport = NatsTransport(nats_url, stream=stream, root=root, ack_wait=5, fetch_wait=0.3)
        transports.append(transport)
        world.node(lg_code, transport)

    async def main() -> None:
        world.nodes.clear()
        connect(OLD)
        connect(NEW)
        try:
            await scenario(connect)
        finally:
            for transport in transports:
                await transport.close()
            cleanup = NatsTransport(nats_url, stream=stream, root=root)
            await cleanup.delete_stream()
            await cleanup.close()

    run_async(main())


def test_a_paper_move_over_nats_with_the_old_node_killed_before_its_ack(
    world: World, nats_url: str
) -> None:
    world.settle_the_family_in_old()
    move_out(world)
    world.clock.advance(7)
    paper_move_in(world)

    async def scenario(reconnect: Connect) -> None:
        await world.new.send()
        await world.new.send()  # a second send publishes nothing new
        old = world.old

        async def dying(env: Envelope) -> None:
            await old.handle(env)
            raise Killed

        with pytest.raises(Killed):
            await old.transport.pull(old.consumer, old.subjects, dying)
        reconnect(OLD)  # a new process, a new connection
        await world.settle()

    with_nats(world, nats_url, scenario)
    assert_complete(world)


def test_a_card_move_over_nats_with_a_relay_that_publishes_twice(
    world: World, nats_url: str
) -> None:
    world.settle_the_family_in_old()

    async def scenario(reconnect: Connect) -> None:
        request_id = card_move(world)
        new = world.new
        for envelope in new.relay.unsent():
            await new.transport.publish(envelope)  # published, then the relay "died"
        await world.settle()
        assert get_pending(world.new, request_id).status is PendingStatus.REGISTERED

    with_nats(world, nats_url, scenario)
    assert_complete(world)


def test_with_the_broker_unreachable_the_counter_works_and_the_queue_goes_out_later(
    world: World, nats_url: str
) -> None:
    world.settle_the_family_in_old()
    move_out(world)
    world.clock.advance(7)

    async def scenario(reconnect: Connect) -> None:
        down = NatsTransport("nats://127.0.0.1:9", timeout=0.5)  # nothing listens there
        cut_off = world.node(NEW, down)
        paper_move_in(world)  # the counter takes the move-in
        assert await cut_off.send() == 0
        assert world.unsent(NEW) > 0
        await down.close()
        reconnect(NEW)
        await world.settle()
        assert world.unsent(NEW) == 0

    with_nats(world, nats_url, scenario)
    assert_complete(world)


@pytest.mark.slow
def test_a_card_move_survives_a_broker_restart_a_killed_node_and_doubled_disordered_delivery(
    world: World, private_nats: PrivateBroker
) -> None:
    """The issue's fault list in one move: a nats-server of the test's own stops and starts.

    The new municipality asks for the move-out data; the request is published twice and
    out of order with the identity updates, the broker restarts while the reply is in
    flight (JetStream keeps the stream and the consumers on disk), the old node dies
    after applying a message but before its ack, and the counters keep working through
    it all.  Afterwards the family is in exactly one municipality, confirmed once.
    """
    world.settle_the_family_in_old()

    async def scenario(reconnect: Connect) -> None:
        request_id = card_move(world)  # old: card move-out; new: pending move-in + request
        new, old = world.new, world.old
        unsent = new.relay.unsent()
        for envelope in [*reversed(unsent), *unsent]:  # doubled, the later ones first
            await new.transport.publish(envelope)
        await new.send()  # the relay sends them a third time and marks them sent

        async def dying(env: Envelope) -> None:
            await old.handle(env)
            raise Killed

        with pytest.raises(Killed):  # old applies the request, dies before the ack
            await old.transport.pull(old.consumer, old.subjects, dying)
        reconnect(OLD)
        await world.old.receive_all()  # the redelivered request: replies once
        await private_nats.stop()
        try:
            # The broker is down: the move-in waits with its reason, the reply in the outbox.
            assert get_pending(world.new, request_id).status is PendingStatus.PENDING
            assert await world.old.send() == 0  # the reply waits in old's outbox
            assert world.unsent(OLD) > 0
        finally:
            await private_nats.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                await world.settle()
            except JichiError:
                await asyncio.sleep(0.2)  # the clients are still reconnecting
                continue
            if get_pending(world.new, request_id).status is PendingStatus.REGISTERED:
                break
        assert get_pending(world.new, request_id).status is PendingStatus.REGISTERED
        assert world.unsent(OLD) == world.unsent(NEW) == 0

    with_nats(world, private_nats.url, scenario)
    assert_complete(world)
