"""The rebuild of a city: person-id ranges checked by worker processes, one snapshot.

A rebuild is CPU-bound in Python (decoding the JSON, the fold, the search keys of the
expected row), so one process uses one core however fast the database streams.  The
people are cut into ranges of person id (:func:`id_ranges`; ids are UUIDs, so ranges of
their leading hex digits hold about as many people each) and each worker process takes
ranges from a queue until none is left.

On PostgreSQL the coordinator exports its transaction's snapshot
(``pg_export_snapshot()``) and every worker imports it into a REPEATABLE READ, READ ONLY
transaction, so all the ranges are read as of one moment — a clerk filing a 届出 while
the rebuild runs can never produce a false mismatch.  SQLite has no exported snapshots:
there each worker reads its ranges in one transaction of its own (the log only grows,
so a person changed meanwhile shows at worst as a mismatch to re-check).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import date
from multiprocessing import get_context

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlalchemy.pool import NullPool

from jichi.registry.rebuild import (
    BATCH,
    FULL_RANGE,
    IdRange,
    RebuildReport,
    check_range,
    count_people,
)
from jichi.store.engine import make_engine

PEOPLE_PER_RANGE = 20_000
"""About this many people are held in memory per range (a few tens of MB)."""
RANGES_PER_WORKER = 4
_HEX_SPACE = 16**6  # boundaries are six hex digits: fine enough for any city

_SNAPSHOT_ID = re.compile(r"[0-9A-F]+-[0-9A-F]+(-[0-9]+)?")
_worker_engine: Engine | None = None


def id_ranges(people: int, *, per_range: int = PEOPLE_PER_RANGE, workers: int = 1) -> list[IdRange]:
    """Ranges of person id of about ``per_range`` people each, covering every string.

    The first range is open below and the last open above, so an id that is not a
    UUID still falls into exactly one range.  With several ``workers`` there are at
    least :data:`RANGES_PER_WORKER` ranges a worker and a multiple of ``workers``, so
    no worker is left alone with the last range while the others wait (five ranges on
    two workers kept one core idle for a fifth of a 100,000-person rebuild).
    """
    count = max(1, math.ceil(people / per_range))
    if workers > 1 and people >= workers * RANGES_PER_WORKER:
        count = max(count, workers * RANGES_PER_WORKER)
        count = math.ceil(count / workers) * workers
    if count == 1:
        return [FULL_RANGE]
    bounds = [f"{i * _HEX_SPACE // count:06x}" for i in range(1, count)]
    edges: list[str | None] = [None, *bounds, None]
    return [(edges[i], edges[i + 1]) for i in range(count)]


def rebuild_in_workers(
    url: str,
    lg_code: str,
    today: date,
    *,
    workers: int,
    batch: int = BATCH,
    per_range: int = PEOPLE_PER_RANGE,
    people: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> RebuildReport:
    """:func:`jichi.registry.rebuild.rebuild` over ``workers`` processes (1: this one).

    ``people`` is :func:`count_people` if the caller already counted (for its progress
    bar); it only sizes the ranges.
    """
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            postgres = conn.dialect.name == "postgresql"
            if postgres:
                conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                _no_jit(conn)
            ranges = _ordered(
                conn,
                id_ranges(
                    count_people(conn, lg_code) if people is None else people,
                    per_range=per_range,
                    workers=workers,
                ),
            )
            if workers <= 1 or len(ranges) == 1:
                report = RebuildReport()
                for id_range in ranges:
                    check_range(conn, lg_code, today, id_range, report, batch=batch)
                    if progress is not None:
                        progress(report.checked)
                report.finish()
                return report
            snapshot = (
                conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
                if postgres
                else None
            )
            return _fan_out(url, lg_code, today, ranges, snapshot, workers, batch, progress)
    finally:
        engine.dispose()


def _ordered(conn: Connection, ranges: list[IdRange]) -> list[IdRange]:
    """The ranges as they partition ids under the database's own collation.

    Hex digits sort 0-9 before a-f in every collation jichi runs on, but the check is
    one cheap statement: if the database orders the bounds differently, the ranges
    are rebuilt from its order, so they still cover every id exactly once.
    """
    bounds = [high for _, high in ranges[:-1] if high is not None]
    if not bounds or conn.dialect.name != "postgresql":
        return ranges
    rows = conn.execute(
        sa.text("SELECT b FROM unnest(CAST(:bounds AS text[])) AS b ORDER BY b"),
        {"bounds": bounds},
    )
    ordered: list[str | None] = [None, *(row[0] for row in rows), None]
    return [(ordered[i], ordered[i + 1]) for i in range(len(ordered) - 1)]


def _fan_out(
    url: str,
    lg_code: str,
    today: date,
    ranges: Sequence[IdRange],
    snapshot: str | None,
    workers: int,
    batch: int,
    progress: Callable[[int], None] | None,
) -> RebuildReport:
    report = RebuildReport()
    # spawn, not fork: the caller may run threads (the progress bar) and holds a connection
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("spawn"),
        initializer=_start_worker,
        initargs=(url,),
    ) as pool:
        futures = [
            pool.submit(_check, lg_code, today, id_range, snapshot, batch) for id_range in ranges
        ]
        for future in as_completed(futures):
            report.add(future.result())
            if progress is not None:
                progress(report.checked)
    report.finish()
    return report


def _start_worker(url: str) -> None:
    global _worker_engine
    _worker_engine = make_engine(url, poolclass=NullPool)


def _check(
    lg_code: str, today: date, id_range: IdRange, snapshot: str | None, batch: int
) -> RebuildReport:
    """One range in a worker process, in the coordinator's snapshot when there is one."""
    assert _worker_engine is not None
    report = RebuildReport()
    with _worker_engine.connect() as conn:
        if snapshot is not None:
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            if not _SNAPSHOT_ID.fullmatch(snapshot):  # a utility statement takes no parameter
                raise ValueError("not a snapshot id")
            conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            _no_jit(conn)
        check_range(conn, lg_code, today, id_range, report, batch=batch)
    return report


def _no_jit(conn: Connection) -> None:
    """No JIT compilation for this transaction's range scans: PostgreSQL compiles each
    (about 16 ms a statement, two statements a range) for a plan that runs 100 ms."""
    conn.exec_driver_sql("SET LOCAL jit = off")
