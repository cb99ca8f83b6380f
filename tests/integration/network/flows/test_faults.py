"""The moves survive the network: duplicates, disorder, killed nodes, a broker that is down.

Afterwards nobody is lost, doubled or current in two municipalities, and every move
is complete or pending with a reason.
"""

from __future__ import annotations

import random
from datetime import date

import pytest
import sqlalchemy as sa

from jichi.network.flows.card_move import (
    CardMoveIn,
    PendingStatus,
    file_card_move_out,
    get_pending,
    request_card_move_in,
)
from jichi.network.messages import Envelope
from jichi.network.node import Node
from jichi.network.transport import InProcessTransport, subject_matches
from jichi.registry import commands as c
from jichi.registry.events import NotificationKind
from jichi.registry.model import Address
from jichi.registry.tables import registry_event
from tests.integration.network.conftest import run_async
from tests.integration.network.flows.conftest import (
    FAMILY,
    NEW,
    NEW_CLERK,
    OLD,
    OLD_CLERK,
    World,
    address,
    move_out,
    paper_move_in,
)


class Killed(BaseException):
    """The process died: not an error a handler catches."""


def confirmations(world: World) -> dict[str, int]:
    with world.engines[OLD].connect() as conn:
        rows = conn.execute(
            sa.select(registry_event.c.person_id, sa.func.count())
            .where(registry_event.c.reason == NotificationKind.MOVE_OUT_CONFIRMED.value)
            .group_by(registry_event.c.person_id)
        ).all()
    return {person_id: count for person_id, count in rows}


def assert_complete(world: World) -> None:
    old = world.by_name(OLD)
    assert all(old[g].move_out_confirmed for g in FAMILY)
    assert sorted(confirmations(world).values()) == [1, 1, 1]  # each exactly once
    new = world.by_name(NEW)
    assert sorted(new) == sorted(FAMILY)
    world.assert_one_municipality_each(*FAMILY)
    assert world.old.tasks() == [] and world.new.tasks() == []


def card_move(world: World) -> str:
    """The family moves with 太郎's card; returns the pending request id."""
    family = world.by_name(OLD)
    cmd = c.MoveOut(
        person_ids=[family[g].person_id for g in FAMILY],
        planned_date=date(2026, 11, 25),
        destination=Address.model_validate(address(NEW)),
    )
    file_card_move_out(world.old, cmd, OLD_CLERK, card_holder_ids=[family["太郎"].person_id])
    world.clock.advance(7)
    draft = CardMoveIn(
        from_lg_code=OLD,
        resident_code="12345678901",
        effective_date=date(2026, 11, 26),
        address=Address.model_validate(address(NEW)),
    )
    return request_card_move_in(world.new, draft, NEW_CLERK).request_id


async def chaos(world: World, seed: int) -> None:
    """Every message delivered two or three times, in a shuffled order, until quiet."""
    rng = random.Random(seed)
    nodes = [world.old, world.new]
    delivered = 0
    for _ in range(20):
        for node in nodes:
            await node.send()
        assert isinstance(world.transport, InProcessTransport)
        fresh = [env for _subject, env in world.transport.log[delivered:]]
        delivered = len(world.transport.log)
        if not fresh:
            return
        copies: list[Envelope] = [env for env in fresh for _ in range(rng.choice((2, 3)))]
        rng.shuffle(copies)
        for env in copies:
            for node in nodes:
                if subject_matches(node.subjects, env.subject(world.transport.root)):
                    await node.handle(env)
    raise AssertionError("the flow did not settle")


@pytest.mark.parametrize("seed", [1, 2])
def test_duplicated_and_shuffled_delivery_completes_paper_and_card_moves(
    world: World, seed: int
) -> None:
    world.transport = InProcessTransport(deduplicate=False)
    world.nodes.clear()
    world.settle_the_family_in_old()
    request_id = card_move(world)
    run_async(chaos(world, seed))
    assert get_pending(world.new, request_id).status is PendingStatus.REGISTERED
    assert_complete(world)


def test_a_paper_move_survives_duplicated_and_shuffled_delivery(world: World) -> None:
    world.transport = InProcessTransport(deduplicate=False)
    world.nodes.clear()
    world.settle_the_family_in_old()
    move_out(world)
    world.clock.advance(7)
    paper_move_in(world)
    run_async(chaos(world, 7))
    assert_complete(world)


def test_the_old_node_killed_after_its_commit_but_before_the_ack(world: World) -> None:
    world.settle_the_family_in_old()
    move_out(world)
    world.clock.advance(7)
    paper_move_in(world)

    async def scenario() -> None:
        await world.new.send()
        old = world.old

        async def dying(env: Envelope) -> None:
            await old.handle(env)  # the confirmation commits …
            raise Killed  # … and the process dies before acknowledging

        with pytest.raises(Killed):
            await world.transport.pull(old.consumer, old.subjects, dying)
        assert len(confirmations(world)) == 1
        del world.nodes[OLD]  # the node object is gone; a new process starts
        await world.settle()

    run_async(scenario())
    assert_complete(world)


def test_the_new_node_killed_after_the_move_in_but_before_the_relay_sent(world: World) -> None:
    world.settle_the_family_in_old()
    move_out(world)
    world.clock.advance(7)
    paper_move_in(world)  # committed: the 転入 and its 転入通知 in the outbox
    assert world.unsent(NEW) > 0
    del world.nodes[NEW]  # killed before the relay ran
    run_async(world.settle())
    assert_complete(world)


def test_a_relay_killed_between_publish_and_mark_publishes_again_harmlessly(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.transport = InProcessTransport(deduplicate=False)
    world.nodes.clear()
    world.settle_the_family_in_old()
    move_out(world)
    world.clock.advance(7)
    paper_move_in(world)
    new = world.new

    def killed(_seqs: list[int]) -> None:
        raise Killed

    monkeypatch.setattr(new.relay, "_mark", killed)
    with pytest.raises(Killed):
        run_async(new.send())
    monkeypatch.undo()
    del world.nodes[NEW]
    run_async(world.settle())
    assert_complete(world)


def test_the_old_node_killed_after_replying_with_the_card_data(world: World) -> None:
    world.settle_the_family_in_old()
    request_id = card_move(world)

    async def scenario() -> None:
        await world.new.send()
        old = world.old

        async def dying(env: Envelope) -> None:
            await old.handle(env)  # the reply is in the outbox, committed
            raise Killed

        with pytest.raises(Killed):
            await world.transport.pull(old.consumer, old.subjects, dying)
        del world.nodes[OLD]
        assert get_pending(world.new, request_id).status is PendingStatus.PENDING
        await world.settle()

    run_async(scenario())
    assert get_pending(world.new, request_id).status is PendingStatus.REGISTERED
    assert_complete(world)


def test_with_the_broker_down_the_counter_works_and_the_queue_goes_out_later(
    world: World,
) -> None:
    assert isinstance(world.transport, InProcessTransport)
    world.settle_the_family_in_old()
    move_out(world)
    world.clock.advance(7)
    world.transport.available = False
    paper_move_in(world)  # the counter does not wait for the network
    request_id = None
    assert run_async(world.new.send()) == 0
    queued = world.unsent(NEW)
    assert queued > 0
    assert all(not r.move_out_confirmed for r in world.by_name(OLD).values())
    world.transport.available = True
    run_async(world.settle())
    assert world.unsent(NEW) == 0
    assert_complete(world)
    assert request_id is None


def test_a_card_move_in_taken_while_the_broker_is_down_waits_with_its_reason(
    world: World,
) -> None:
    assert isinstance(world.transport, InProcessTransport)
    world.settle_the_family_in_old()
    world.transport.available = False
    request_id = card_move(world)
    assert run_async(world.new.send()) == 0
    waiting = get_pending(world.new, request_id)
    assert waiting.status is PendingStatus.PENDING and waiting.code == "NOD-009"
    world.transport.available = True
    run_async(world.settle())
    assert get_pending(world.new, request_id).status is PendingStatus.REGISTERED
    assert_complete(world)


def test_a_restarted_node_resumes_its_durable_consumer(world: World) -> None:
    world.settle_the_family_in_old()
    move_out(world)
    world.clock.advance(7)
    paper_move_in(world)
    run_async(world.new.send())
    first = world.old
    del world.nodes[OLD]
    second = world.node(OLD)
    assert first is not second and first.consumer == second.consumer
    run_async(world.settle())
    assert_complete(world)
    assert isinstance(second, Node)
