"""The demo's counters in parallel: one counter process per group of municipalities.

With separate node processes (``--transport nats``) one driver process filing every
municipality's notifications one after the other was the demo's limit (ADR 0039): a
move is a few transactions at the origin and the destination, each waiting in turn for
SQLite's write lock, which the node processes hold while they receive a batch.  So the
moves are dealt to ``counters`` processes, each the counter of its own *origin*
municipalities (``lg_codes[i::n]``): it files their 転出, births and deaths, and at the
destination what the demo files there (the 転入 from the 転出証明書, the card move-in
request).  Every filing is still one ``Registry.apply`` (or the flows' own
transaction); two counters filing at one destination queue on its write lock.

A counter process is *spawned* (never forked: no connection crosses a process) with
plain values only; it reads its rosters and draws its 住民票コード blocks, says it is
ready, and waits for the word to start, so the filing is timed from the moment every
counter can file.  It hands back what it filed and refused, who moved (nobody moves
twice on the real clock) and who is abroad (to come back in a later round).
"""

from __future__ import annotations

import multiprocessing
import queue
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.context import SpawnProcess
from multiprocessing.synchronize import Event
from typing import Any

from jichi.network.demo_counters import Clock, Counters, Group
from jichi.network.node import Node
from jichi.network.transport import InProcessTransport
from jichi.security.crypto import FieldCipher
from jichi.security.keys import load_keys
from jichi.store.engine import make_engine

READY_TIMEOUT = 120.0  # seconds for a counter process to start, read and draw


@dataclass(frozen=True)
class CounterJob:
    """One counter process's share, as plain values a spawned process can receive."""

    index: int
    urls: dict[str, str]  # every node's database (it files at destinations too)
    center_url: str
    origins: list[str]
    kinds: list[str]
    seed: int
    render_pdf: bool
    moved: frozenset[str] = frozenset()  # resident codes that already moved today
    abroad: list[Group] = field(default_factory=list)


@dataclass
class CounterResult:
    index: int
    moves: Counter[str]
    rejected: Counter[str]
    moved: set[str]
    abroad: list[Group]
    cpu_seconds: float  # the filing alone (time.process_time), start-up not counted


def counter_process(job: CounterJob, go: Event, done: Any, results: Any) -> None:
    """A counter process: prepare, say ready, wait for ``go``, file, hand back."""
    engines = {lg: make_engine(url) for lg, url in job.urls.items()}
    center = make_engine(job.center_url)
    try:
        cipher = FieldCipher(load_keys(job.center_url))
        clock = Clock(None)  # the node processes' clock: the real one
        transport = InProcessTransport()  # never used: the node processes send and receive
        nodes = {
            lg: Node(engine, lg, transport, cipher=cipher, clock=clock)
            for lg, engine in engines.items()
        }
        counters = Counters(
            lg_codes=list(job.urls),
            origins=job.origins,
            nodes=nodes,
            center=center,
            clock=clock,
            rng=random.Random(f"{job.seed}:{job.index}"),
            render_pdf=job.render_pdf,
            track_arrivals=False,
            moved_today=set(job.moved),
            abroad=list(job.abroad),
        )
        counters.prepare()
        results.put(("ready", job.index, None))
        go.wait()
        began = time.process_time()

        def one_more() -> None:
            with done.get_lock():
                done.value += 1

        counters.file(job.kinds, one_more)
        cpu = time.process_time() - began
        result = CounterResult(
            job.index,
            counters.moves,
            counters.rejected,
            counters.moved_today,
            counters.abroad,
            cpu,
        )
        results.put(("done", job.index, result))
    except BaseException as error:  # the parent reports it; nothing is swallowed
        results.put(("error", job.index, f"{type(error).__name__}: {error}"))
        raise
    finally:
        for engine in engines.values():
            engine.dispose()
        center.dispose()


class CounterPool:
    """Counter processes started and ready to file; :meth:`file` runs them to the end."""

    def __init__(self, jobs: list[CounterJob]) -> None:
        context = multiprocessing.get_context("spawn")
        self.jobs = jobs
        self.go = context.Event()
        self.done = context.Value("i", 0)
        self.results: Any = context.Queue()
        self.processes: list[SpawnProcess] = [
            context.Process(
                target=counter_process,
                args=(job, self.go, self.done, self.results),
                name=f"jichi-demo-counter-{job.index}",
            )
            for job in jobs
        ]
        for process in self.processes:
            process.start()
        self._wait("ready", READY_TIMEOUT)

    def file(self, progress: Callable[[int], None]) -> list[CounterResult]:
        """Start every counter at once; their results when all have filed."""
        self.go.set()
        try:
            return self._wait("done", None, progress)
        finally:
            self.close()

    def close(self) -> None:
        for process in self.processes:
            process.join(10)
            if process.is_alive():
                process.kill()
                process.join()

    def _wait(
        self, what: str, timeout: float | None, progress: Callable[[int], None] | None = None
    ) -> list[CounterResult]:
        """Until every counter has said ``what``; a counter's error is raised here."""
        limit = None if timeout is None else time.monotonic() + timeout
        said: dict[int, Any] = {}
        while len(said) < len(self.jobs):
            try:  # the wait is for a message; a second at most, to see a dead process
                kind, index, value = self.results.get(timeout=1.0)
            except queue.Empty:
                if progress is not None:
                    progress(int(self.done.value))
                if any(p.exitcode not in (None, 0) for p in self.processes):
                    self.close()
                    raise RuntimeError("a demo counter process died") from None
                if limit is not None and time.monotonic() > limit:
                    self.close()
                    raise TimeoutError(f"the demo's counters were not {what} in time") from None
                continue
            if kind == "error":
                self.close()
                raise RuntimeError(f"demo counter {index}: {value}")
            if kind == what:
                said[index] = value
                if progress is not None:
                    progress(int(self.done.value))
        return [said[i] for i in sorted(said) if said[i] is not None]
