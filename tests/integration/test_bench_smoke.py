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
            # network at its smallest: test_bench_network_… below checks its figures
            "--nodes", "2",
            "--node-residents", "8",
            "--moves", "2",
            "--clients", "2",
            "--http-seconds", "1",
            "--bulk-persons", "100",
            "--bulk-chunk", "50",
            # check-ins at their smallest: test_bench_checkins_… below checks their figures
            "--checkin-roll", "500",
            "--checkin-per-client", "10",
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

    rebuilt = results["rebuild"]  # the imported registry, replayed: it agrees with itself
    assert rebuilt["checked"] == 300 and rebuilt["mismatches"] == 0
    assert rebuilt["events"] >= 300
    assert positive(rebuilt["seconds"]) and positive(rebuilt["ratio"])
    assert positive(rebuilt["one_process_seconds"]) and positive(rebuilt["one_process_ratio"])
    assert positive(rebuilt["yokohama_seconds"]) and rebuilt["yokohama_measured"] is False
    assert isinstance(rebuilt["target"]["met"], bool)

    filed = results["notifications"]
    for backend in ("postgresql", "sqlite"):
        figures = filed[backend]
        assert figures["notifications"] == 20
        for side in ("jichi", "baseline"):
            for key in LATENCY:
                assert positive(figures[side][key]), (backend, side, key)
        for key in ("ratio", "ratio_p50", "ratio_p99"):
            assert positive(figures[key]), (backend, key)

    assert results["checkins"]["jichi"]["one_check_in_per_voter"] is True
    assert results["network"]["moves"]["inprocess"]["moves"] == 2
    assert positive(results["network"]["center"]["jichi"]["requests_per_s"])

    # Every database the run created is gone again.
    created = results["databases"]["created"]
    assert created and not results["databases"]["kept"]
    with pg_admin.connect() as conn:
        left = conn.execute(
            text("SELECT datname FROM pg_database WHERE datname = ANY(:names)"),
            {"names": created},
        ).all()
    assert left == []


def test_bench_network_at_tiny_scale_writes_every_figure(pg_admin: Engine, tmp_path: Path) -> None:
    results_dir = tmp_path / "results"
    code = main(
        [
            "network",
            "--residents", "500",
            "--nodes", "3",
            "--node-residents", "12",
            "--moves", "3",
            "--clients", "4",
            "--http-seconds", "1",
            "--bulk-persons", "400",
            "--bulk-chunk", "100",
            "--pg-admin-url", PG_ADMIN_URL,
            "--results-dir", str(results_dir),
        ]
    )  # fmt: skip
    assert code == 0
    [path] = results_dir.glob("network-*.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["complete"] is True
    network = document["results"]["network"]

    moves = network["moves"]
    assert moves["nodes"] == 3 and moves["each_node_its_own_database"] is True
    assert moves["residents_filed"] > 0
    for side in ("inprocess", "registry", "plain_sql"):
        assert moves[side]["moves"] == 3, side
        for key in ("seconds", "moves_per_s"):
            assert positive(moves[side][key]), (side, key)
    assert moves["inprocess"]["persons"] >= 3
    assert positive(moves["inprocess"]["messages_published"])
    for key in ("ratio_vs_plain_sql", "ratio_vs_registry"):
        assert positive(moves["inprocess"][key]), key

    center = network["center"]
    assert center["residents"] == 500 and center["population"]["rows"] == 500
    for side in ("jichi", "bare"):
        for key in (*LATENCY, "requests_per_s", "matched"):
            assert positive(center[side][key]), (side, key)
        assert center[side]["errors"] == 0
    # Every answer jichi gave is in the provision log (the bulk ones too).
    assert center["provision_rows_logged"] >= center["jichi"]["n"] + 400
    single = center["single"]
    for key in ("ratio_vs_bare", "share_of_bare", "ratio_p50_vs_bare", "ratio_p99_vs_bare"):
        assert positive(single[key]), key
    assert isinstance(single["target"]["met"], bool)
    assert positive(center["pgbench"]["tps"]) and positive(single["ratio_vs_pgbench"])
    bulk = center["bulk"]
    assert bulk["persons"] == 400 and bulk["requests"] == 4
    assert bulk["matched"] == 360  # every 10th code asked about is not on file
    assert positive(bulk["persons_per_s"]) and positive(bulk["ratio_vs_pgbench"])
    assert isinstance(bulk["target"]["met"], bool)

    created = document["results"]["databases"]["created"]
    assert len(created) == 4  # three nodes and the center
    with pg_admin.connect() as conn:
        left = conn.execute(
            text("SELECT datname FROM pg_database WHERE datname = ANY(:names)"),
            {"names": created},
        ).all()
    assert left == []


def test_bench_checkins_over_http_checks_one_check_in_per_voter(
    pg_admin: Engine, tmp_path: Path
) -> None:
    """Both servers under load; every double refused, one row per voter, on both sides."""
    results_dir = tmp_path / "results"
    code = main(
        [
            "checkins",
            "--clients", "4",
            "--checkin-roll", "1000",
            "--checkin-per-client", "20",
            "--pg-admin-url", PG_ADMIN_URL,
            "--results-dir", str(results_dir),
        ]
    )  # fmt: skip
    assert code == 0
    [path] = results_dir.glob("checkins-*.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    figures = document["results"]["checkins"]
    assert figures["roll"] == 1000 and figures["clients"] == 4
    for side in ("jichi", "bare"):
        f = figures[side]
        assert f["n"] == 2 * 4 * 20, side  # two rounds of 4 clients × 20, warm-up not timed
        for key in (*LATENCY, "checkins_per_s"):
            assert positive(f[key]), (side, key)
        # 2 rounds × 4 clients × (3 warm-up + 20): every 10th of the 20 is a double
        assert f["sent"] == 2 * 4 * 23 and f["refused_doubles"] == 2 * 4 * 2, side
        assert f["accepted"] == f["distinct_voters"] == f["sent"] - f["refused_doubles"], side
        assert f["one_check_in_per_voter"] is True
    for key in ("ratio_cost_per_checkin", "ratio_p50", "ratio_p99"):
        assert positive(figures[key]), key
    assert len(figures["load_average_before"]) == len(figures["load_average_after"]) == 3
    created = document["results"]["databases"]["created"]
    with pg_admin.connect() as conn:
        left = conn.execute(
            text("SELECT datname FROM pg_database WHERE datname = ANY(:names)"),
            {"names": created},
        ).all()
    assert created and left == []


def test_bench_funds_at_tiny_scale_writes_every_figure(pg_admin: Engine, tmp_path: Path) -> None:
    results_dir = tmp_path / "results"
    code = main(
        [
            "funds",
            "--funds-lines", "400",
            "--funds-report-lines", "300",
            "--queries", "10",
            "--pg-admin-url", PG_ADMIN_URL,
            "--results-dir", str(results_dir),
        ]
    )  # fmt: skip
    assert code == 0
    [path] = results_dir.glob("funds-*.json")
    funds = json.loads(path.read_text(encoding="utf-8"))["results"]["funds"]
    assert funds["lines"] == 400
    assert funds["search"]["jichi"]["n"] == funds["search"]["baseline"]["n"] == 10
    assert positive(funds["search"]["ratio_p99"]) and positive(funds["validation"]["ratio"])
    assert funds["validation"]["lines"] == 300


def test_bench_certificates_at_tiny_scale_checks_what_it_times(
    pg_admin: Engine, tmp_path: Path
) -> None:
    """One process and two at once: serials gap-free, PDFs verified, re-render identical."""
    results_dir = tmp_path / "results"
    code = main(
        [
            "certificates",
            "--count", "20",
            "--pg-admin-url", PG_ADMIN_URL,
            "--results-dir", str(results_dir),
        ]
    )  # fmt: skip
    assert code == 0
    [path] = results_dir.glob("certificates-*.json")
    figures = json.loads(path.read_text(encoding="utf-8"))["results"]["certificates"]
    for side in ("jichi", "baseline"):
        for key in LATENCY:
            assert positive(figures[side][key]), (side, key)
    assert figures["rerender"] == {"same_bytes": True, "same_text": True}
    parallel = figures["parallel"]
    assert parallel["workers"] == 2 and parallel["certificates"] == 2 * 2 * 2
    assert positive(parallel["jichi"]["per_s"]) and positive(parallel["baseline"]["per_s"])
    assert positive(parallel["ratio"])
    assert parallel["all_verified"] is True and parallel["serials_gap_free"] is True
    breakdown = figures["weasyprint_breakdown"]
    assert positive(breakdown["layout_ms_p50"]) and positive(breakdown["write_pdf_ms_p50"])
    assert 0 < breakdown["share_of_write_pdf"]["font_subsetting"] < 1
