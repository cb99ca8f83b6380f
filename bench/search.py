"""``python -m bench search``: name and reading search on a large registry (PostgreSQL).

Queries are what a clerk types: a surname (sometimes with the first kanji of the given
name, sometimes only its first kanji) into 氏名, a reading or its first kana into フリガナ,
drawn from the same Zipf-weighted surnames as the registry itself.  Three ways are timed
for every query, in rotating order:

* ``registry``: :meth:`Registry.search` — what the counter and the API call: one
  transaction with the search and its hash-chained audit entry (``resident.search``);
* ``query``: :func:`jichi.registry.queries.search` on a connection in a read transaction —
  the same SQL and result models without the audit entry;
* ``baseline``: the bare indexed query through psycopg, no SQLAlchemy, no models, with the
  search key already folded: ``SELECT record, kana_key, person_id FROM resident WHERE
  lg_code = … AND status = 'active' AND name_key LIKE 'x%' ORDER BY kana_key, person_id
  LIMIT 21`` (``kana_key`` for readings).

The database is ``VACUUM ANALYZE``d first (what autovacuum does after a bulk load).
Issue target: ``registry`` p99 under 50 ms.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa

from bench import bulk_import
from bench.common import (
    LG,
    Options,
    Postgres,
    Row,
    Stopwatch,
    cipher,
    console,
    latency,
    met,
    progress,
    ratio,
)
from bench.synthetic import FAMILIES, Population, kana_query, name_query
from jichi.kernel.text import name_search_key, reading_search_key
from jichi.registry import queries
from jichi.registry.queries import SearchQuery
from jichi.registry.service import Registry
from jichi.registry.tables import resident
from jichi.security.actor import Actor
from jichi.store.engine import make_engine

TARGET_P99_MS = 50.0
MODES = ("registry", "query", "query_unprepared", "baseline")
KINDS: dict[str, tuple[str, Callable[[str], str], Callable[[Population, random.Random], str]]] = {
    "name": ("name_key", name_search_key, name_query),
    "kana": ("kana_key", reading_search_key, kana_query),
}
# The baseline is the query plan jichi uses, written by hand and sent with psycopg: no
# pydantic, no audit, no SQLAlchemy.  A name prefix is matched from the covering index
# first and sorted by reading (jichi.registry.queries._page_of_prefix_matches); a reading
# prefix is already in reading order.
BASELINE_SQL = {
    "name": (
        "WITH matches AS MATERIALIZED (SELECT person_id, kana_key FROM resident "
        "WHERE lg_code = %s AND status = 'active' AND name_key LIKE %s ESCAPE '\\') "
        "SELECT r.record, p.kana_key, p.person_id FROM "
        "(SELECT person_id, kana_key FROM matches "
        'ORDER BY kana_key COLLATE "C", person_id COLLATE "C" LIMIT %s) p '
        "JOIN resident r ON r.person_id = p.person_id "
        'ORDER BY p.kana_key COLLATE "C", p.person_id COLLATE "C"'
    ),
    "kana": (
        "SELECT record, kana_key, person_id FROM resident "
        "WHERE lg_code = %s AND status = 'active' "
        'AND kana_key COLLATE "C" >= %s AND kana_key COLLATE "C" < %s '
        'ORDER BY kana_key COLLATE "C", person_id COLLATE "C" LIMIT %s'
    ),
}


def baseline_params(kind: str, key: str, size: int) -> tuple[object, ...]:
    """The parameters of :data:`BASELINE_SQL` for a folded key."""
    if kind == "name":
        return (LG, like_prefix(key), size)
    return (LG, key, key + "\U0010ffff", size)


def like_prefix(key: str) -> str:
    return key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def prepare(options: Options, server: Postgres, folder: Path) -> bulk_import.Imported:
    """The registry to search: ``--database`` as it is, or a new one filled by jichi."""
    if options.database:
        engine = sa.create_engine(server.url(options.database))
        with engine.connect() as conn:
            count = conn.execute(sa.select(sa.func.count()).select_from(resident)).scalar_one()
        return bulk_import.Imported(options.database, engine, count)
    made, _ = bulk_import.generate(
        folder / f"registry-{options.residents}.csv", options.residents, options.seed
    )
    name, engine = server.migrated()
    conninfo = server.conninfo(name)
    bulk_import.checkpoint(conninfo)
    console.log(f"importing {made.rows:,} residents with jichi for the search benchmark")
    bulk_import.jichi_import(engine, made, options, conninfo)
    return bulk_import.Imported(name, engine, made.rows)


def vacuum_analyze(conninfo: str) -> float:
    watch = Stopwatch()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE resident")
        conn.execute("VACUUM ANALYZE audit_log")
    return watch.elapsed


def explain(conninfo: str, kind: str, key: str) -> list[str]:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        plan = conn.execute(
            "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + BASELINE_SQL[kind],
            baseline_params(kind, key, SearchQuery().limit + 1),
        ).fetchall()
    return [line for (line,) in plan]


def plan_keys(kind: str) -> list[str]:
    """Keys whose query plans the results keep: the commonest, the rarest, one letter."""
    common, rare = FAMILIES[0], FAMILIES[-1]
    index = 0 if kind == "name" else 1
    fold = KINDS[kind][1]
    return [fold(common[index]), fold(rare[index]), fold(common[index][:1])]


def measure_kind(
    kind: str,
    typed: list[str],
    warm: int,
    budget: float,
    registry: Registry,
    unprepared: sa.Engine,
    conn: psycopg.Connection[Any],
) -> dict[str, Any]:
    _, fold, _ = KINDS[kind]
    actor = Actor("bench-clerk", LG, "clerk")
    statement = BASELINE_SQL[kind]
    page = SearchQuery().limit
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    slowest: dict[str, list[tuple[float, str]]] = {mode: [] for mode in MODES}
    found: list[int] = []

    def ask(text: str) -> SearchQuery:
        return SearchQuery(name=text) if kind == "name" else SearchQuery(kana=text)

    def by_registry(text: str) -> int:
        return len(registry.search(ask(text), actor).records)

    def by_query(engine: sa.Engine, text: str) -> int:
        with engine.connect() as c, c.begin():
            return len(queries.search(c, LG, ask(text)).records)

    def by_sql(key: str) -> int:
        # prepare=False: a plan made for this very key, as psql would run it
        params = baseline_params(kind, key, page + 1)
        return len(conn.execute(statement, params, prepare=False).fetchall())

    runs: dict[str, Callable[[str, str], int]] = {
        "registry": lambda text, _: by_registry(text),
        "query": lambda text, _: by_query(registry.engine, text),
        "query_unprepared": lambda text, _: by_query(unprepared, text),
        "baseline": lambda _, pattern: by_sql(pattern),
    }
    watch = Stopwatch()
    stopped = False
    with progress() as bar:
        task = bar.add_task(f"search ({kind})", total=len(typed))
        for index, text in enumerate(typed):
            if index == warm:
                watch = Stopwatch()
            elif index > warm and watch.elapsed > budget:
                stopped = True
                break
            pattern = fold(text)  # the baseline gets its key folded for free
            order = MODES[index % len(MODES) :] + MODES[: index % len(MODES)]
            counts = {}
            for mode in order:
                started = time.perf_counter()
                counts[mode] = runs[mode](text, pattern)
                elapsed = time.perf_counter() - started
                if index >= warm:
                    times[mode].append(elapsed)
                    slowest[mode] = sorted([*slowest[mode], (elapsed, text)], reverse=True)[:5]
            jichi = {counts[m] for m in MODES if m != "baseline"}
            if jichi != {min(counts["baseline"], page)}:
                raise RuntimeError(f"{kind} {text!r}: results differ: {counts}")
            if index >= warm:
                found.append(counts["baseline"])
            bar.advance(task)
    figures = {mode: latency(values) for mode, values in times.items()}
    reg, qry, base = figures["registry"], figures["query"], figures["baseline"]
    unprep = figures["query_unprepared"]
    return {
        "queries": len(found),
        "warmup": warm,
        "budget_s": budget,
        "stopped_by_budget": stopped,
        "empty_results": sum(1 for n in found if n == 0),
        "full_pages": sum(1 for n in found if n > page),
        "examples": typed[warm : warm + 5],
        **figures,
        "slowest": {
            mode: [{"ms": round(t * 1000, 1), "typed": q} for t, q in entries]
            for mode, entries in slowest.items()
        },
        "audit_p50_ms": round(reg["p50_ms"] - qry["p50_ms"], 3),
        "ratio_p50": ratio(reg["p50_ms"], base["p50_ms"]),
        "ratio_p99": ratio(reg["p99_ms"], base["p99_ms"]),
        "ratio_p50_without_audit": ratio(qry["p50_ms"], base["p50_ms"]),
        "ratio_p99_without_audit": ratio(qry["p99_ms"], base["p99_ms"]),
        "ratio_p50_unprepared": ratio(unprep["p50_ms"], base["p50_ms"]),
        "ratio_p99_unprepared": ratio(unprep["p99_ms"], base["p99_ms"]),
        "target": {"p99_ms_max": TARGET_P99_MS, "met": reg["p99_ms"] < TARGET_P99_MS},
    }


def run(options: Options, server: Postgres, imported: bulk_import.Imported) -> dict[str, Any]:
    conninfo = server.conninfo(imported.name)
    vacuumed = vacuum_analyze(conninfo)
    console.log(f"VACUUM ANALYZE: {vacuumed:,.1f} s")
    population = Population(options.seed + 3)
    rng = random.Random(options.seed + 4)
    warm = min(20, max(2, options.queries // 10))
    registry = Registry(imported.engine, LG, cipher())
    result: dict[str, Any] = {
        "residents": imported.residents,
        "queries": options.queries,
        "vacuum_analyze_seconds": round(vacuumed, 3),
    }
    # The same database without server-side prepared statements (psycopg prepares a
    # statement after 5 executions; PostgreSQL may then run it with a generic plan).
    unprepared = make_engine(server.url(imported.name), connect_args={"prepare_threshold": None})
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for kind, (_, _, draw) in KINDS.items():
            typed = [draw(population, rng) for _ in range(warm + options.queries)]
            result[kind] = measure_kind(
                kind, typed, warm, options.search_budget, registry, unprepared, conn
            )
            result[kind]["plans"] = {key: explain(conninfo, kind, key) for key in plan_keys(kind)}
            r = result[kind]
            console.log(
                f"search ({kind}): registry p50 {r['registry']['p50_ms']:.2f} ms, "
                f"p99 {r['registry']['p99_ms']:.2f} ms; "
                f"baseline p99 {r['baseline']['p99_ms']:.2f} ms"
            )
    unprepared.dispose()
    result["target"] = {
        "p99_ms_max": TARGET_P99_MS,
        "met": all(result[kind]["target"]["met"] for kind in KINDS),
    }
    return result


def rows(result: dict[str, Any]) -> list[Row]:
    shown: list[Row] = []
    for kind in KINDS:
        r = result[kind]
        base = r["baseline"]
        label = f"search {kind} ({result['residents']:,} residents, {r['queries']:,} queries)"
        for mode, what, suffix in (
            ("registry", "Registry.search", ""),
            ("query", "without audit", "_without_audit"),
            ("query_unprepared", "no audit, unprepared", "_unprepared"),
        ):
            for q in ("p50", "p99"):
                target = ""
                if mode == "registry" and q == "p99":
                    target = f"< {TARGET_P99_MS:.0f} ms — {met(r['target']['met'])}"
                shown.append(
                    (
                        label,
                        f"{q}, {what}",
                        f"{r[mode][q + '_ms']:.2f} ms",
                        f"{base[q + '_ms']:.2f} ms",
                        f"{r[f'ratio_{q}{suffix}']:.2f}×",
                        target,
                    )
                )
                label = ""
    return shown
