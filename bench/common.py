"""What every benchmark shares: options, throw-away databases, timing, results, tables.

A ratio is always *jichi's cost ÷ the baseline's cost* (seconds, or milliseconds of
latency): 1.0 means as fast as the baseline, 3.0 three times slower.  Throughputs are
reported as absolute numbers next to it.
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from sqlalchemy.engine import make_url

from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from jichi.store import migrate
from jichi.store.engine import make_engine, normalize_url

LG = "112011"  # 埼玉県川越市: the municipality every benchmark registers residents in
SECRET = b"x" * 32  # a fixed benchmark key (never a real one)
ADMIN_URL_ENV = "JICHI_BENCH_PG_ADMIN_URL"
DEFAULT_ADMIN_URL = os.environ.get(
    "JICHI_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
DB_PREFIX = "jichi_bench_"

console = Console(stderr=True)


@dataclass
class Options:
    """The command line, as every benchmark sees it."""

    residents: int = 1_000_000
    count: int = 2000  # notifications
    queries: int = 1000  # searches per kind (name, kana)
    search_budget: float = 300.0  # seconds per kind; the rest of the queries are skipped
    seed: int = 20261127
    batch_size: int | None = None  # the bulk import's batch size (None: jichi's default)
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)  # rebuild, import
    admin_url: str = field(default_factory=lambda: os.environ.get(ADMIN_URL_ENV, DEFAULT_ADMIN_URL))
    results_dir: Path = RESULTS_DIR
    keep_db: bool = False
    database: str | None = None  # search: reuse this (already imported) database
    profile: bool = False  # cProfile the jichi import; top functions go into the JSON
    sqlite: bool = True  # notifications: also on SQLite
    work_dir: Path | None = None  # where the generated CSV goes (default: a temp dir)
    # network: the nodes and their moves, the center and its HTTP load
    nodes: int = 10  # municipality nodes, one PostgreSQL database each
    node_residents: int = 300  # residents filed at each node before the moves
    moves: int = 300  # household moves timed (per transport and per baseline)
    nats: bool = False  # also run the moves over NATS JetStream
    center_residents: int = 100_000  # identity rows at the center (--residents)
    clients: int = 32  # concurrent HTTP clients for /v1/verify
    http_seconds: float = 10.0  # measured seconds per side (split over rounds); pgbench -T
    bulk_persons: int = 100_000  # persons verified through /v1/verify/bulk
    bulk_chunk: int = 10_000  # persons per bulk request
    bulk_clients: int = 2  # concurrent bulk requests
    funds_lines: int | None = None  # published funds lines (None: 5 per resident)
    funds_report_lines: int = 10_000  # donations in the report whose checks are timed
    checkin_roll: int = 100_000  # checkins: voters on the synthetic roll build
    checkin_per_client: int = 150  # checkins: check-ins each client sends per round
    scale_small: int = 1_000_000  # scale: identity rows of the baseline center
    scale_large: int = 20_000_000  # scale: identity rows of the large center (if they fit)


def cipher() -> FieldCipher:
    return FieldCipher(Keys.derive(SECRET))


# ---------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100), linearly interpolated between the closest ranks."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency(seconds: Sequence[float]) -> dict[str, float]:
    """Summary of per-operation wall times (in seconds) as ms and operations per second."""
    total = sum(seconds)
    return {
        "n": len(seconds),
        "total_s": round(total, 6),
        "per_s": round(len(seconds) / total, 3) if total else 0.0,
        "mean_ms": round(total / len(seconds) * 1000, 3),
        "p50_ms": round(percentile(seconds, 50) * 1000, 3),
        "p95_ms": round(percentile(seconds, 95) * 1000, 3),
        "p99_ms": round(percentile(seconds, 99) * 1000, 3),
        "max_ms": round(max(seconds) * 1000, 3),
    }


def ratio(jichi: float, baseline: float) -> float:
    """jichi's cost over the baseline's (both in the same unit)."""
    return round(jichi / baseline, 3) if baseline > 0 else float("inf")


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started


def progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )


# ---------------------------------------------------------------------------
# Databases
# ---------------------------------------------------------------------------


class Postgres:
    """The PostgreSQL server: throw-away databases named ``jichi_bench_<random>``."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = normalize_url(admin_url)
        self.admin = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        self.created: list[str] = []  # to drop at the end
        self.history: list[str] = []  # every database this run created

    def url(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def conninfo(self, name: str) -> str:
        """A libpq URL for psycopg itself (the baselines bypass SQLAlchemy)."""
        url = make_url(self.admin_url).set(drivername="postgresql", database=name)
        return url.render_as_string(hide_password=False)

    def create(self) -> str:
        name = f"{DB_PREFIX}{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        self.history.append(name)
        return name

    def migrated(self) -> tuple[str, sa.Engine]:
        """A new database at the head migration, and an engine on it."""
        name = self.create()
        engine = make_engine(self.url(name))
        migrate.upgrade(engine)
        return name, engine

    def drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if name in self.created:
            self.created.remove(name)

    def forget(self, name: str) -> None:
        """Keep ``name`` when the run ends (``--keep-db``)."""
        if name in self.created:
            self.created.remove(name)

    def drop_all(self) -> None:
        for name in reversed(list(self.created)):
            self.drop(name)

    def close(self) -> None:
        self.admin.dispose()


@contextmanager
def postgres(options: Options) -> Iterator[Postgres]:
    server = Postgres(options.admin_url)
    try:
        yield server
    finally:
        try:
            server.drop_all()
        finally:
            server.close()


def sqlite_engine(path: Path) -> sa.Engine:
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    return engine


# ---------------------------------------------------------------------------
# The machine, the results
# ---------------------------------------------------------------------------


def _meminfo_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


def machine(options: Options) -> dict[str, Any]:
    """Where the figures were measured: CPU, RAM, versions and PostgreSQL's settings."""
    info: dict[str, Any] = {
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "ram_gib": _meminfo_gib(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sa.__version__,
        "psycopg": psycopg.__version__,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "git_commit": _git("rev-parse", "--short", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain", "--", "jichi")),
    }
    try:
        with psycopg.connect(Postgres(options.admin_url).conninfo("postgres")) as conn:
            info["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
            settings = conn.execute(
                "SELECT name, setting, unit FROM pg_settings WHERE name = ANY(%s) ORDER BY name",
                (
                    [
                        "autovacuum",
                        "shared_buffers",
                        "work_mem",
                        "synchronous_commit",
                        "fsync",
                        "wal_level",
                        "max_wal_size",
                        "effective_cache_size",
                    ],
                ),
            ).fetchall()
            info["postgresql_settings"] = {
                name: f"{setting}{'×' + unit if unit else ''}" for name, setting, unit in settings
            }
    except psycopg.Error as error:  # pragma: no cover - reported, not fatal
        info["postgresql"] = f"unreachable: {error}"
    return info


def write_results(
    command: str,
    options: Options,
    results: dict[str, Any],
    started: datetime,
    *,
    complete: bool = True,
) -> Path:
    """Write (or rewrite) the run's JSON; written after each benchmark, so a run that is
    stopped half-way keeps what it measured (``"complete": false``)."""
    options.results_dir.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    path = options.results_dir / f"{command}-{stamp}.json"
    parameters = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(options).items()}
    parameters.pop("admin_url", None)  # may hold a password
    document = {
        "command": command,
        "complete": complete,
        "started": started.isoformat(),
        "finished": datetime.now(UTC).isoformat(),
        "ratio": "jichi cost / baseline cost (1.0 = as fast as the baseline)",
        "parameters": parameters,
        "machine": machine(options),
        "results": results,
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


Row = tuple[str, str, str, str, str, str]


def table(rows: Sequence[Row], title: str) -> Table:
    shown = Table(title=title)
    for name, justify in (
        ("benchmark", "left"),
        ("measure", "left"),
        ("jichi", "right"),
        ("baseline", "right"),
        ("ratio", "right"),
        ("target", "left"),
    ):
        shown.add_column(name, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        shown.add_row(*row)
    return shown


def met(value: bool) -> str:
    return "met" if value else "NOT met"
