"""A clustered broker: three NATS servers, streams replicated three times, one killed midway.

The project's script (``scripts/nats-cluster``) starts three JetStream servers on loopback.
The network demo runs over them with separate processes (the center and one node per
municipality, each given all three URLs); in the middle of the move run the server that
leads the stream is killed with SIGKILL.  Nobody is lost or doubled (the reconciliation
agrees and every move is complete), and the killed server, restarted, rejoins and holds
the stream's messages again.
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import socket
import subprocess
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest

from jichi.network.demo import DemoOptions, NetworkDemo
from tests.conftest import services_required

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "nats-cluster"
pytestmark = [pytest.mark.nats, pytest.mark.slow]


def ports_free(base: int) -> bool:
    for port in [base + i for i in (0, 1, 2, 10, 11, 12, 20, 21, 22)]:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


@pytest.fixture
def cluster() -> Iterator[tuple[Path, int]]:
    if shutil.which("nats-server") is None and not Path("/usr/sbin/nats-server").exists():
        if services_required():
            pytest.fail("nats-server is needed for the cluster test")
        pytest.skip("no nats-server")
    base = next(b for b in iter(lambda: random.randrange(20000, 50000, 100), None) if ports_free(b))
    directory = Path(tempfile.mkdtemp(prefix="jichi-nats-cluster-"))
    subprocess.run([str(SCRIPT), "start", str(directory), str(base)], check=True)
    try:
        yield directory, base
    finally:
        subprocess.run([str(SCRIPT), "stop", str(directory)], check=False)
        shutil.rmtree(directory, ignore_errors=True)


def urls(directory: Path) -> str:
    out = subprocess.run([str(SCRIPT), "urls", str(directory)], check=True, capture_output=True)
    return out.stdout.decode().strip()


def stream_on(base: int, server: int, stream: str) -> dict[str, object]:
    """What one server's monitoring endpoint says of the stream (its own copy)."""
    url = f"http://127.0.0.1:{base + 19 + server}/jsz?streams=true"
    with urllib.request.urlopen(url, timeout=5) as answer:
        body = json.load(answer)
    for account in body.get("account_details", []):
        for detail in account.get("stream_detail", []):
            if detail["name"] == stream:
                return dict(detail)
    return {}


async def stream_state(servers: str, stream: str) -> tuple[str, int, dict[str, bool]]:
    """The stream's leader, its message count and whether each follower is current."""
    nc = await nats.connect(servers=servers.split(","))
    try:
        info = await nc.jetstream().stream_info(stream)
        assert info.config.num_replicas == 3
        assert info.cluster is not None and info.cluster.leader
        followers = {str(r.name): bool(r.current) for r in info.cluster.replicas or []}
        return str(info.cluster.leader), int(info.state.messages), followers
    finally:
        await nc.close()


def test_killing_the_stream_leader_midway_loses_and_doubles_nothing_and_it_rejoins(
    cluster: tuple[Path, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory, base = cluster
    servers = urls(directory)
    monkeypatch.setenv("JICHI_NATS_REPLICAS", "3")  # the node and center processes inherit it
    options = DemoOptions(
        municipalities=3,
        residents=15,
        moves=16,
        transport="nats",
        directory=tmp_path,
        nats_url=servers,
        seed=17,
    )
    demo = NetworkDemo(options)
    seen: dict[str, object] = {}

    async def main() -> None:
        demo.build()
        demo.start_processes()
        try:
            await demo.run_moves(6)
            assert await demo.wait_quiet(timeout=90)
            leader, _, _ = await stream_state(servers, demo.stream)
            number = int(leader.removeprefix("n"))
            subprocess.run([str(SCRIPT), "kill", str(directory), str(number)], check=True)
            await demo.run_moves(10)  # the other two elect a leader and carry on
            assert await demo.wait_quiet(timeout=120)
            subprocess.run([str(SCRIPT), "restart", str(directory), str(number)], check=True)
            for _ in range(120):  # the restarted server catches up from the others
                new_leader, total, followers = await stream_state(servers, demo.stream)
                state = stream_on(base, number, demo.stream).get("state")
                held = state.get("messages") if isinstance(state, dict) else None
                seen.update(leader=new_leader, total=total, held=held, followers=followers)
                if held == total and all(followers.values()) and len(followers) == 2:
                    break
                await asyncio.sleep(0.5)
            seen["killed"] = leader
        finally:
            codes = demo.stop_processes()
        assert all(code == 0 for code in codes.values()), codes

    try:
        asyncio.run(main())
        assert seen["leader"] != seen["killed"]  # the stream moved to another server
        assert seen["held"] == seen["total"], seen  # the restarted server holds every message
        assert len(seen["followers"]) == 2 and all(seen["followers"].values()), seen  # type: ignore[arg-type, union-attr]
        report = demo.reconcile()
        assert report.ok, report.findings
        assert sum(demo.moves.values()) >= 12 and not demo.rejected
        assert report.figures.moves_pending == 0
        assert report.figures.center_rows == report.figures.persons
    finally:
        demo.dispose()
