"""A node's registry hears the same in-process listeners as the counter's (ADR 0011).

``Node(listeners=…)`` is how ``jichi network node`` wires the My Number listeners (card
end, certificate revocation) without the network importing My Number: a 転出確定 that
arrives over the network must reach them in the transaction that records it.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from jichi.network.node import Node
from jichi.registry.events import NotificationKind
from tests.integration.network.conftest import run_async
from tests.integration.network.flows.conftest import (
    CIPHER,
    FAMILY,
    OLD,
    World,
    move_out,
    paper_move_in,
)


def _old_node_hearing(world: World, heard: list[Any]) -> Node:
    def listen(conn: sa.Connection, event: Any) -> None:
        heard.append(event)

    node = Node(
        world.engines[OLD],
        OLD,
        world.transport,
        cipher=CIPHER,
        settings=world.settings,
        clock=world.clock,
        listeners=[listen],
    )
    world.nodes[OLD] = node
    return node


def test_a_move_out_confirmed_over_the_network_reaches_the_nodes_listeners(world: World) -> None:
    heard: list[Any] = []
    _old_node_hearing(world, heard)
    world.settle_the_family_in_old()
    move_out(world)
    assert {e.reason for e in heard} >= {NotificationKind.MOVE_OUT}  # filed at the counter
    heard.clear()
    world.clock.advance(7)
    paper_move_in(world)  # 川越 records the 転入; its 転入通知 travels to 千代田
    run_async(world.settle())
    confirmed = [e for e in heard if e.reason == NotificationKind.MOVE_OUT_CONFIRMED]
    assert len(confirmed) == len(FAMILY)


def test_a_failing_listener_rolls_back_what_arrived(world: World) -> None:
    world.settle_the_family_in_old()
    move_out(world)
    world.clock.advance(7)

    def refuse(conn: sa.Connection, event: Any) -> None:
        if event.reason == NotificationKind.MOVE_OUT_CONFIRMED:
            raise RuntimeError("a listener fails")

    world.nodes[OLD] = Node(
        world.engines[OLD],
        OLD,
        world.transport,
        cipher=CIPHER,
        settings=world.settings,
        clock=world.clock,
        listeners=[refuse],
    )
    paper_move_in(world)
    with pytest.raises(RuntimeError):
        run_async(world.settle())
    assert not any(r.move_out_confirmed for r in world.records(OLD))
