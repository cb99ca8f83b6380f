"""The check-in benchmark runs at a tiny scale and writes every figure (no timing asserted)."""

from __future__ import annotations

import pytest

from bench.checkins import measure
from tests.conftest import PgDatabases

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_checkin_benchmark_reports_both_sides(pg_databases: PgDatabases) -> None:
    name = pg_databases.migrated()
    url = pg_databases.url(name)
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    result = measure(url, conninfo, clients=3, per_client=12, rounds=1)
    for side in ("jichi", "baseline"):
        assert result[side]["n"] == 36 and result[side]["throughput_per_s"] > 0
    assert result["throughput_cost_ratio"] > 0 and result["p99_ratio"] > 0
    assert len(result["load_average_before"]) == 3
