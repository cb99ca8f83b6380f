"""``jichi network demo``: a small 住基ネット — a center and N municipality nodes — at work.

:class:`NetworkDemo` builds the world (municipalities picked from the official list, a
center database and one database per node, each migrated; demo residents per node
with 住民票コード from the center's allocation), then acts as every municipality's
counter (:mod:`jichi.network.demo_counters`): M moves between random nodes, filed with
``Registry.apply`` at each node's database exactly as a clerk's would be — paper and
card moves, moves abroad and back, births and deaths.

Two ways to run the network underneath:

* ``inproc``: one process, an :class:`InProcessTransport`; after each move the driver
  lets every node send and receive and the center drain, in turns;
* ``nats``: the center (``jichi center receive``) and every node (``jichi network
  node``) run as separate processes on the NATS server at ``JICHI_NATS_URL``, on a
  stream of their own; the counters file in parallel processes, one per group of
  municipalities (:mod:`jichi.network.demo_parallel`); then the driver waits for
  quiescence (every outbox sent, every consumer drained) and stops them.

Either way it ends with :mod:`jichi.network.reconcile`.  The simulated counters' clock
starts some days back and moves on a day at a time, so moves have distinct dates
(in process; with separate processes it is the real clock, and nobody moves twice).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import random
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Literal

import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.kernel.clock import today as clock_today
from jichi.kernel.errors import JichiError
from jichi.network.center.receiver import CenterReceiver
from jichi.network.demo_counters import Clock, Counters, kinds_of, unrendered_pdf
from jichi.network.demo_parallel import CounterJob, CounterPool
from jichi.network.demo_processes import DemoProcesses
from jichi.network.demo_setup import FilingJob, file_all
from jichi.network.node import Node
from jichi.network.reconcile import Report, load_center, load_node, reconcile
from jichi.network.tables import inbox
from jichi.network.transport import (
    InProcessTransport,
    NatsTransport,
    Transport,
)
from jichi.places.catalog import default_catalog
from jichi.places.model import Kind
from jichi.registry.demo import towns_of
from jichi.registry.model import ResidentRecord
from jichi.registry.service import JST
from jichi.registry.tables import outbox
from jichi.security.actor import Actor
from jichi.security.crypto import FieldCipher
from jichi.security.keys import load_keys
from jichi.store import migrate
from jichi.store.engine import make_engine

__all__ = ["Clock", "DemoOptions", "DemoResult", "NetworkDemo", "run", "unrendered_pdf"]

TransportName = Literal["inproc", "nats"]
MANIFEST = "manifest.json"


@dataclass
class DemoOptions:
    municipalities: int = 3
    residents: int = 30
    moves: int = 30
    transport: TransportName = "inproc"
    directory: Path | None = None
    database_url_template: str | None = None  # "postgresql+psycopg://…/demo_{name}"
    seed: int = 0
    nats_url: str | None = None
    quiet_timeout: float = 60.0
    render_pdf: bool = False  # True: WeasyPrint renders each 転出証明書 (≈0.3 s apiece)
    counters: int | None = None  # nats: counter processes (None: one per CPU, at most M)


@dataclass
class DemoResult:
    report: Report
    moves: Counter[str]
    rejected: Counter[str]
    seconds_moving: float
    seconds_quiet: float
    messages: int
    applied_center: int
    applied_nodes: int
    directory: Path
    manifest: Path
    seconds_setup: float = 0.0  # databases, demo residents, counters (not in moves per second)
    counter_cpu: list[float] = field(default_factory=list)  # each counter process's filing

    @property
    def moves_per_second(self) -> float:
        done = sum(self.moves.values())
        seconds = self.seconds_moving + self.seconds_quiet
        return done / seconds if seconds > 0 else 0.0


Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: the CLI draws its bars from it."""


def _silent(stage: str, done: int, total: int) -> None:
    return None


@dataclass
class NetworkDemo(DemoProcesses):
    options: DemoOptions
    progress: Progress = _silent
    lg_codes: list[str] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)  # "center" or lg_code → URL
    engines: dict[str, Engine] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    moves: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        o = self.options
        self.rng = random.Random(o.seed)
        self.directory = o.directory or Path(tempfile.mkdtemp(prefix="jichi-network-"))
        self.directory.mkdir(parents=True, exist_ok=True)
        span = min(o.moves, 365) + 1
        today = clock_today()
        start = datetime.combine(today - timedelta(days=span), datetime.min.time(), JST)
        simulated = (start + timedelta(hours=10)).astimezone(UTC)
        self.clock = Clock(simulated if o.transport == "inproc" else None)
        self.per_day = max(1, math.ceil(o.moves / 365))
        tag = uuid.uuid4().hex[:8]
        self.stream = f"JICHIDEMO{tag.upper()}"
        self.root = f"jdemo{tag}"
        self.transport: Transport = (
            InProcessTransport()
            if o.transport == "inproc"
            else NatsTransport(o.nats_url, stream=self.stream, root=self.root)
        )
        self.receiver: CenterReceiver | None = None
        self.cipher: FieldCipher | None = None
        self._counters: Counters | None = None
        self.counter_cpu: list[float] = []  # CPU seconds of each counter process's filing

    # -- the world --------------------------------------------------------------------------

    def pick_municipalities(self) -> list[str]:
        catalog = default_catalog()
        candidates = [
            lg for lg in catalog.list(kind="municipality") if lg.kind is not Kind.DESIGNATED_CITY
        ]
        picked: list[str] = []
        for lg in self.rng.sample(candidates, len(candidates)):
            if len(picked) == self.options.municipalities:
                break
            if towns_of(lg.code):
                picked.append(lg.code)
        self.lg_codes = picked
        return picked

    def url(self, name: str) -> str:
        template = self.options.database_url_template
        if template:
            return template.format(name=name)
        return f"sqlite:///{self.directory / f'{name}.db'}"

    def build(self) -> None:
        """Pick, create and migrate the databases; fill each node with demo residents."""
        if not self.lg_codes:
            self.pick_municipalities()
        names = ["center", *self.lg_codes]
        for done, name in enumerate(names, start=1):
            self.urls[name] = self.url(name)
            engine = make_engine(self.urls[name])
            migrate.upgrade(engine)
            self.engines[name] = engine
            self.progress("migrate", done, len(names))
        self.cipher = FieldCipher(load_keys(self.urls["center"]))
        for lg_code in self.lg_codes:
            self.nodes[lg_code] = Node(
                self.engines[lg_code],
                lg_code,
                self.transport,
                cipher=self.cipher,
                clock=self.clock,
            )
        self.receiver = CenterReceiver(self.engines["center"])
        jobs = [
            FilingJob(
                lg_code=lg_code,
                url=self.urls[lg_code],
                center_url=self.urls["center"],
                residents=self.options.residents,
                seed=self.options.seed,
                start=self.clock.now,
            )
            for lg_code in self.lg_codes
        ]
        total = len(jobs)
        file_all(jobs, lambda done: self.progress("residents", done, total))
        self.write_manifest()

    def write_manifest(self) -> Path:
        path = self.directory / MANIFEST
        data = {
            "center": self.urls["center"],
            "nodes": {lg: self.urls[lg] for lg in self.lg_codes},
            "transport": self.options.transport,
            "stream": self.stream if self.options.transport == "nats" else None,
            "root": self.root if self.options.transport == "nats" else None,
        }
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        return path

    # -- the counters -----------------------------------------------------------------------

    @property
    def counters(self) -> Counters:
        """Every municipality's counter in this process (in-process runs, tests)."""
        if self._counters is None:
            self._counters = Counters(
                lg_codes=self.lg_codes,
                origins=self.lg_codes,
                nodes=self.nodes,
                center=self.engines["center"],
                clock=self.clock,
                rng=self.rng,
                render_pdf=self.options.render_pdf,
                per_day=self.per_day,
                moves=self.moves,
                rejected=self.rejected,
            )
        return self._counters

    def clerk(self, lg_code: str) -> Actor:
        return self.counters.clerk(lg_code)

    def today(self) -> date:
        return self.clock.today()

    def new_day(self, index: int) -> None:
        self.counters.new_day(index)

    def movers(self, lg_code: str) -> tuple[list[ResidentRecord], bool] | None:
        return self.counters.movers(lg_code)

    def paper_move(self, old: str, new: str, records: list[ResidentRecord], whole: bool) -> str:
        return self.counters.paper_move(old, new, records, whole)

    def birth(self, lg: str) -> str:
        return self.counters.birth(lg)

    def death(self, lg: str) -> str:
        return self.counters.death(lg)

    def counter_processes(self) -> int:
        """How many counter processes file the moves (1: this process does)."""
        o = self.options
        if o.transport != "nats":
            return 1
        wanted = o.counters if o.counters is not None else os.cpu_count() or 1
        return max(1, min(wanted, len(self.lg_codes)))

    def start_counters(self, count: int | None = None) -> CounterPool | None:
        """The counter processes for the next ``count`` moves, started and ready
        (None: this process files them)."""
        n = self.counter_processes()
        if n == 1:
            return None
        total = self.options.moves if count is None else count
        kinds = kinds_of(self.rng, total)
        mine = self.counters  # what earlier rounds left: who moved, who is abroad
        jobs = [
            CounterJob(
                index=i,
                urls={lg: self.urls[lg] for lg in self.lg_codes},
                center_url=self.urls["center"],
                origins=self.lg_codes[i::n],
                kinds=kinds[i::n],
                seed=self.options.seed,
                render_pdf=self.options.render_pdf,
                moved=frozenset(mine.moved_today),
                abroad=mine.abroad[i::n],
            )
            for i in range(n)
        ]
        return CounterPool(jobs)

    async def run_moves(
        self,
        count: int | None = None,
        *,
        settle: bool | None = None,
        pool: CounterPool | None = None,
    ) -> None:
        """File ``count`` moves (all by default); in-process, let the network turn after each.

        With separate processes the counter processes file them (``pool``, or started
        here); with one counter process, or in process, this process does.
        """
        total = self.options.moves if count is None else count
        turn = self.options.transport == "inproc" if settle is None else settle
        pool = pool or (None if turn else self.start_counters(total))
        if pool is not None:
            self._file_in_parallel(pool, total)
            return
        counters = self.counters
        for index, kind in enumerate(kinds_of(self.rng, total)):
            counters.file_one(kind)
            if turn:
                await self.settle()
            self.progress("moves", index + 1, total)

    def _file_in_parallel(self, pool: CounterPool, total: int) -> None:
        results = pool.file(lambda done: self.progress("moves", done, total))
        mine = self.counters
        mine.abroad = []
        for result in results:
            self.moves.update(result.moves)
            self.rejected.update(result.rejected)
            mine.moved_today |= result.moved
            mine.abroad += result.abroad
            self.counter_cpu.append(result.cpu_seconds)
        for roster in mine.rosters.values():
            roster.stale()  # the counter processes changed every node
        self.progress("moves", total, total)

    # -- the network underneath -----------------------------------------------------------

    async def settle(self, rounds: int = 50) -> int:
        """In one process: every node sends and receives, the center drains, until quiet."""
        assert self.receiver is not None
        total = 0
        for _ in range(rounds):
            moved = 0
            for node in self.nodes.values():
                moved += await node.send()
            with contextlib.suppress(JichiError):  # down: the center catches up later
                moved += await self.receiver.drain(self.transport)
            for node in self.nodes.values():
                with contextlib.suppress(JichiError):
                    moved += await node.receive_all()
            total += moved
            if not moved:
                break
        return total

    def unsent(self) -> int:
        total = 0
        for lg in self.lg_codes:
            with self.engines[lg].connect() as conn:
                query = sa.select(sa.func.count()).select_from(outbox)
                total += conn.execute(query.where(outbox.c.sent_at.is_(None))).scalar_one()
        return int(total)

    # -- the end -------------------------------------------------------------------------

    def reconcile(self) -> Report:
        nodes = [load_node(self.engines[lg], lg) for lg in self.lg_codes]
        center = load_center(self.engines["center"])
        today = max(self.today(), clock_today())
        return reconcile(nodes, center, today=today)

    def applied(self, name: str) -> int:
        with self.engines[name].connect() as conn:
            query = sa.select(sa.func.count()).select_from(inbox)
            return int(conn.execute(query.where(inbox.c.applied_at.is_not(None))).scalar_one())

    def messages(self) -> int:
        total = 0
        for lg in self.lg_codes:
            with self.engines[lg].connect() as conn:
                total += conn.execute(sa.select(sa.func.count()).select_from(outbox)).scalar_one()
        return int(total)

    def result(self, report: Report, moving: float, quiet: float) -> DemoResult:
        return DemoResult(
            report=report,
            moves=self.moves,
            rejected=self.rejected,
            seconds_moving=moving,
            seconds_quiet=quiet,
            messages=self.messages(),
            applied_center=self.applied("center"),
            applied_nodes=sum(self.applied(lg) for lg in self.lg_codes),
            directory=self.directory,
            manifest=self.directory / MANIFEST,
            counter_cpu=list(self.counter_cpu),
        )

    def dispose(self) -> None:
        for engine in self.engines.values():
            engine.dispose()


async def run(options: DemoOptions, progress: Progress = _silent) -> DemoResult:
    """The whole demo: build, move, (processes and quiescence), reconcile."""
    demo = NetworkDemo(options, progress)
    try:
        began = time.perf_counter()
        demo.build()
        setup = time.perf_counter() - began
        if options.transport == "inproc":
            await demo.settle()
            started = time.perf_counter()
            await demo.run_moves()
            await demo.settle()
            moving, quiet = time.perf_counter() - started, 0.0
        else:
            demo.start_processes()
            try:
                pool = demo.start_counters()  # set-up too: started, rosters read, ready
                started = time.perf_counter()
                setup = started - began
                await demo.run_moves(pool=pool)
                moving = time.perf_counter() - started
                if not await demo.wait_quiet():
                    raise TimeoutError(
                        f"the network did not become quiet in {options.quiet_timeout:.0f}s"
                    )
                quiet = time.perf_counter() - started - moving
            finally:
                demo.stop_processes()
                await demo.delete_stream()
        result = demo.result(demo.reconcile(), moving, quiet)
        result.seconds_setup = setup
        return result
    finally:
        demo.dispose()
