"""The demo's residents, filed at every node at once: one worker process per node.

Filing the demo residents (:func:`jichi.registry.demo.populate`, every notification
through ``Registry.apply`` exactly as a clerk's) is the demo's set-up, and at
5 × 2,000 residents it took longer than the moves themselves, one node after the other
in one process.  The nodes' databases are independent, so each node is filed by its
own worker process (at most one per CPU), each with its own engines and its own
住民票コード blocks drawn from the center (``allocate_codes``: the center's write
transaction serialises the draws, so no code is handed out twice).

Nothing is shared with the parent but plain values (URLs, the clock's start), and the
workers are *spawned*, never forked, so no database connection crosses a process.
"""

from __future__ import annotations

import multiprocessing
import os
import random
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime

from jichi.kernel.clock import now as clock_now
from jichi.network.center.codes import allocate_codes
from jichi.registry.demo import populate
from jichi.registry.service import Registry
from jichi.security.actor import Actor
from jichi.security.crypto import FieldCipher
from jichi.security.keys import load_keys
from jichi.store.engine import make_engine, write_transaction

CODE_BLOCK = 200
PARALLEL_FROM = 1000
"""Residents in all below which one process files them all: a spawned worker costs about
a second of CPU to start (it imports jichi), more than it saves on a small demo."""


@dataclass(frozen=True)
class FilingJob:
    """One node's set-up, as plain values a spawned process can receive."""

    lg_code: str
    url: str
    center_url: str
    residents: int
    seed: int
    start: datetime | None  # the counters' clock at set-up; None: the real clock


class CodeSupply:
    """住民票コード for one municipality, a block at a time from the center."""

    def __init__(self, center_url: str, lg_code: str, seed: int) -> None:
        self.engine = make_engine(center_url)
        self.lg_code = lg_code
        self.rng = random.Random(seed)
        self.block: list[str] = []

    def __call__(self) -> str:
        if not self.block:
            with write_transaction(self.engine) as conn:
                drawn = allocate_codes(conn, self.lg_code, CODE_BLOCK, allocated_by="demo")
            self.block.extend(drawn.codes)
            self.rng.shuffle(self.block)
        return self.block.pop()


def file_residents(job: FilingJob) -> str:
    """Fill one node with its demo residents (run in a worker process)."""
    engine = make_engine(job.url)
    codes = CodeSupply(job.center_url, job.lg_code, job.seed)
    start = job.start

    def clock() -> datetime:
        return start or clock_now()

    try:
        registry = Registry(
            engine, job.lg_code, FieldCipher(load_keys(job.center_url)), clock=clock
        )
        populate(
            registry,
            Actor("demo", job.lg_code, "admin"),
            job.residents,
            job.seed,
            resident_codes=codes,
        )
    finally:
        engine.dispose()
        codes.engine.dispose()
    return job.lg_code


def file_all(
    jobs: list[FilingJob],
    progress: Callable[[int], None],
    *,
    workers: int | None = None,
) -> None:
    """Every job, in parallel worker processes; ``progress(done)`` as each finishes."""
    count = max(1, min(len(jobs), workers or os.cpu_count() or 1))
    if count == 1 or sum(job.residents for job in jobs) < PARALLEL_FROM:
        for done, job in enumerate(jobs, start=1):
            file_residents(job)
            progress(done)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
        futures = [pool.submit(file_residents, job) for job in jobs]
        for done, future in enumerate(as_completed(futures), start=1):
            future.result()  # a worker's failure is the demo's failure
            progress(done)
