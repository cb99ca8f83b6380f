"""The benchmarks still run: ``python -m bench all`` at a tiny scale, on PostgreSQL and SQLite.

This checks that every figure lands in the result JSON and that every ratio is a positive
number.  It never asserts on speed: performance is measured by ``make bench`` (see
``docs/performance.md``), not by timed tests.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from bench.__main__ import main
from tests.conftest import PG_ADMIN_URL

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

LATENCY = ("n", "total_s", "per_s", "mean_ms", "p50_ms", "p95_ms", "p99_ms", "max_ms")


def positive(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def test_bench_all_at_tiny_scale_writes_every_figure(pg_admin: Engine, tmp_path: Path) -> None:
    results_dir = tmp_path / "results"
    code = main(
        [
            "all",
            "--residents", "300",
            "--count", "20",
            "--queries", "20",
            "--pg-admin-url", PG_ADMIN_URL,
            "--results-dir", str(results_dir),
            "--work-dir", str(tmp_path / "work"),
            "--profile",
        ]
    )  # fmt: skip
    assert code == 0
    [path] = results_dir.glob("all-*.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    machine = document["machine"]
    assert positive(machine["nproc"])
    assert "postgresql" in machine and "sqlite" in machine
    results = document["results"]

    imported = results["import"]
    assert imported["residents"] == 300
    assert imported["jichi"]["rows"] == imported["baseline"]["rows"] == 300
    for side in ("baseline", "baseline_python_rows", "jichi"):
        assert positive(imported[side]["rows_per_s"]), side
        assert positive(imported[side]["seconds"]), side
    assert positive(imported["jichi"]["db_seconds"])
    assert imported["jichi"]["rows_per_s_by_tenth"]
    assert imported["jichi"]["statistics_refreshed"] == 0  # 300 rows: below ANALYZE_FIRST
    assert positive(imported["storage_floor"]["rows_per_s"])
    assert positive(imported["floor_ratio"]) and positive(imported["ratio_vs_floor"])
    assert positive(imported["ratio"]) and positive(imported["ratio_vs_python_rows"])
    assert isinstance(imported["target"]["met"], bool)
    assert imported["profile"]["top_tottime"] and imported["profile"]["top_jichi_cumtime"]

    found = results["search"]
    assert found["residents"] == 300
    for kind in ("name", "kana"):
        figures = found[kind]
        assert figures["queries"] == 20
        for mode in ("registry", "query", "baseline"):
            for key in LATENCY:
                assert positive(figures[mode][key]), (kind, mode, key)
        for key in ("ratio_p50", "ratio_p99", "ratio_p50_without_audit", "ratio_p99_without_audit"):
            assert positive(figures[key]), (kind, key)
        assert isinstance(figures["target"]["met"], bool)
        assert all(plan for plan in figures["plans"].values())

    filed = results["notifications"]
    for backend in ("postgresql", "sqlite"):
        figures = filed[backend]
        assert figures["notifications"] == 20
        for side in ("jichi", "baseline"):
            for key in LATENCY:
                assert positive(figures[side][key]), (backend, side, key)
        for key in ("ratio", "ratio_p50", "ratio_p99"):
            assert positive(figures[key]), (backend, key)

    # Every database the run created is gone again.
    created = results["databases"]["created"]
    assert created and not results["databases"]["kept"]
    with pg_admin.connect() as conn:
        left = conn.execute(
            text("SELECT datname FROM pg_database WHERE datname = ANY(:names)"),
            {"names": created},
        ).all()
    assert left == []
