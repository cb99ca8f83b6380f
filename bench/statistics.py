"""``python -m bench.statistics``: registry statistics at scale, and the projection of Japan.

Two figures (docs/performance.md):

* ``population``: :func:`jichi.statistics.service.registry_tables` on a PostgreSQL registry
  of ``--residents`` people (one 記載 event each, 3 % also 消除 by death or 転出), against
  the baseline of **one SQL GROUP BY** (sex × five-year band of the 記載 events, no replay:
  the least any answer has to read).  jichi replays every person's events in Python so
  that 回復, late 届出 and corrections count right; the ratio says what that costs.
* ``projection``: the default projection to 2050 of all 1,741 市区町村 (the ranking page's
  work, caches cleared), seconds per run.

The load average is recorded with each figure: the machine may be shared.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import psycopg

from bench.common import LG, Options, postgres, ratio, write_results
from jichi.statistics import outlook as outlook_module
from jichi.statistics import ranking as ranking_module
from jichi.statistics.official import edition
from jichi.statistics.service import registry_tables

ON = date(2026, 1, 1)
TOWNS = tuple(f"町字{n:03d}" for n in range(120))
BASELINE_SQL = """
SELECT changes->>'sex' AS sex,
       LEAST(FLOOR(date_part('year', age(%(on)s::date, (changes->>'date_of_birth')::date)) / 5), 20)
         AS band,
       count(*)
FROM registry_event
WHERE lg_code = %(lg)s AND kind = 'recorded' AND effective_date <= %(on)s
GROUP BY 1, 2
"""


def _copy_events(conninfo: str, residents: int, seed: int) -> None:
    """COPY ``residents`` 記載 events (and 3 % removals) straight into the event log."""
    rng = random.Random(seed)
    columns = (
        "event_id, notification_id, lg_code, person_id, kind, reason, effective_date, "
        "notified_date, recorded_at, recorded_by, changes, corrects, late"
    )
    stamp = datetime(2025, 1, 1, tzinfo=UTC).isoformat()
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY registry_event ({columns}) FROM STDIN") as copy:
            for n in range(residents):
                person = str(uuid.uuid4())
                born = date(1925, 1, 1) + timedelta(days=rng.randrange(365 * 100))
                day = max(born, date(2019, 1, 1) + timedelta(days=rng.randrange(2400)))
                record = {
                    "sex": rng.choice(("male", "female")),
                    "date_of_birth": born.isoformat(),
                    "household_id": f"h{n // 2}",
                    "address": {"town": rng.choice(TOWNS)},
                    "foreign": {"nationality": "ベトナム"} if rng.random() < 0.02 else None,
                }
                common = (LG, person)
                copy.write_row(
                    (str(uuid.uuid4()), str(uuid.uuid4()), *common, "recorded", "move_in",
                     day, day, stamp, "bench", json.dumps(record, ensure_ascii=False), None, False)
                )  # fmt: skip
                if rng.random() < 0.03:
                    gone = day + timedelta(days=rng.randrange(1, 400))
                    reason = rng.choice(("death", "move_out"))
                    copy.write_row(
                        (str(uuid.uuid4()), str(uuid.uuid4()), *common, "removed", reason,
                         gone, gone, stamp, "bench", "{}", None, False)
                    )  # fmt: skip
        conn.commit()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE registry_event")


def _best(seconds: Sequence[float]) -> float:
    return min(seconds)


def population(options: Options, repeats: int) -> dict[str, object]:
    with postgres(options) as server:
        name, engine = server.migrated()
        started = time.perf_counter()
        _copy_events(server.conninfo(name), options.residents, options.seed)
        load_s = time.perf_counter() - started
        jichi_s: list[float] = []
        baseline_s: list[float] = []
        total = 0
        for _ in range(repeats):
            t0 = time.perf_counter()
            tables = registry_tables(engine, LG, ON)
            jichi_s.append(time.perf_counter() - t0)
            total = tables[LG].population
            with psycopg.connect(server.conninfo(name)) as conn:
                t0 = time.perf_counter()
                conn.execute(BASELINE_SQL, {"on": ON, "lg": LG}).fetchall()
                baseline_s.append(time.perf_counter() - t0)
        engine.dispose()
    return {
        "residents": options.residents,
        "counted": total,
        "load_s": round(load_s, 2),
        "jichi_s": round(_best(jichi_s), 3),
        "baseline_group_by_s": round(_best(baseline_s), 3),
        "ratio": round(ratio(_best(jichi_s), _best(baseline_s)), 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def projection(repeats: int) -> dict[str, object]:
    municipalities = sum(1 for _ in edition(date(2023, 1, 1)).municipalities())
    runs: list[float] = []
    for _ in range(repeats):
        outlook_module._default_parameters.cache_clear()
        ranking_module._all_rows.cache_clear()
        t0 = time.perf_counter()
        ranking_module.ranking()
        runs.append(time.perf_counter() - t0)
    return {
        "municipalities": municipalities,
        "seconds": round(_best(runs), 3),
        "per_municipality_ms": round(_best(runs) / municipalities * 1000, 3),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.statistics", description=__doc__)
    p.add_argument("--residents", type=int, default=1_000_000)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--skip-population", action="store_true")
    args = p.parse_args(argv)
    options = Options(residents=args.residents)
    started = datetime.now(UTC)
    results: dict[str, object] = {"projection": projection(args.repeats)}
    if not args.skip_population:
        results["population"] = population(options, args.repeats)
    path = write_results("statistics", options, results, started)
    buffer = io.StringIO()
    json.dump(results, buffer, ensure_ascii=False, indent=1)
    print(buffer.getvalue())
    print(f"written: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["main", "population", "projection"]
