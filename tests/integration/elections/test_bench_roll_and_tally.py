"""The roll-selection and tally benchmarks run at a tiny scale, each side checked against
the other (no timing asserted: figures live in docs/performance.md)."""

from __future__ import annotations

import pytest

from bench import roll_selection, tally_counts
from tests.conftest import PgDatabases

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def _conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def test_the_one_sql_selection_registers_exactly_whom_the_rules_register(
    pg_databases: PgDatabases,
) -> None:
    """measure() stops (SystemExit) if one person differs; edges are crowded on purpose."""
    name = pg_databases.migrated()
    url = pg_databases.url(name)
    roll_selection.generate(_conninfo(url), 3000, seed=5)
    result = roll_selection.measure(url, _conninfo(url))
    assert result["residents"] == 3000 and 0 < result["registered"] < 3000
    assert result["marked_21_2"] > 0  # the 21条2項 case is in the data, not only the rule
    assert result["ratio"] > 0


def test_the_tally_benchmark_totals_agree_with_the_bare_sum(pg_databases: PgDatabases) -> None:
    name = pg_databases.migrated()
    url = pg_databases.url(name)
    counts = tally_counts.tallies(4, 1000, seed=3)
    result = tally_counts.measure(url, _conninfo(url), counts)
    assert (
        result["ballots"] == 4000 and result["elected"] + result["lot_seats"] == tally_counts.SEATS
    )
    assert result["totals_agree_with_baseline"] is True
