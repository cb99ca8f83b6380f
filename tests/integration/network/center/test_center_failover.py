"""A replicated center: the primary dies under verification load, the replica takes over.

The project's own script (``scripts/pg-replica``) starts a PostgreSQL primary with a
*synchronous* streaming replica on loopback.  A real ``jichi center serve`` process answers
``/v1/verify`` from several clients with a multi-host URL
(``target_session_attrs=read-write``); midway the primary is killed (``pg_ctl stop -m
immediate``, a crash) and the replica promoted.  The center reconnects on its own; while no
primary exists it answers 503 CEN-012 (retry), never 500; and every verification it *did*
answer has its provision row on the new primary — the synchronous commit is the proof.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
import sqlalchemy as sa

from jichi.network.center.tables import center_provision
from jichi.store import migrate
from jichi.store.engine import make_engine
from tests.conftest import services_required
from tests.integration.network.center.conftest import (
    CODE,
    PENSION_PURPOSE,
    YOKOHAMA,
    Municipality,
    deliver,
    pension_office,
)
from tests.ports import free_port

SCRIPT = Path(__file__).resolve().parents[4] / "scripts" / "pg-replica"
pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def pg_binaries() -> bool:
    return any(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")) or bool(os.environ.get("PG_BIN"))


@pytest.fixture
def pair() -> Iterator[tuple[Path, int, int]]:
    if not pg_binaries():
        if services_required():
            pytest.fail("PostgreSQL server binaries (pg_ctl) are needed for the failover test")
        pytest.skip("no PostgreSQL server binaries")
    # Under /tmp, not pytest's tmp_path: the postgres user must reach it (pytest's is 0700).
    directory = Path(tempfile.mkdtemp(prefix="jichi-pgr-"))
    primary, replica = free_port(), free_port()
    subprocess.run([str(SCRIPT), "start", str(directory), str(primary), str(replica)], check=True)
    try:
        yield directory, primary, replica
    finally:
        subprocess.run([str(SCRIPT), "stop", str(directory)], check=False)
        shutil.rmtree(directory, ignore_errors=True)


def wait_for(port: int, server: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(server.communicate()[1].decode()[-3000:])
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"nothing listens on {port}")


async def load(
    port: int, token: str, stop: asyncio.Event, answered: list[tuple[float, int, str]]
) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        while not stop.is_set():
            response = await client.post(
                "/v1/verify",
                json={"purpose": PENSION_PURPOSE, "resident_code": CODE},
                headers={"Authorization": f"Bearer {token}"},
            )
            body = response.json()
            answered.append((time.monotonic(), response.status_code, body.get("request_id", "")))
            if response.status_code != 200:
                assert body["code"] == "CEN-012", body  # typed and retryable, never a 500
                await asyncio.sleep(0.1)


def test_the_primary_is_killed_under_load_and_every_answer_survives_on_the_replica(
    pair: tuple[Path, int, int],
) -> None:
    directory, primary, replica = pair
    url = (
        f"postgresql+psycopg://postgres@/postgres?host=127.0.0.1:{primary}"
        f"&host=127.0.0.1:{replica}&target_session_attrs=read-write"
    )
    engine = make_engine(url)
    migrate.upgrade(engine)
    deliver(engine, [Municipality(YOKOHAMA).update("move_in", "2025-04-01")])
    _, token = pension_office(engine)
    engine.dispose()

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jichi",
            "center",
            "serve",
            "--port",
            str(port),
            "--url",
            url,
            "--pool",
            "4",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "JICHI_LOG_FORMAT": "json"},
    )
    answered: list[tuple[float, int, str]] = []
    try:
        wait_for(port, server)

        async def main() -> float:
            stop = asyncio.Event()
            clients = [asyncio.create_task(load(port, token, stop, answered)) for _ in range(6)]
            try:
                while sum(1 for _, s, _ in answered if s == 200) < 60:
                    await asyncio.sleep(0.05)
                subprocess.run([str(SCRIPT), "kill-primary", str(directory)], check=True)
                await asyncio.sleep(1.0)  # the center meets a dead primary meanwhile
                subprocess.run([str(SCRIPT), "promote", str(directory)], check=True)
                promoted = time.monotonic()
                deadline = promoted + 90
                while time.monotonic() < deadline:
                    after = [a for a in answered if a[0] > promoted and a[1] == 200]
                    if len(after) >= 60:
                        break
                    await asyncio.sleep(0.1)
                return promoted
            finally:
                stop.set()
                await asyncio.gather(*clients)

        promoted = asyncio.run(main())
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)

    statuses = {s for _, s, _ in answered}
    assert statuses <= {200, 503}, statuses
    assert b"Traceback" not in errors, errors.decode()[errors.find(b"Traceback") - 300 :][:3000]
    lines = errors.decode().splitlines()[1:]  # after the banner, JSON lines only
    assert all(line.startswith("{") and json.loads(line) for line in lines), lines[:5]
    assert 503 in statuses  # the clients did meet the center without a primary
    ok = [rid for _, s, rid in answered if s == 200]
    after = [rid for at, s, rid in answered if s == 200 and at > promoted]
    assert len(after) >= 60, f"the center did not come back: {len(after)} answers after promotion"

    new_primary = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{replica}/postgres")
    try:
        with new_primary.connect() as conn:
            assert conn.exec_driver_sql("SELECT pg_is_in_recovery()").scalar() is False
            logged = set(conn.execute(sa.select(center_provision.c.request_id)).scalars())
    finally:
        new_primary.dispose()
    missing = [rid for rid in ok if rid not in logged]
    assert not missing, f"{len(missing)} answered verifications have no provision row"
