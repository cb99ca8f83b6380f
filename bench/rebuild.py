"""``python -m bench rebuild``: replay the event log of an imported registry and compare.

The registry is filled by jichi's own import (as ``search`` does; ``--database`` reuses
one already imported).  Timed, in one run:

- **baseline** — the floor under any rebuild in Python: one pass over the very rows a
  rebuild reads (the same ``registry_event`` and ``resident`` columns, JSON as text,
  through the same psycopg server-side cursor and fetch size), decoding nothing;
- **one process** — ``jichi.registry.rebuild_workers.rebuild_in_workers(workers=1)``:
  every person replayed and compared, range after range, in this process;
- **workers** — the same over ``--workers`` processes (default: the CPUs).

The 3,770,000-resident (横浜市) figure is extrapolated from the workers' rate (the
rebuild is one linear pass over ranges of equal size) unless ``--residents`` is that
large, and says so.
"""

from __future__ import annotations

import os
from typing import Any

from bench import search
from bench.bulk_import import Imported
from bench.common import LG, Options, Postgres, Row, Stopwatch, console, met, ratio
from jichi.kernel.clock import today
from jichi.registry import rebuild, rebuild_workers
from jichi.store.engine import make_engine

YOKOHAMA = 3_770_000
TARGET_SECONDS = 300.0


def read_floor(url: str) -> tuple[float, int, int]:
    """Stream the rows a rebuild reads, and nothing else; (seconds, events, live rows)."""
    engine = make_engine(url)
    watch = Stopwatch()
    events = live = 0
    try:
        with engine.connect() as conn:
            for _ in rebuild._stream(
                conn, rebuild._events_query(LG, rebuild.FULL_RANGE), rebuild.BATCH
            ):
                events += 1
            for _ in rebuild._stream(
                conn, rebuild._live_query(LG, rebuild.FULL_RANGE), rebuild.BATCH
            ):
                live += 1
    finally:
        engine.dispose()
    return watch.elapsed, events, live


def _timed(url: str, workers: int, people: int) -> tuple[float, rebuild.RebuildReport]:
    watch = Stopwatch()
    report = rebuild_workers.rebuild_in_workers(url, LG, today(), workers=workers, people=people)
    return watch.elapsed, report


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run(options: Options, server: Postgres, imported: Imported) -> dict[str, Any]:
    url = imported.engine.url.render_as_string(hide_password=False)
    load_before = _load()
    floor, events, live = read_floor(url)
    console.log(f"rebuilding {imported.residents:,} residents from {events:,} events")
    one_seconds, one = _timed(url, 1, imported.residents)
    console.log(f"one process: {one_seconds:,.1f} s")
    many_seconds, many = _timed(url, options.workers, imported.residents)
    console.log(f"{options.workers} workers: {many_seconds:,.1f} s")
    if (many.checked, len(many.mismatches)) != (one.checked, len(one.mismatches)):
        raise RuntimeError("the workers and the single process disagree")
    rate = many.checked / many_seconds if many_seconds else 0.0
    measured = imported.residents >= YOKOHAMA
    projected = many_seconds if measured else (YOKOHAMA / rate if rate else float("inf"))
    return {
        "residents": imported.residents,
        "events": events,
        "live_rows": live,
        "checked": many.checked,
        "mismatches": len(many.mismatches),
        "baseline_read_seconds": round(floor, 2),
        "one_process_seconds": round(one_seconds, 2),
        "one_process_ratio": ratio(one_seconds, floor),
        "workers": options.workers,
        "seconds": round(many_seconds, 2),
        "ratio": ratio(many_seconds, floor),
        "people_per_second": round(rate, 1),
        "load_average": {"before": load_before, "after": _load()},
        "yokohama_seconds": round(projected, 1),
        "yokohama_measured": measured,
        "target": {"seconds": TARGET_SECONDS, "met": projected < TARGET_SECONDS},
    }


def rows(result: dict[str, Any]) -> list[Row]:
    label = f"rebuild ({result['residents']:,} residents, {result['events']:,} events)"
    floor = f"{result['baseline_read_seconds']:.1f} s"
    how = "measured" if result["yokohama_measured"] else "extrapolated"
    return [
        (
            label,
            "replay + compare, 1 process vs. stream the rows",
            f"{result['one_process_seconds']:.1f} s",
            floor,
            f"{result['one_process_ratio']:.2f}×",
            f"{result['mismatches']} mismatches",
        ),
        (
            "",
            f"replay + compare, {result['workers']} workers vs. stream the rows",
            f"{result['seconds']:.1f} s",
            floor,
            f"{result['ratio']:.2f}×",
            f"load {result['load_average']['before'][0]} → {result['load_average']['after'][0]}",
        ),
        (
            "",
            f"3,770,000 {how} ({result['people_per_second']:,.0f} people/s)",
            f"{result['yokohama_seconds']:.0f} s",
            "",
            "",
            f"< {TARGET_SECONDS:.0f} s — {met(result['target']['met'])}",
        ),
    ]


prepare = search.prepare  # the registry is imported by jichi, as for the search benchmark
