"""``python -m bench.hub`` still runs at a tiny scale and writes every figure (no timing)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bench.hub import main

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_bench_hub_writes_ratios(pg_admin: Engine, tmp_path: Path) -> None:
    assert main(["--persons", "20", "--results-dir", str(tmp_path)]) == 0
    (path,) = tmp_path.glob("hub-*.json")
    results = json.loads(path.read_text(encoding="utf-8"))["results"]
    assert results["n"] == 20
    for name in ("exchange_sqlite", "exchange_postgresql"):
        assert results[name]["ratio"] > 0 and results[name]["per_s"] > 0
        assert results[name]["baseline_per_s"] > 0
