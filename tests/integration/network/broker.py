"""A private nats-server for the tests that stop and start the broker.

The machine's nats-server on 4222 is shared by every test (and, under pytest-xdist, by
every worker at once), so a test that kills the broker must kill its own: one
``nats-server -js`` on a free port with its JetStream store in the test's tmp dir.
Stopping it is a real crash of a real broker; starting it again on the same port and
store is a real restart (the streams and durable consumers come back from disk).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import missing_service
from tests.ports import free_port

NATS_SERVER = "/usr/sbin/nats-server"


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class PrivateBroker:
    """One nats-server with JetStream, owned by one test."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.store = directory / "jetstream"
        self.log = directory / "nats-server.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def _launch(self) -> None:
        args = [NATS_SERVER, "-a", "127.0.0.1", "-p", str(self.port), "-js"]
        args += ["-sd", str(self.store), "-l", str(self.log)]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    async def start(self) -> None:
        """Start (or restart) the server on the same port and store; wait until it listens."""
        if self.process is not None and self.process.poll() is None:
            return
        self._launch()
        for _ in range(200):
            if listening(self.port):
                return
            await asyncio.sleep(0.05)
        raise RuntimeError(f"nats-server did not start on {self.port}")

    async def stop(self) -> None:
        """Stop the server (SIGTERM, as start-stop-daemon did) and wait until it is gone."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        for _ in range(200):
            if self.process.poll() is not None and not listening(self.port):
                return
            await asyncio.sleep(0.05)
        self.process.kill()
        self.process.wait(timeout=10)

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def private_nats(tmp_path: Path) -> Iterator[PrivateBroker]:
    """A running nats-server of this test's own, killed afterwards."""
    if not os.access(NATS_SERVER, os.X_OK):
        missing_service(f"{NATS_SERVER} (needed to restart a broker)")
    broker = PrivateBroker(tmp_path)
    asyncio.run(broker.start())
    try:
        yield broker
    finally:
        broker.close()
