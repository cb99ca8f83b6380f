"""Outbox → relay → in-process transport → inbox, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import random

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.network import inbox
from jichi.network.inbox import Outcome, receive
from jichi.network.relay import Relay
from jichi.network.tables import inbox as inbox_table
from jichi.network.transport import InProcessTransport, each
from tests.integration.network.conftest import (
    Receiver,
    Sender,
    assert_in_order_once,
    chain,
    run_async,
)

ALL = "jichi.>"


def test_every_notice_is_applied_once_when_a_relay_crash_publishes_it_twice(
    sender: Sender, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def scenario() -> None:
        family = sender.move_in()
        sender.relocate(family, "7-7")
        # No de-duplication in the transport: the inbox alone must hold the line.
        transport = InProcessTransport(deduplicate=False)
        crashing = Relay(sender.engine, transport, batch_size=5)

        def crash(_seqs: list[int]) -> None:
            raise RuntimeError("relay killed between publish and mark")

        monkeypatch.setattr(crashing, "_mark", crash)
        with pytest.raises(RuntimeError):
            await crashing.run_once()
        assert sender.unsent() == len(sender.outbox_ids())  # nothing was marked
        relay = Relay(sender.engine, transport, batch_size=5)
        assert await relay.run_until_idle() == len(sender.outbox_ids())
        assert sender.unsent() == 0
        assert len(transport.log) == len(sender.outbox_ids()) + 5  # five went out twice
        while await transport.pull("node", ALL, receiver.handle):
            pass
        outcomes = [r.outcome for r in receiver.receipts]
        assert outcomes.count(Outcome.DUPLICATE) == 5
        assert_in_order_once(receiver.applied(), sender.outbox_ids())

    run_async(scenario())


def test_a_move_in_leaves_notices_for_all_four_topics_with_chains_per_person(
    sender: Sender, receiver: Receiver
) -> None:
    async def scenario() -> None:
        family = sender.move_in()
        sender.relocate(family, "8-8")
        relay = Relay(sender.engine, InProcessTransport())
        envelopes = relay.unsent(limit=1000)
        topics = {e.topic for e in envelopes}
        assert topics == {
            "center.identity",
            "municipality.131016.move_in_notice",
            "honseki.attachment",
            "election.roll",
        }
        firsts = {e.chain: e for e in envelopes if e.previous_seq is None}
        for env in envelopes:
            if env.previous_seq is not None:
                assert env.chain in firsts  # the relocation follows the move-in
                assert env.previous_seq < env.seq

    run_async(scenario())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_messages_delivered_out_of_order_are_applied_in_order_per_person(
    receiver: Receiver, seed: int
) -> None:
    first, second = chain(6, key="11111111111"), chain(4, key="22222222222")
    shuffled = first + second
    random.Random(seed).shuffle(shuffled)
    for env in shuffled:
        run_async(receiver.handle(env))
    assert_in_order_once(receiver.applied(), [e.message_id for e in first + second])
    applied = receiver.applied()
    assert [a[3] for a in applied if a[2] == "11111111111"] == [1, 2, 3, 4, 5, 6]
    with receiver.engine.connect() as conn:
        assert inbox.pending(conn) == []


def test_a_message_waits_in_the_inbox_until_its_predecessor_arrives(receiver: Receiver) -> None:
    one, two, three = chain(3)
    assert receive(receiver.engine, three, receiver.apply).outcome is Outcome.PARKED
    assert receive(receiver.engine, two, receiver.apply).outcome is Outcome.PARKED
    assert receive(receiver.engine, three, receiver.apply).outcome is Outcome.DUPLICATE
    with receiver.engine.connect() as conn:
        assert [e.seq for e in inbox.pending(conn)] == [2, 3]
    receipt = receive(receiver.engine, one, receiver.apply)
    assert receipt.outcome is Outcome.APPLIED
    assert receipt.applied == (one.message_id, two.message_id, three.message_id)
    assert [a[3] for a in receiver.applied()] == [1, 2, 3]


def test_a_handler_that_fails_leaves_no_inbox_row_and_the_redelivery_applies_it(
    receiver: Receiver,
) -> None:
    (env,) = chain(1)
    receiver.fail_next = 1
    with pytest.raises(RuntimeError):
        receive(receiver.engine, env, receiver.apply)
    with receiver.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(inbox_table)).scalar() == 0
    assert receiver.applied() == []
    assert receive(receiver.engine, env, receiver.apply).outcome is Outcome.APPLIED
    assert receive(receiver.engine, env, receiver.apply).outcome is Outcome.DUPLICATE
    assert len(receiver.applied()) == 1


def test_a_parked_successor_whose_release_failed_is_released_by_a_redelivery(
    receiver: Receiver,
) -> None:
    one, two = chain(2)
    receive(receiver.engine, two, receiver.apply)
    receiver.fail_next = 0
    calls = {"n": 0}

    def fail_on_second(conn: sa.Connection, env: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("died while releasing")
        receiver.apply(conn, env)  # type: ignore[arg-type]

    with pytest.raises(RuntimeError):
        receive(receiver.engine, one, fail_on_second)
    assert [a[3] for a in receiver.applied()] == [1]
    receipt = receive(receiver.engine, one, receiver.apply)  # the transport redelivers
    assert receipt.outcome is Outcome.DUPLICATE and receipt.applied == (two.message_id,)
    assert [a[3] for a in receiver.applied()] == [1, 2]


def test_with_the_transport_down_the_counter_works_and_rows_wait_until_it_returns(
    sender: Sender, receiver: Receiver
) -> None:
    async def scenario() -> None:
        transport = InProcessTransport()
        transport.available = False
        relay = Relay(sender.engine, transport)
        sender.move_in()  # the counter does not wait for the network
        with pytest.raises(JichiError) as caught:
            await relay.run_once()
        assert caught.value.code == "NET-003"
        queued = sender.unsent()
        assert queued == len(sender.outbox_ids()) > 0
        stop = asyncio.Event()
        loop = asyncio.create_task(relay.run(stop, idle=0.01, max_backoff=0.05))
        await asyncio.sleep(0.1)
        sender.move_in("佐藤", "サトウ")  # still accepted while the link is down
        assert sender.unsent() > queued
        transport.available = True
        for _ in range(200):
            if sender.unsent() == 0:
                break
            await asyncio.sleep(0.01)
        stop.set()
        await loop
        assert sender.unsent() == 0
        assert relay.failures >= 2
        while await transport.pull("node", ALL, receiver.handle):
            pass
        assert_in_order_once(receiver.applied(), sender.outbox_ids())

    run_async(scenario())


def test_a_subscription_applies_what_the_relay_publishes(
    sender: Sender, receiver: Receiver
) -> None:
    async def scenario() -> None:
        transport = InProcessTransport()
        handle = each(receiver.handle)
        sub = await transport.subscribe("center", "jichi.center.>", handle, idle=0.01)
        sender.move_in()
        await Relay(sender.engine, transport).run_until_idle()
        for _ in range(200):
            if len(receiver.applied()) == 2:
                break
            await asyncio.sleep(0.01)
        await sub.stop()
        assert {a[1] for a in receiver.applied()} == {"center.identity"}
        assert len(receiver.applied()) == 2

    run_async(scenario())


def test_the_relay_publishes_in_seq_order_in_batches(sender: Sender, engine: Engine) -> None:
    async def scenario() -> None:
        sender.move_in()
        transport = InProcessTransport()
        relay = Relay(engine, transport, batch_size=3)
        assert await relay.run_once() == 3
        total = 3 + await relay.run_until_idle()
        assert total == len(sender.outbox_ids())
        assert [e.message_id for _s, e in transport.log] == sender.outbox_ids()
        assert await relay.run_once() == 0

    run_async(scenario())
