"""``python -m bench.roll_selection [--residents N]``: the roll from the registry vs one SQL.

jichi's :func:`jichi.elections.sources.roll_from_registry` — the registry's
:func:`~jichi.registry.snapshot.electors_snapshot` (every record and the event log up to
the base date) and the 21条 rules in Python, one decision with its reasons per person —
against a baseline that selects the same persons in **one SQL statement** on
PostgreSQL (Japanese, 18 at the end of the day before the birthday, three months from
the 転入届 by 民法140・143条, 21条2項 for those who moved out, the dead left out).  The
two selections are compared person by person before any figure is printed: a baseline
that selects someone else is a bug, not a speed-up.

The registry is generated straight into ``resident`` and ``registry_event`` by COPY
(one ``recorded`` event a person, a ``removed`` one for the dead and the movers), with
dates crowded round the edges (the three months ending on the base date, the four
months after a move).  Reported: seconds a side, the ratio, the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg

from bench.common import Options, Row, console, postgres, ratio, table, write_results
from jichi.elections.roll import Outcome
from jichi.elections.sources import roll_from_registry
from jichi.store.engine import make_engine

LG = "112011"
BASE = date(2026, 9, 1)  # 定時登録
# period_end(since, months): the day before the corresponding day of the month after
# the next day, or that month's last day when it has none (民法143条2項).
SELECTION = """
WITH ev AS (
  SELECT person_id,
         max(notified_date) FILTER (WHERE kind = 'recorded') AS since,
         max(effective_date) FILTER (WHERE kind = 'removed'
             AND changes->>'removal_reason' IS DISTINCT FROM 'death') AS out_on,
         max(effective_date) FILTER (WHERE kind = 'removed'
             AND changes->>'removal_reason' = 'death') AS died_on
  FROM registry_event
  WHERE lg_code = %(lg)s AND effective_date <= %(base)s AND notified_date <= %(base)s
  GROUP BY person_id
), p AS (
  SELECT r.person_id, r.date_of_birth, ev.since, ev.out_on, ev.died_on,
         (ev.since + 1) AS s3, (ev.out_on + 1) AS s4
  FROM resident r JOIN ev ON ev.person_id = r.person_id
  WHERE r.lg_code = %(lg)s AND ev.since IS NOT NULL AND r.record->>'foreign' IS NULL
), q AS (
  SELECT person_id, date_of_birth, out_on, died_on,
    CASE WHEN extract(day FROM s3 + interval '3 months') < extract(day FROM s3)
         THEN (s3 + interval '3 months')::date
         ELSE (s3 + interval '3 months' - interval '1 day')::date END AS end3,
    CASE WHEN out_on IS NULL THEN NULL
         WHEN extract(day FROM s4 + interval '4 months') < extract(day FROM s4)
         THEN (s4 + interval '4 months')::date
         ELSE (s4 + interval '4 months' - interval '1 day')::date END AS end4
  FROM p
)
SELECT person_id FROM q
WHERE died_on IS NULL
  AND (date_of_birth + interval '18 years')::date <= %(base)s + 1
  AND ((out_on IS NULL AND end3 <= %(base)s)
       OR (out_on IS NOT NULL AND end3 <= out_on - 1 AND NOT end4 <= %(base)s))
"""


def _dates(rng: random.Random) -> tuple[date, date, date | None, str | None]:
    """(birth, 届出日, removal day, removal reason) with many cases near an edge."""
    born = date(1930, 1, 1) + timedelta(days=rng.randrange(31_000))
    if rng.random() < 0.1:  # near 18 on the base date
        born = date(2008, 9, 1) + timedelta(days=rng.randint(-3, 3))
    since = max(born, date(2000, 1, 1) + timedelta(days=rng.randrange(9_300)))
    if rng.random() < 0.1:  # the three months end near the base date
        since = date(2026, 6, 1) + timedelta(days=rng.randint(-3, 3))
        since = max(since, born)
    removed, reason = None, None
    roll = rng.random()
    if roll < 0.02:
        removed, reason = (
            since + timedelta(days=rng.randrange(max(1, (BASE - since).days))),
            "death",
        )
    elif roll < 0.06:  # moved out; a third within four months of the base date
        day = BASE - timedelta(days=rng.choice([rng.randrange(1, 400), rng.randint(118, 126)]))
        removed, reason = max(day, since), "move_out"
    return born, since, removed, reason


def generate(conninfo: str, n: int, seed: int) -> None:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    people: list[tuple[object, ...]] = []
    events: list[tuple[object, ...]] = []
    for i in range(n):
        pid = f"p{i:08d}"
        born, since, removed, reason = _dates(rng)
        record: dict[str, Any] = {"name": {"family": "選挙", "given": str(i)}}
        if rng.random() < 0.03:
            record["foreign"] = {"nationality": "X"}
        people.append(
            (pid, LG, "removed" if removed else "active", f"h{i // 2}", "世帯主", "x", "x",
             "x", born, "female" if i % 2 else "male", "x",
             json.dumps(record, ensure_ascii=False), False, 1, now)
        )  # fmt: skip
        nid = str(uuid.UUID(int=rng.getrandbits(128)))
        events.append(
            (str(uuid.UUID(int=rng.getrandbits(128))), nid, LG, pid, "recorded", "move_in",
             since, since, now, "bench", "{}", False)
        )  # fmt: skip
        if removed is not None:
            events.append(
                (str(uuid.UUID(int=rng.getrandbits(128))), nid, LG, pid, "removed", reason,
                 removed, removed, now, "bench", json.dumps({"removal_reason": reason}), False)
            )  # fmt: skip
    with psycopg.connect(conninfo) as pg, pg.cursor() as cur:
        with cur.copy(
            "COPY resident (person_id, lg_code, status, household_id, relationship, name_key,"
            " family_key, kana_key, date_of_birth, sex, address_key, record, restricted,"
            " version, updated_at) FROM STDIN"
        ) as copy:
            for row in people:
                copy.write_row(row)
        with cur.copy(
            "COPY registry_event (event_id, notification_id, lg_code, person_id, kind, reason,"
            " effective_date, notified_date, recorded_at, recorded_by, changes, late)"
            " FROM STDIN"
        ) as copy:
            for row in events:
                copy.write_row(row)
        pg.commit()
        cur.execute("ANALYZE resident")
        cur.execute("ANALYZE registry_event")


def measure(url: str, conninfo: str) -> dict[str, Any]:
    engine = make_engine(url)
    load_before = [round(x, 2) for x in os.getloadavg()]
    t0 = time.perf_counter()
    with engine.connect() as conn:
        decisions = roll_from_registry(conn, LG, BASE, periodic=True)
    jichi_s = time.perf_counter() - t0
    registered = {d.person_id for d in decisions if d.outcome is not Outcome.NOT_REGISTERED}
    t0 = time.perf_counter()
    with psycopg.connect(conninfo) as pg:
        selected = {r[0] for r in pg.execute(SELECTION, {"lg": LG, "base": BASE})}
    sql_s = time.perf_counter() - t0
    engine.dispose()
    differ = sorted(registered ^ selected)
    if differ:
        raise SystemExit(f"the two selections differ on {len(differ)} persons: {differ[:10]}")
    return {
        "residents": len(decisions),
        "registered": len(registered),
        "marked_21_2": sum(1 for d in decisions if d.outcome is Outcome.REGISTER_MARKED),
        "jichi_seconds": round(jichi_s, 2),
        "sql_seconds": round(sql_s, 2),
        "ratio": ratio(jichi_s, sql_s),
        "load_average_before": load_before,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


def rows(result: dict[str, Any]) -> list[Row]:
    return [
        (
            "roll",
            f"{result['residents']:,} residents → {result['registered']:,} registered",
            f"{result['jichi_seconds']} s",
            f"{result['sql_seconds']} s",
            f"{result['ratio']}",
            "",
        )
    ]


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.roll_selection")
    p.add_argument("--residents", type=int, default=200_000)
    args = p.parse_args(argv)
    options = Options()
    started = datetime.now(UTC)
    with postgres(options) as server:
        name, engine = server.migrated()
        engine.dispose()
        t0 = time.perf_counter()
        generate(server.conninfo(name), args.residents, options.seed)
        generated = round(time.perf_counter() - t0, 1)
        result = {
            "generation_seconds": generated,
            **measure(server.url(name), server.conninfo(name)),
        }
    path = write_results("roll_selection", options, {"roll_selection": result}, started)
    console.print(
        table(rows(result), "the roll from the registry vs one SQL statement (PostgreSQL)")
    )
    console.print(f"results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
