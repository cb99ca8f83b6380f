"""``python -m bench rebuild``: replay the event log of an imported registry and compare.

The registry is filled by jichi's own import (as ``search`` does), then
``jichi.registry.rebuild.rebuild`` replays every person and compares with the live
rows.  The baseline is the floor under any rebuild in Python: streaming the same
``registry_event`` rows (ordered by person) and the same ``resident`` columns through
the same driver, decoding nothing further.  The ratio says what the fold and the
comparison cost on top of reading.  The 3,770,000-resident (横浜市) figure is an
extrapolation from the measured rate — the rebuild is one linear pass — and says so.
"""

from __future__ import annotations

import os
from typing import Any

import sqlalchemy as sa

from bench import search
from bench.bulk_import import Imported
from bench.common import LG, Options, Postgres, Row, Stopwatch, console, met, ratio
from jichi.kernel.clock import today
from jichi.registry import rebuild
from jichi.registry.tables import registry_event, resident

YOKOHAMA = 3_770_000
TARGET_SECONDS = 300.0


def read_floor(engine: sa.Engine) -> tuple[float, int]:
    """Stream the rows a rebuild reads, and nothing else; (seconds, events)."""
    watch = Stopwatch()
    events = 0
    with engine.connect() as conn:
        rows = conn.execution_options(yield_per=5_000).execute(
            sa.select(registry_event)
            .where(registry_event.c.lg_code == LG)
            .order_by(registry_event.c.person_id, registry_event.c.seq)
        )
        for _ in rows:
            events += 1
        live = conn.execution_options(yield_per=5_000).execute(
            sa.select(resident).where(resident.c.lg_code == LG)
        )
        for _ in live:
            pass
    return watch.elapsed, events


def run(options: Options, server: Postgres, imported: Imported) -> dict[str, Any]:
    engine = imported.engine
    floor, events = read_floor(engine)
    load_before = [round(x, 2) for x in os.getloadavg()]
    console.log(f"rebuilding {imported.residents:,} residents from {events:,} events")
    watch = Stopwatch()
    with engine.connect() as conn:
        report = rebuild.rebuild(conn, LG, today())
    seconds = watch.elapsed
    rate = report.checked / seconds if seconds else 0.0
    projected = YOKOHAMA / rate if rate else float("inf")
    return {
        "residents": imported.residents,
        "events": events,
        "checked": report.checked,
        "mismatches": len(report.mismatches),
        "seconds": round(seconds, 2),
        "people_per_second": round(rate, 1),
        "baseline_read_seconds": round(floor, 2),
        "ratio": ratio(seconds, floor),
        "load_average": {"before": load_before, "after": [round(x, 2) for x in os.getloadavg()]},
        "yokohama_extrapolated_seconds": round(projected, 1),
        "target": {"seconds": TARGET_SECONDS, "met": projected < TARGET_SECONDS},
    }


def rows(result: dict[str, Any]) -> list[Row]:
    label = f"rebuild ({result['residents']:,} residents, {result['events']:,} events)"
    return [
        (
            label,
            "replay + compare vs. stream the rows",
            f"{result['seconds']:.1f} s",
            f"{result['baseline_read_seconds']:.1f} s",
            f"{result['ratio']:.2f}×",
            f"{result['mismatches']} mismatches",
        ),
        (
            "",
            f"3,770,000 extrapolated ({result['people_per_second']:,.0f} people/s)",
            f"{result['yokohama_extrapolated_seconds']:.0f} s",
            "",
            "",
            f"< {TARGET_SECONDS:.0f} s — {met(result['target']['met'])}",
        ),
    ]


prepare = search.prepare  # the registry is imported by jichi, as for the search benchmark
