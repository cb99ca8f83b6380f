"""``python -m bench scale``: the center's verification at 1,000,000 and 20,000,000 people.

Issue 14 item 6 asks whether the center stays as fast when it holds twenty times more
people: verification p99 at the large size within 1.3× of the small one, in one run.

1. **Small**: a migrated database (identity tables in hash partitions, 0065) filled with
   ``--scale-small`` people (default 1,000,000) by ``INSERT … SELECT`` over
   ``generate_series`` inside PostgreSQL — names and addresses drawn from a pool the
   synthetic population made (their search keys computed by jichi's own
   ``name_search_key`` and ``fold_address``), one history row and one current row per
   person, as the center's inbox would leave them.  Bytes per person are measured
   (``pg_total_relation_size`` of every partition ÷ rows).
2. **Fit**: from the small run's bytes per person and rows/s, the large size
   (``--scale-large``, default 20,000,000) is checked against the free disk of the
   PostgreSQL data directory (keeping :data:`DISK_RESERVE` free for everyone else) and
   :data:`LOAD_BUDGET_S`; if it does not fit, the largest whole million that does is
   loaded instead, and the result says so.
3. **Large**: a second database, filled the same way, in chunks, with progress.
4. **Verification**: the real center app (``jichi_center``, asyncpg hot path, provision
   log) serves each database in its own uvicorn process; ``--clients`` keep-alive
   clients send ``POST /v1/verify`` by resident code (random over that population),
   alternating small and large over :data:`ROUNDS` rounds so both see the same machine
   weather.  p50/p99 per size, the large ÷ small ratio, the load average per round.

Both databases are dropped at the end.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from bench.common import LG, Options, Postgres, Row, Stopwatch, console, met, progress, ratio
from bench.network_center import Load, agency_token, served, single_figures, single_load
from bench.synthetic import Population
from jichi.kernel.address import fold_address
from jichi.kernel.text import name_search_key
from jichi.store.engine import make_engine

ROUNDS = 6  # alternating small / large, so each size gets half the rounds
CHUNK = 500_000  # people per INSERT … SELECT
POOL = 5_000  # distinct people whose name and address the generated rows reuse
DISK_RESERVE = 20 * 1024**3  # bytes left free for the other users of the disk
LOAD_BUDGET_S = 25 * 60  # the large load may take this long at the small run's rate
GROWTH = 1.15  # room for WAL and for a larger tree: bytes per person × this
TARGET = 1.3  # large p99 ÷ small p99 at most
TABLES = ("center_identity", "center_identity_history")

_POOL_DDL = """
CREATE TEMPORARY TABLE bench_person (
    n integer PRIMARY KEY, name text, name_kana text, name_key text,
    address text, address_key text, sex varchar(6)
)
"""

_FILL_SQL = f"""
WITH src AS MATERIALIZED (
    SELECT g.i,
           '5' || lpad(g.i::text, 10, '0') AS resident_code,
           md5('p' || g.i)::uuid::text AS person_id,
           md5('m' || g.i)::uuid::text AS message_id,
           DATE '1930-01-01' + ((g.i * 2654435761) %% 33000)::int AS date_of_birth,
           DATE '2000-04-01' + ((g.i * 40503) %% 9000)::int AS effective_date,
           p.name, p.name_kana, p.name_key, p.address, p.address_key, p.sex,
           (g.i %% 10) <> 0 AS has_number
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g(i)
    JOIN bench_person p ON p.n = (g.i * 7919) %% {POOL}
), history AS (
    INSERT INTO center_identity_history (
        history_id, resident_code, message_id, sender, seq, lg_code, person_id, status,
        reason, effective_date, name, name_kana, name_key, date_of_birth, sex, address,
        address_key, has_individual_number, received_at, protected)
    SELECT i + 1, resident_code, message_id, '{LG}', i + 1, '{LG}', person_id, 'active',
           'import', effective_date, name, name_kana, name_key, date_of_birth, sex, address,
           address_key, has_number, now(), false
    FROM src
)
INSERT INTO center_identity (
    resident_code, lg_code, person_id, status, reason, effective_date, name, name_kana,
    name_key, date_of_birth, sex, address, address_key, has_individual_number, history_id,
    updated_at, protected)
SELECT resident_code, '{LG}', person_id, 'active', 'import', effective_date, name,
       name_kana, name_key, date_of_birth, sex, address, address_key, has_number, i + 1,
       now(), false
FROM src
"""

_SIZES_SQL = """
SELECT t.parent,
       count(*) AS partitions,
       sum(pg_total_relation_size(t.relid)) AS total,
       sum(pg_relation_size(t.relid)) AS heap,
       sum(pg_indexes_size(t.relid)) AS indexes,
       min(c.reltuples) AS fewest, max(c.reltuples) AS most
FROM (SELECT %(table)s AS parent, relid FROM pg_partition_tree(%(table)s::regclass)
      WHERE isleaf) AS t
JOIN pg_class c ON c.oid = t.relid
GROUP BY t.parent
"""

_INDEX_SQL = """
SELECT sum(pg_relation_size(p.relid))
FROM pg_partition_tree(%(index)s::regclass) AS p WHERE p.isleaf
"""


@dataclass
class Filled:
    name: str
    url: str
    rows: int
    figures: dict[str, Any]


def person_pool(seed: int) -> list[tuple[int, str, str, str, str, str, str]]:
    """:data:`POOL` synthetic people: names, readings, addresses and their search keys."""
    pool: list[tuple[int, str, str, str, str, str, str]] = []
    for members in Population(seed).people(POOL, max_size=5):
        for person in members:
            name = f"{person.family}　{person.given}"
            address = f"埼玉県川越市{person.town}{person.block}"
            kana = f"{person.family_kana}　{person.given_kana}"
            pool.append(
                (
                    len(pool),
                    name,
                    kana,
                    name_search_key(name),
                    address,
                    fold_address(address),
                    person.sex,
                )
            )
    return pool


def fill(server: Postgres, rows: int, seed: int, label: str) -> Filled:
    """A migrated database with ``rows`` people, loaded inside PostgreSQL; its sizes."""
    name, engine = server.migrated()
    engine.dispose()
    conninfo = server.conninfo(name)
    watch = Stopwatch()
    with psycopg.connect(conninfo, autocommit=True) as conn, progress() as bar:
        conn.execute(_POOL_DDL)
        with conn.cursor() as cur, cur.copy("COPY bench_person FROM STDIN") as copy:
            for person in person_pool(seed):
                copy.write_row(person)
        task = bar.add_task(f"{label}: {rows:,} identities (INSERT … SELECT)", total=rows)
        for first in range(0, rows, CHUNK):
            last = min(first + CHUNK, rows) - 1
            conn.execute(_FILL_SQL, {"first": first, "last": last})
            bar.advance(task, last - first + 1)
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('center_identity_history', 'history_id'), %s)",
            (rows,),
        )
        loaded = watch.elapsed
        for table in TABLES:
            conn.execute(f"VACUUM (ANALYZE) {table}")
        figures = {
            "rows": rows,
            "load_seconds": round(loaded, 1),
            "rows_per_s": round(rows / loaded, 1),
            "vacuum_analyze_seconds": round(watch.elapsed - loaded, 1),
            **sizes(conn, rows),
        }
    console.log(
        f"{label}: {rows:,} people in {loaded:,.0f} s "
        f"({figures['bytes_per_person']:,.0f} bytes a person)"
    )
    return Filled(name, server.url(name), rows, figures)


def sizes(conn: psycopg.Connection[Any], rows: int) -> dict[str, Any]:
    """Bytes of both tables over all their partitions, and per person."""
    tables: dict[str, Any] = {}
    for table in TABLES:
        found = conn.execute(_SIZES_SQL, {"table": table}).fetchone()
        assert found is not None
        _, count, total, heap, indexes, fewest, most = found
        tables[table] = {
            "partitions": int(count),
            "bytes": int(total),
            "heap_bytes": int(heap),
            "index_bytes": int(indexes),
            "rows_per_partition": [int(fewest), int(most)],
        }
    pkey = conn.execute(_INDEX_SQL, {"index": "center_identity_pkey"}).fetchone()
    total = sum(t["bytes"] for t in tables.values())
    return {
        "tables": tables,
        "bytes_total": total,
        "bytes_per_person": round(total / rows, 1),
        "current_bytes_per_person": round(tables["center_identity"]["bytes"] / rows, 1),
        "history_bytes_per_person": round(tables["center_identity_history"]["bytes"] / rows, 1),
        "pkey_bytes": int(pkey[0]) if pkey and pkey[0] is not None else None,
    }


def free_disk(server: Postgres) -> tuple[str, int]:
    """Where PostgreSQL keeps its data, and how many bytes are free there."""
    with psycopg.connect(server.conninfo("postgres")) as conn:
        row = conn.execute("SHOW data_directory").fetchone()
    folder = str(row[0]) if row else "/"
    try:
        return folder, shutil.disk_usage(folder).free
    except OSError:  # not readable from here: the disk of the root
        return folder, shutil.disk_usage("/").free


def large_size(wanted: int, small: dict[str, Any], free: int) -> tuple[int, str]:
    """The largest whole million up to ``wanted`` that fits the disk and the time budget."""
    per_person = small["bytes_per_person"] * GROWTH
    by_disk = int(max(free - DISK_RESERVE, 0) / per_person)
    by_time = int(small["rows_per_s"] * LOAD_BUDGET_S)
    chosen = min(wanted, by_disk, by_time)
    if chosen >= wanted:
        return wanted, "fits"
    chosen = max(chosen // 1_000_000 * 1_000_000, small["rows"])
    why = "disk" if by_disk <= by_time else f"the {LOAD_BUDGET_S // 60}-minute load budget"
    return chosen, f"{wanted:,} does not fit ({why}); loaded {chosen:,}"


def provision_log(filled: Filled) -> dict[str, Any]:
    """The provision rows the verifications wrote (one per answer), and their bytes."""
    url = filled.url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(url) as conn:
        found = conn.execute(
            "SELECT count(*), pg_total_relation_size('center_provision') FROM center_provision"
        ).fetchone()
    assert found is not None
    rows, size = int(found[0]), int(found[1])
    return {"rows": rows, "bytes": size, "bytes_per_row": round(size / rows, 1) if rows else None}


def verification(options: Options, small: Filled, large: Filled) -> dict[str, Any]:
    """Alternate small and large under the same load; p50/p99 per size and the ratio."""
    engines = [make_engine(f.url) for f in (small, large)]
    try:
        tokens = [agency_token(engine) for engine in engines]
    finally:
        for engine in engines:
            engine.dispose()
    seconds = options.http_seconds
    loads: dict[str, list[Load]] = {"small": [], "large": []}
    rounds: list[dict[str, Any]] = []
    with (
        tempfile.TemporaryDirectory(prefix="jichi-bench-") as folder,
        served("jichi_center", small.url, "small", Path(folder)) as small_server,
        served("jichi_center", large.url, "large", Path(folder)) as large_server,
    ):
        sides = {
            "small": (small_server.port, tokens[0], small.rows),
            "large": (large_server.port, tokens[1], large.rows),
        }
        for round_ in range(ROUNDS):
            order = ("small", "large") if round_ % 2 == 0 else ("large", "small")
            for side in order:
                port, token, rows = sides[side]
                console.log(
                    f"scale: /v1/verify on {rows:,} people, {options.clients} clients, "
                    f"{seconds:.0f} s (round {round_ + 1} of {ROUNDS})"
                )
                load = asyncio.run(
                    single_load(port, token, rows, options.clients, seconds, options.seed + round_)
                )
                loads[side].append(load)
                figures = single_figures(load, seconds)
                rounds.append(
                    {
                        "round": round_ + 1,
                        "side": side,
                        "rows": rows,
                        "p50_ms": figures["p50_ms"],
                        "p99_ms": figures["p99_ms"],
                        "requests_per_s": figures["requests_per_s"],
                        "load_average": [round(x, 2) for x in os.getloadavg()],
                    }
                )
    result: dict[str, Any] = {"rounds": rounds, "seconds_per_round": seconds}
    for side, filled in (("small", small), ("large", large)):
        merged = Load()
        for load in loads[side]:
            merged.latencies += load.latencies
            merged.errors += load.errors
            merged.matched += load.matched
            merged.first_error = merged.first_error or load.first_error
        figures = single_figures(merged, seconds * len(loads[side]))
        if figures["errors"] or figures["matched"] != figures["n"]:
            raise RuntimeError(f"scale: {side} errors or misses: {figures['first_error']}")
        result[side] = {"rows": filled.rows, **figures}
        result[side]["provision_log"] = provision_log(filled)
    p99 = ratio(result["large"]["p99_ms"], result["small"]["p99_ms"])
    result["ratio_p50"] = ratio(result["large"]["p50_ms"], result["small"]["p50_ms"])
    result["ratio_p99"] = p99
    result["target"] = {
        "what": f"verification p99 at {large.rows:,} ≤ {TARGET}× the p99 at {small.rows:,}",
        "met": p99 <= TARGET,
    }
    return result


def run(options: Options, server: Postgres) -> dict[str, Any]:
    result: dict[str, Any] = {"clients": options.clients, "chunk": CHUNK}
    folder, free = free_disk(server)
    result["disk"] = {"data_directory": folder, "free_bytes_at_start": free}
    filled: list[Filled] = []
    try:
        small = fill(server, options.scale_small, options.seed, "small")
        filled.append(small)
        result["small_load"] = small.figures
        _, free = free_disk(server)
        rows, why = large_size(options.scale_large, small.figures, free)
        result["large_size"] = {
            "wanted": options.scale_large,
            "loaded": rows,
            "why": why,
            "estimated_bytes": round(small.figures["bytes_per_person"] * rows),
            "estimated_load_seconds": round(rows / small.figures["rows_per_s"]),
            "free_bytes_before": free,
        }
        console.log(f"scale: large size {rows:,} ({why})")
        large = fill(server, rows, options.seed, "large")
        filled.append(large)
        result["large_load"] = large.figures
        result["verification"] = verification(options, small, large)
        result["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    finally:
        for f in filled:
            server.drop(f.name)
    v = result["verification"]
    console.log(
        f"scale: p99 {v['small']['p99_ms']:.1f} ms at {small.rows:,}, "
        f"{v['large']['p99_ms']:.1f} ms at {large.rows:,} ({v['ratio_p99']:.2f}×)"
    )
    return result


def rows(result: dict[str, Any]) -> list[Row]:
    v = result["verification"]
    small, large = v["small"], v["large"]
    label = f"center /v1/verify, {large['rows']:,} vs {small['rows']:,} people"
    per = result["large_load"]["bytes_per_person"]
    return [
        (
            label,
            "p50 latency",
            f"{large['p50_ms']:.1f} ms",
            f"{small['p50_ms']:.1f} ms",
            f"{v['ratio_p50']:.2f}×",
            "",
        ),
        (
            "",
            "p99 latency",
            f"{large['p99_ms']:.1f} ms",
            f"{small['p99_ms']:.1f} ms",
            f"{v['ratio_p99']:.2f}×",
            f"≤ {TARGET}×: {met(v['target']['met'])}",
        ),
        (
            "",
            "requests/s",
            f"{large['requests_per_s']:,.0f}",
            f"{small['requests_per_s']:,.0f}",
            f"{ratio(1 / large['requests_per_s'], 1 / small['requests_per_s']):.2f}×",
            "",
        ),
        (
            "center identity tables",
            "bytes a person (both tables)",
            f"{per:,.0f}",
            f"{result['small_load']['bytes_per_person']:,.0f}",
            "",
            result["large_size"]["why"],
        ),
    ]
