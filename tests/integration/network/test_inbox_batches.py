"""A pulled batch received in one transaction (``inbox.receive_many``, ADR 0036).

The batch must have exactly the effects of receiving its messages one by one: each
applied once, chains in order (a successor ahead of its predecessor in the same batch
is parked, then released when the predecessor comes), duplicates skipped — and when
one message's handler fails, nothing of the batch's transaction stays and the rest is
received one at a time as before.
"""

from __future__ import annotations

import random

import pytest
import sqlalchemy as sa

from jichi.network import inbox
from jichi.network.inbox import Outcome, receive, receive_many
from jichi.network.relay import Relay
from jichi.network.tables import inbox as inbox_table
from jichi.network.transport import InProcessTransport
from tests.integration.network.conftest import (
    Receiver,
    Sender,
    assert_in_order_once,
    chain,
    run_async,
)


def test_a_shuffled_batch_applies_every_message_once_and_each_chain_in_order(
    receiver: Receiver,
) -> None:
    first, second = chain(6, key="11111111111"), chain(4, key="22222222222")
    batch = first + second
    random.Random(7).shuffle(batch)
    receipts = receive_many(receiver.engine, batch, receiver.apply)
    assert len(receipts) == len(batch)
    assert_in_order_once(receiver.applied(), [e.message_id for e in first + second])
    with receiver.engine.connect() as conn:
        assert inbox.pending(conn) == []
    released = [m for r in receipts for m in r.applied]
    assert sorted(released) == sorted(e.message_id for e in batch)


def test_a_batch_delivered_again_changes_nothing(receiver: Receiver) -> None:
    batch = chain(3)
    receive_many(receiver.engine, batch, receiver.apply)
    again = receive_many(receiver.engine, [*batch, batch[0]], receiver.apply)
    assert {r.outcome for r in again} == {Outcome.DUPLICATE}
    assert [a[3] for a in receiver.applied()] == [1, 2, 3]


def test_a_failing_message_rolls_the_batch_back_and_the_rest_is_received_one_by_one(
    receiver: Receiver,
) -> None:
    one, two, three = chain(3)
    calls = {"n": 0}

    def fail_on_three(conn: sa.Connection, env: object) -> None:
        calls["n"] += 1
        # Call 3 is the batch's third application (the whole transaction goes); call 6
        # the one-by-one retry of the same message, which then reaches the transport.
        if calls["n"] in (3, 6):
            raise RuntimeError("the receiving node died before commit")
        receiver.apply(conn, env)  # type: ignore[arg-type]

    with pytest.raises(RuntimeError):
        receive_many(receiver.engine, [one, two, three], fail_on_three)
    assert calls["n"] == 6
    # The batch's transaction left nothing; one by one, 1 and 2 were applied, 3 was not.
    assert [a[3] for a in receiver.applied()] == [1, 2]
    with receiver.engine.connect() as conn:
        ids = set(conn.execute(sa.select(inbox_table.c.message_id)).scalars())
    assert ids == {one.message_id, two.message_id}
    # The transport redelivers the whole batch: 1 and 2 are duplicates, 3 is applied.
    receipts = receive_many(receiver.engine, [one, two, three], receiver.apply)
    assert [r.outcome for r in receipts] == [Outcome.DUPLICATE, Outcome.DUPLICATE, Outcome.APPLIED]
    assert [a[3] for a in receiver.applied()] == [1, 2, 3]


def test_a_batch_releases_a_successor_parked_by_an_earlier_delivery(receiver: Receiver) -> None:
    one, two, three = chain(3)
    assert receive(receiver.engine, three, receiver.apply).outcome is Outcome.PARKED
    receipts = receive_many(receiver.engine, [one, two], receiver.apply)
    assert receipts[1].applied == (two.message_id, three.message_id)
    assert [a[3] for a in receiver.applied()] == [1, 2, 3]


def test_the_relay_and_a_batch_pull_carry_a_move_in_once(
    sender: Sender, receiver: Receiver
) -> None:
    async def scenario() -> None:
        sender.move_in()
        sender.move_in("佐藤", "サトウ")
        transport = InProcessTransport()
        relay = Relay(sender.engine, transport, batch_size=3)
        assert await relay.run_until_idle() == len(sender.outbox_ids())

        async def handle(envelopes: list[object]) -> None:
            receive_many(receiver.engine, envelopes, receiver.apply)  # type: ignore[arg-type]

        pulled = 0
        while count := await transport.pull_batch("center", "jichi.center.>", handle, batch=3):
            pulled += count
        assert pulled == 4  # two persons per move-in, one identity notice each
        assert len(receiver.applied()) == 4

    run_async(scenario())
