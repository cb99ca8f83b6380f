"""``jichi network demo``: a center and three municipalities at work, then the 突合.

In one process over the in-process transport, and as separate processes (the center's
``jichi center receive`` and one ``jichi network node`` per municipality) over the real
NATS JetStream server.  And the counter does not stop when the center or the transport
does: notifications and certificates go on, the messages queue, and once the link is
back they go out and the reconciliation agrees.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from jichi.cli.main import app
from jichi.network.demo import DemoOptions, NetworkDemo, run
from jichi.network.reconcile import PendingKind
from jichi.network.transport import InProcessTransport
from jichi.registry.certificates import (
    CertificateKind,
    CertificateRequest,
    issue,
    municipality_settings,
)
from jichi.registry.protection import Protection
from jichi.registry.restrictions import Requester, RequesterType
from jichi.registry.tables import resident


def issue_a_copy(demo: NetworkDemo, lg: str) -> bytes:
    """住民票の写し at the counter: the node's own data, no network needed."""
    node = demo.nodes[lg]
    with demo.engines[lg].connect() as conn:
        person_id = conn.execute(
            sa.select(resident.c.person_id)
            .where(resident.c.status == "active")
            .order_by(resident.c.person_id)
            .limit(1)
        ).scalar_one()
    record = node.registry.read_record(person_id, demo.clerk(lg))
    myself = Requester(  # 本人, confirmed against the record (issue 9)
        RequesterType.SELF,
        record.name.text(),
        record.date_of_birth,
        sex=record.sex,
        address=record.address.text(),
        id_document="my_number_card",
    )
    certificate = issue(
        node.registry,
        Protection(node.registry),
        CertificateRequest(
            kind=CertificateKind.RECORD_COPY_PERSONAL,
            person_ids=(person_id,),
            requester=myself,
            request_id=str(uuid.uuid4()),
        ),
        demo.clerk(lg),
        municipality_settings(lg, "自治　太郎"),
    )
    return certificate.pdf


def test_the_in_process_demo_exits_0_and_the_check_agrees(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["network", "demo", "--municipalities", "3", "--residents", "30", "--moves", "30"]
    result = runner.invoke(app, [*args, "--dir", str(tmp_path), "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "一致 / the network agrees" in result.output
    assert "異動/秒" in result.output
    again = runner.invoke(app, ["network", "check", "--manifest", str(tmp_path / "manifest.json")])
    assert again.exit_code == 0, again.output


def test_with_the_transport_down_the_counters_go_on_and_catch_up_afterwards(
    tmp_path: Path,
) -> None:
    options = DemoOptions(municipalities=3, residents=15, moves=12, directory=tmp_path, seed=5)
    demo = NetworkDemo(options)
    transport = demo.transport
    assert isinstance(transport, InProcessTransport)

    async def main() -> None:
        demo.build()
        await demo.settle()
        transport.available = False  # the broker (or the link to it) is gone
        await demo.run_moves(settle=True)  # the loops keep trying; nothing goes out
        assert issue_a_copy(demo, demo.lg_codes[0]).startswith(b"%PDF")
        assert demo.unsent() > 0
        during = demo.reconcile()
        # Queued changes are in flight, not mismatches; card move-ins wait with NOD-009.
        assert during.ok, during.findings
        kinds = {p.kind for p in during.pending}
        assert PendingKind.IN_FLIGHT in kinds
        if demo.moves["card"]:
            assert PendingKind.CARD_MOVE_IN in kinds
        transport.available = True
        await demo.settle()

    try:
        asyncio.run(main())
        assert sum(demo.moves.values()) >= 10 and not demo.rejected
        assert demo.unsent() == 0
        after = demo.reconcile()
        assert after.ok, after.findings
        assert not [p for p in after.pending if p.kind is PendingKind.IN_FLIGHT]
        assert after.figures.moves_pending == 0
    finally:
        demo.dispose()


@pytest.mark.nats
def test_the_demo_over_nats_with_separate_processes_reconciles(
    nats_url: str, tmp_path: Path
) -> None:
    options = DemoOptions(
        municipalities=3,
        residents=20,
        moves=15,
        transport="nats",
        directory=tmp_path,
        nats_url=nats_url,
        seed=11,
    )
    result = asyncio.run(run(options))
    assert result.report.ok, result.report.findings
    assert sum(result.moves.values()) >= 12
    assert result.applied_center > 0 and result.applied_nodes > 0
    logs = {p.stem: p.read_text() for p in (tmp_path / "logs").glob("*.log")}
    assert set(logs) == {"center", *result.report.figures.nodes}
    for lg in result.report.figures.nodes:
        assert f"node {lg}: running" in logs[lg] and f"node {lg}: stopped" in logs[lg]


@pytest.mark.nats
def test_with_the_center_process_stopped_nodes_go_on_and_the_center_catches_up(
    nats_url: str, tmp_path: Path
) -> None:
    options = DemoOptions(
        municipalities=3,
        residents=15,
        moves=10,
        transport="nats",
        directory=tmp_path,
        nats_url=nats_url,
        seed=13,
    )
    demo = NetworkDemo(options)

    async def main() -> None:
        demo.build()
        demo.start_processes()
        try:
            await demo.run_moves(4)
            assert await demo.wait_quiet(timeout=60)  # every process up and caught up
            assert demo.stop_process("center") == 0  # stopped by SIGTERM, cleanly
            await demo.run_moves(6)
            assert issue_a_copy(demo, demo.lg_codes[1]).startswith(b"%PDF")
            for _ in range(100):  # the nodes still send: the stream keeps the updates
                if demo.unsent() == 0:
                    break
                await asyncio.sleep(0.2)
            assert demo.unsent() == 0
            assert not await demo.wait_quiet(timeout=2)  # the center's consumer is behind
            demo.start_center()
            assert await demo.wait_quiet(timeout=60)
        finally:
            codes = demo.stop_processes()
            await demo.delete_stream()
        assert all(code == 0 for code in codes.values()), codes

    try:
        asyncio.run(main())
        report = demo.reconcile()
        assert report.ok, report.findings
        # every person has a code from the center, and the center has them all
        assert report.figures.center_checked == report.figures.center_rows
        assert report.figures.center_rows == report.figures.persons
    finally:
        demo.dispose()
