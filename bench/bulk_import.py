"""``python -m bench import``: jichi's bulk import against a raw ``COPY`` of the same rows.

1. A synthetic registry CSV in the bulk layout (:mod:`bench.synthetic`).
2. A fresh PostgreSQL database at the head migration.
3. Baseline: ``COPY … FROM STDIN (FORMAT csv)`` of the file, streamed through psycopg 3's
   ``cursor.copy()`` into a plain table of ``text`` columns with no index, no constraint.
   A second baseline feeds the same rows through Python's ``csv`` module and
   ``copy.write_row`` (what any Python loader pays at least).
4. jichi: :func:`jichi.registry.bulk.import_csv` of the same file (both passes: the scan
   and the validated, batched import), with the time spent inside ``cursor.execute``
   (driver and server) measured apart from the rest (Python).

The ratio is jichi's seconds over the baseline's; the issue's target is ≤ 3.
"""

from __future__ import annotations

import cProfile
import csv
import pstats
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg import sql
from sqlalchemy import event

from bench.common import (
    LG,
    Options,
    Postgres,
    Row,
    Stopwatch,
    cipher,
    console,
    met,
    progress,
    ratio,
)
from bench.synthetic import HEADER, CsvFile, write_csv
from jichi.registry import bulk
from jichi.registry.bulk import importer

TARGET_RATIO = 3.0
PROFILE_ROWS = 50_000  # the profiled import runs on at most this many rows
CHUNK = 1 << 20


@dataclass
class Imported:
    """The database the import filled, for the search benchmark to reuse."""

    name: str
    engine: sa.Engine
    residents: int


@contextmanager
def work_dir(options: Options) -> Iterator[Path]:
    if options.work_dir is not None:
        options.work_dir.mkdir(parents=True, exist_ok=True)
        yield options.work_dir
        return
    with tempfile.TemporaryDirectory(prefix="jichi-bench-") as name:
        yield Path(name)


def generate(path: Path, residents: int, seed: int) -> tuple[CsvFile, float]:
    with progress() as bar:
        task = bar.add_task("CSV を生成中 (generating the CSV)", total=residents)
        watch = Stopwatch()
        made = write_csv(path, residents, seed, lambda n: bar.advance(task, n))
    return made, watch.elapsed


def checkpoint(conninfo: str) -> None:
    """Flush dirty pages first, so that one phase does not pay for the previous one's."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("CHECKPOINT")


def _create_text_table(conn: psycopg.Connection[Any], table: str) -> None:
    columns = sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(name)) for name in HEADER)
    conn.execute(sql.SQL("CREATE TABLE {} ({})").format(sql.Identifier(table), columns))
    conn.commit()


def copy_file(conninfo: str, made: CsvFile) -> dict[str, Any]:
    """Baseline: the file's bytes straight into ``COPY FROM STDIN (FORMAT csv)``."""
    table = "bench_copy_file"
    with psycopg.connect(conninfo) as conn:
        _create_text_table(conn, table)
        checkpoint(conninfo)
        statement = sql.SQL("COPY {} FROM STDIN (FORMAT csv, HEADER true)").format(
            sql.Identifier(table)
        )
        with progress() as bar:
            task = bar.add_task("COPY (file)", total=made.bytes)
            watch = Stopwatch()
            with conn.cursor() as cur, cur.copy(statement) as copy, made.path.open("rb") as f:
                while chunk := f.read(CHUNK):
                    copy.write(chunk)
                    bar.advance(task, len(chunk))
            conn.commit()
            seconds = watch.elapsed
        count = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        rows = count.fetchone()[0]  # type: ignore[index]
        conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(table)))
        conn.commit()
    if rows != made.rows:
        raise RuntimeError(f"COPY loaded {rows} rows of {made.rows}")
    what = "COPY FROM STDIN (FORMAT csv): the file's bytes, unindexed text table"
    return _rate(what, rows, seconds)


def copy_rows(conninfo: str, made: CsvFile) -> dict[str, Any]:
    """Second baseline: the rows parsed by Python's csv module, sent with ``write_row``."""
    table = "bench_copy_rows"
    with psycopg.connect(conninfo) as conn:
        _create_text_table(conn, table)
        checkpoint(conninfo)
        statement = sql.SQL("COPY {} FROM STDIN").format(sql.Identifier(table))
        rows = 0
        with progress() as bar:
            task = bar.add_task("COPY (rows)", total=made.rows)
            watch = Stopwatch()
            with (
                conn.cursor() as cur,
                cur.copy(statement) as copy,
                made.path.open(encoding="utf-8", newline="") as f,
            ):
                reader = csv.reader(f)
                next(reader)
                for row in reader:
                    copy.write_row(row)
                    rows += 1
                    if rows % 10_000 == 0:
                        bar.advance(task, 10_000)
            conn.commit()
            seconds = watch.elapsed
        conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(table)))
        conn.commit()
    return _rate("csv.reader + copy.write_row: the same rows via Python", rows, seconds)


def _rate(what: str, rows: int, seconds: float) -> dict[str, Any]:
    return {
        "what": what,
        "rows": rows,
        "seconds": round(seconds, 3),
        "rows_per_s": round(rows / seconds, 1),
    }


class DbClock:
    """Seconds spent in the database: ``cursor.execute`` and the ``COPY`` of each batch.

    The ``COPY`` goes through :func:`jichi.store.copy.copy_text` (lines prepared by the
    workers) or :func:`jichi.store.copy.insert_rows` on the raw driver connection, which
    SQLAlchemy's events do not see, so those functions are wrapped for the duration of
    the import (timing only; they still do all their work).
    """

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.seconds = 0.0
        self.statements = 0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        self._insert_rows = getattr(importer, "insert_rows")  # noqa: B009 — the name it uses
        setattr(importer, "insert_rows", self._timed_insert_rows)  # noqa: B010
        self._copy_text = getattr(importer, "copy_text")  # noqa: B009
        setattr(importer, "copy_text", self._timed_copy_text)  # noqa: B010

    def _timed_copy_text(self, conn: Any, table: Any, names: Any, data: bytes) -> None:
        started = time.perf_counter()
        try:
            self._copy_text(conn, table, names, data)
        finally:
            self.seconds += time.perf_counter() - started
            self.statements += 1

    def _timed_insert_rows(self, conn: Any, table: Any, rows: Any) -> None:
        started = time.perf_counter()
        before = self.seconds
        try:
            self._insert_rows(conn, table, rows)
        finally:
            # executemany (SQLite) is already counted by the cursor events
            if self.seconds == before:
                self.seconds += time.perf_counter() - started
                self.statements += 1

    def _before(self, conn: Any, *_: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn: Any, *_: Any) -> None:
        started = conn.info.pop("bench_started", None)
        if started is not None:
            self.seconds += time.perf_counter() - started
            self.statements += 1

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)
        setattr(importer, "insert_rows", self._insert_rows)  # noqa: B010
        setattr(importer, "copy_text", self._copy_text)  # noqa: B010


FLOOR_TABLES = ("household", "resident", "registry_event", "import_archive")


def storage_floor(conninfo: str, rows: int) -> dict[str, Any]:
    """What the server alone pays to store what the import stored, indexes included.

    Each table the import filled is copied, server side (``INSERT … SELECT``), into an
    empty twin made with ``LIKE … INCLUDING ALL`` (same columns, defaults, indexes,
    constraints).  No parsing, no validation, no network: the least any loader of these
    tables could pay.  The gap between this and raw ``COPY`` is the price of the
    registry's shape (history, archive, search indexes); the gap between jichi and this
    is jichi's own work (reading, validating, encrypting, checking duplicates).
    """
    seconds = 0.0
    stored = 0
    with psycopg.connect(conninfo) as conn:
        for table in FLOOR_TABLES:
            twin = sql.Identifier(f"bench_floor_{table}")
            conn.execute(
                sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING ALL)").format(
                    twin, sql.Identifier(table)
                )
            )
        conn.commit()
        checkpoint(conninfo)
        watch = Stopwatch()
        for table in FLOOR_TABLES:
            twin = sql.Identifier(f"bench_floor_{table}")
            cur = conn.execute(
                sql.SQL("INSERT INTO {} SELECT * FROM {}").format(twin, sql.Identifier(table))
            )
            stored += cur.rowcount
        conn.commit()
        seconds = watch.elapsed
        for table in FLOOR_TABLES:
            conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(f"bench_floor_{table}")))
        conn.commit()
    result = _rate(
        "INSERT … SELECT of the imported tables into indexed twins (server only)", rows, seconds
    )
    result["table_rows"] = stored
    return result


def jichi_import(
    engine: sa.Engine, made: CsvFile, options: Options, conninfo: str | None = None
) -> dict[str, Any]:
    batch_size = options.batch_size or bulk.DEFAULT_BATCH_SIZE
    clock = DbClock(engine)
    try:
        with progress() as bar:
            task = bar.add_task("jichi import", total=made.rows)

            marks: list[tuple[float, int]] = []

            def advance(done: bulk.ImportProgress) -> None:
                bar.update(task, completed=done.rows_done)
                marks.append((watch.elapsed, done.rows_done))

            watch = Stopwatch()
            report = bulk.import_csv(
                engine,
                LG,
                made.path,
                cipher(),
                batch_size=batch_size,
                progress=advance,
                workers=options.workers,
            )
            seconds = watch.elapsed
    finally:
        clock.close()
    if not report.reconciles or report.imported != made.rows:
        raise RuntimeError(
            f"jichi imported {report.imported} of {made.rows} rows "
            f"({report.rejected} rejected; first issues: {report.issues[:3]})"
        )
    result = _rate("jichi.registry.bulk.import_csv", report.imported, seconds)
    result.update(
        {
            "rejected": report.rejected,
            "batches": report.batches_committed,
            "batch_size": batch_size,
            "workers": options.workers,
            "db_seconds": round(clock.seconds, 3),
            "db_statements": clock.statements,
            "db_share": round(clock.seconds / seconds, 3),
            "rows_per_s_by_tenth": by_tenth(marks, made.rows),
            "statistics_refreshed": report.statistics_refreshed,
            "indexes_deferred": report.indexes_deferred,
        }
    )
    return result


def by_tenth(marks: list[tuple[float, int]], total: int) -> list[float]:
    """Rows/s over each tenth of the file (after the first batch): does it slow down?

    The first tenth includes the first pass over the file (the scan) up to its first batch.
    """
    rates: list[float] = []
    previous = (0.0, 0)
    for tenth in range(1, 11):
        goal = total * tenth / 10
        mark = next((m for m in marks if m[1] >= goal), None)
        if mark is None or mark[1] <= previous[1]:
            continue
        rates.append(round((mark[1] - previous[1]) / max(mark[0] - previous[0], 1e-9), 1))
        previous = mark
    return rates


def profile(server: Postgres, options: Options, folder: Path) -> dict[str, Any]:
    """cProfile an import of at most PROFILE_ROWS rows (a separate, untimed database)."""
    rows = min(options.residents, PROFILE_ROWS)
    made = write_csv(folder / f"profile-{rows}.csv", rows, options.seed)
    name, engine = server.migrated()
    profiler = cProfile.Profile()
    try:
        console.log(f"profiling a jichi import of {rows:,} rows (cProfile)")
        profiler.enable()
        bulk.import_csv(engine, LG, made.path, cipher())
        profiler.disable()
    finally:
        engine.dispose()
        server.drop(name)
    options.results_dir.mkdir(parents=True, exist_ok=True)
    dump = options.results_dir / f"import-profile-{time.strftime('%Y%m%dT%H%M%S')}.pstats"
    profiler.dump_stats(dump)
    stats = pstats.Stats(profiler)
    total = max(stats.total_tt, 1e-9)  # type: ignore[attr-defined]
    entries = []
    for (filename, line, function), (_cc, calls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        entries.append(
            {
                "function": f"{_short(filename)}:{line}({function})",
                "calls": calls,
                "tottime_s": round(tottime, 3),
                "cumtime_s": round(cumtime, 3),
                "tottime_share": round(tottime / total, 4),
                "cumtime_share": round(cumtime / total, 4),
            }
        )
    by_total = sorted(entries, key=lambda e: e["tottime_s"], reverse=True)[:30]
    jichi_cumulative = sorted(
        (e for e in entries if e["function"].startswith("jichi/")),
        key=lambda e: e["cumtime_s"],
        reverse=True,
    )[:30]
    return {
        "rows": rows,
        "profiled_seconds": round(total, 3),
        "pstats": str(dump),
        "top_tottime": by_total,
        "top_jichi_cumtime": jichi_cumulative,
    }


ROOT = str(Path(__file__).resolve().parents[1]) + "/"  # the checkout, wherever it is


def _short(filename: str) -> str:
    """A profile entry's file relative to the checkout (``jichi/…``) or the installed tree."""
    if filename.startswith(ROOT):
        return filename[len(ROOT) :]
    for marker in ("/site-packages/", "/lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def run(options: Options, server: Postgres, folder: Path) -> tuple[dict[str, Any], Imported]:
    """Measure the import; return the figures and the filled database (left open)."""
    path = folder / f"registry-{options.residents}.csv"
    made, generated = generate(path, options.residents, options.seed)
    console.log(
        f"CSV: {made.rows:,} rows, {made.households:,} households, "
        f"{made.bytes / 1e6:,.1f} MB in {generated:,.1f} s"
    )
    name, engine = server.migrated()
    conninfo = server.conninfo(name)
    baseline = copy_file(conninfo, made)
    console.log(f"COPY (file): {baseline['rows_per_s']:,.0f} rows/s")
    python_copy = copy_rows(conninfo, made)
    console.log(f"COPY (rows): {python_copy['rows_per_s']:,.0f} rows/s")
    checkpoint(conninfo)
    jichi = jichi_import(engine, made, options, conninfo)
    console.log(f"jichi import: {jichi['rows_per_s']:,.0f} rows/s")
    floor = storage_floor(conninfo, made.rows)
    console.log(f"storage floor: {floor['rows_per_s']:,.0f} rows/s")
    result: dict[str, Any] = {
        "residents": made.rows,
        "csv": {
            "rows": made.rows,
            "households": made.households,
            "columns": made.columns,
            "bytes": made.bytes,
            "individual_numbers": made.individual_numbers,
            "removed": made.removed,
            "foreign": made.foreign,
            "generation_seconds": round(generated, 3),
        },
        "baseline": baseline,
        "baseline_python_rows": python_copy,
        "jichi": jichi,
        "storage_floor": floor,
        "ratio": ratio(jichi["seconds"], baseline["seconds"]),
        "floor_ratio": ratio(floor["seconds"], baseline["seconds"]),
        "ratio_vs_floor": ratio(jichi["seconds"], floor["seconds"]),
        "ratio_vs_python_rows": ratio(jichi["seconds"], python_copy["seconds"]),
        "target": {"ratio_max": TARGET_RATIO},
    }
    result["target"]["met"] = result["ratio"] <= TARGET_RATIO
    if options.profile:
        result["profile"] = profile(server, options, folder)
    return result, Imported(name, engine, made.rows)


def rows(result: dict[str, Any]) -> list[Row]:
    jichi, base, py = result["jichi"], result["baseline"], result["baseline_python_rows"]
    floor = result["storage_floor"]
    target = result["target"]
    return [
        (
            f"import ({result['residents']:,} rows)",
            "rows/s vs COPY (file)",
            f"{jichi['rows_per_s']:,.0f}",
            f"{base['rows_per_s']:,.0f}",
            f"{result['ratio']:.2f}×",
            f"≤ {target['ratio_max']:.0f}× — {met(target['met'])}",
        ),
        (
            "",
            "rows/s vs COPY (Python rows)",
            f"{jichi['rows_per_s']:,.0f}",
            f"{py['rows_per_s']:,.0f}",
            f"{result['ratio_vs_python_rows']:.2f}×",
            "",
        ),
        (
            "",
            "storage floor (server INSERT…SELECT) vs COPY (file)",
            f"{floor['rows_per_s']:,.0f}",
            f"{base['rows_per_s']:,.0f}",
            f"{result['floor_ratio']:.2f}×",
            "",
        ),
        (
            "",
            "rows/s vs storage floor",
            f"{jichi['rows_per_s']:,.0f}",
            f"{floor['rows_per_s']:,.0f}",
            f"{result['ratio_vs_floor']:.2f}×",
            "",
        ),
        (
            "",
            "jichi time in the database (statements + COPY)",
            f"{jichi['db_seconds']:,.1f} s of {jichi['seconds']:,.1f} s",
            "",
            f"{jichi['db_share']:.0%}",
            "",
        ),
    ]
