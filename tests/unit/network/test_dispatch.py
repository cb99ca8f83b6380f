"""The flows register their handlers; the node finds them by message kind (issue 10).

No flow imports the node and the node imports no flow (import-linter contracts in
``pyproject.toml``); this checks the registry that replaces the imports is complete
and refuses a second handler for one kind.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import Connection

from jichi.network.flows import dispatch
from jichi.network.messages import Envelope

KINDS = [
    "move_in_notice",
    "move_out_confirmed",
    "move_out_data",
    "move_out_data_request",
    "remote_copy_data",
    "remote_copy_request",
    "visit_reservation",
]


def test_every_message_kind_has_its_flows_handler() -> None:
    from jichi.network.flows import card_move, move_in_notice, remote_copy, visit_reservation

    assert dispatch.kinds() == KINDS
    assert dispatch.handler_for("move_in_notice") is move_in_notice.on_move_in_notice
    assert dispatch.handler_for("move_out_data") is card_move.on_move_out_data
    assert dispatch.handler_for("remote_copy_data") is remote_copy.on_remote_copy_data
    assert dispatch.handler_for("visit_reservation") is visit_reservation.on_visit_reservation
    assert dispatch.handler_for("no_such_kind") is None
    assert [name for name, _job in dispatch.daily_jobs()] == ["residence_check"]


def test_a_second_handler_for_a_kind_is_refused() -> None:
    def other(node: dispatch.NodeContext, conn: Connection, env: Envelope) -> None:
        return None

    with pytest.raises(ValueError, match="move_in_notice"):
        dispatch.handles("move_in_notice")(other)
    assert dispatch.handler_for("move_in_notice") is not other


def test_importing_the_node_alone_registers_every_flow() -> None:
    """A fresh interpreter: the node's own import of ``dispatch`` brings the flows."""
    code = (
        "import jichi.network.node\n"
        "from jichi.network.flows import dispatch\n"
        "print(','.join(dispatch.kinds()))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().split(",") == KINDS
