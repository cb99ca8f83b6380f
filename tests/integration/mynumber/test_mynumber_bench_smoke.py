"""``python -m bench.mynumber`` still runs at a tiny scale and writes every figure (no timing)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bench.mynumber import main

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_bench_mynumber_writes_ratios(pg_admin: Engine, tmp_path: Path) -> None:
    assert main(["--residents", "300", "--batch", "100", "--results-dir", str(tmp_path)]) == 0
    (path,) = tmp_path.glob("mynumber-*.json")
    results = json.loads(path.read_text(encoding="utf-8"))["results"]
    assert results["n"] == 300
    for name in ("transform", "issue_sqlite", "issue_postgresql"):
        assert results[name]["ratio"] > 0 and results[name]["per_s"] > 0
