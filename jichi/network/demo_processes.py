"""The demo's separate processes over NATS: start, stop, and wait until all is quiet.

Split from :mod:`jichi.network.demo` (one job each): :class:`NetworkDemo` mixes this in.
The center (``jichi center receive``) and every node (``jichi network node``) run as
their own processes on the demo's own stream; the driver only files at the counters,
then waits for quiescence (every outbox sent, every consumer drained) and stops them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from jichi.kernel.errors import JichiError
from jichi.network.center.receiver import CONSUMER as CENTER_CONSUMER
from jichi.network.transport import NatsTransport, Transport, nats_servers, nats_url

if TYPE_CHECKING:
    from jichi.network.demo import DemoOptions, Progress


class DemoProcesses:
    """The process side of :class:`jichi.network.demo.NetworkDemo` (which sets these)."""

    options: DemoOptions
    progress: Progress
    directory: Path
    lg_codes: list[str]
    urls: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]]
    stream: str
    root: str
    transport: Transport

    def unsent(self) -> int:
        raise NotImplementedError

    def _command(self, group: str, *args: str) -> list[str]:
        """``jichi <group> …`` run as ``python -m jichi.cli.<group>``: the same command
        without importing every other context's CLI (about 1 s of CPU per process here,
        11 processes on 2 cores)."""
        return [sys.executable, "-m", f"jichi.cli.{group}", *args]

    def _nats_args(self) -> list[str]:
        url = nats_url(self.options.nats_url)
        return ["--nats", url, "--stream", self.stream, "--root", self.root]

    def start_center(self) -> None:
        args = ["center", "receive", "--url", self.urls["center"], *self._nats_args()]
        self._spawn("center", args)

    def start_node(self, lg_code: str) -> None:
        args = ["network", "node", "--lg-code", lg_code, "--database", self.urls[lg_code]]
        self._spawn(lg_code, [*args, "--transport", "nats", *self._nats_args()])

    def start_processes(self) -> None:
        self.start_center()
        for lg in self.lg_codes:
            self.start_node(lg)

    def _spawn(self, name: str, args: list[str]) -> None:
        logs = self.directory / "logs"
        logs.mkdir(exist_ok=True)
        with open(logs / f"{name}.log", "ab") as log:
            self.processes[name] = subprocess.Popen(
                self._command(*args), stdout=log, stderr=subprocess.STDOUT, env=os.environ.copy()
            )

    def stop_process(
        self, name: str, timeout: float = 15.0, *, signalled: bool = False
    ) -> int | None:
        """Stop one process: SIGTERM (unless ``signalled`` already), then wait for it.

        One SIGTERM only: a node that is already shutting down has given its handler
        back, and a second signal would kill it half-way (exit -15 instead of 0)."""
        process = self.processes.pop(name, None)
        if process is None:
            return None
        if process.poll() is None:
            if not signalled:
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return process.returncode

    def stop_processes(self) -> dict[str, int | None]:
        """Every process told to stop at once, then each waited for (they stop in parallel)."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        return {name: self.stop_process(name, signalled=True) for name in list(self.processes)}

    async def wait_quiet(self, timeout: float | None = None) -> bool:
        """Until every outbox is sent and every consumer has nothing pending, twice in a row."""
        import nats as nats_client
        import nats.errors
        import nats.js.errors

        limit = time.monotonic() + (timeout or self.options.quiet_timeout)
        nc = await nats_client.connect(servers=nats_servers(self.options.nats_url))
        js = nc.jetstream()
        consumers = [CENTER_CONSUMER, *(f"node-{lg}" for lg in self.lg_codes)]
        quiet = 0
        try:
            while time.monotonic() < limit:
                busy = 0
                for name in consumers:  # consumers first, then outboxes (see below)
                    try:
                        info = await js.consumer_info(self.stream, name)
                        busy += int(info.num_pending or 0) + int(info.num_ack_pending or 0)
                    except nats.js.errors.NotFoundError:
                        busy += 1  # its process has not subscribed yet
                    except nats.errors.TimeoutError:
                        busy += 1  # a cluster electing a new leader answers nothing yet
                # A handler commits its reply to the outbox before its ack: reading the
                # outboxes after the consumers never misses that reply.
                busy += self.unsent()
                quiet = quiet + 1 if busy == 0 else 0
                self.progress("quiet", 1 if quiet else 0, 1)
                if quiet >= 2:
                    return True
                await asyncio.sleep(0.25)
            return False
        finally:
            await nc.close()

    async def delete_stream(self) -> None:
        if isinstance(self.transport, NatsTransport):
            with contextlib.suppress(JichiError):
                await self.transport.delete_stream()
            await self.transport.close()
