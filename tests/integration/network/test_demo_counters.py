"""The demo's counters: movers from a roster read once, and counters in parallel processes.

The roster replaces reading every active resident of a municipality for each move, so
it must stay what the database says: after a counter's own filings (move-outs, births,
deaths) it equals a fresh read.  The counter processes (``--transport nats``) share the
moves out between them and hand back what they filed; the reconciliation at the end is
the demo's own check that nobody was moved twice or lost.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from jichi.network.demo import DemoOptions, NetworkDemo, run
from jichi.network.demo_counters import Counters, Roster


def test_a_roster_kept_by_the_counter_equals_a_fresh_read(tmp_path: Path) -> None:
    demo = NetworkDemo(DemoOptions(municipalities=3, residents=40, moves=0, directory=tmp_path))

    async def main() -> None:
        demo.build()
        await demo.settle()

    try:
        asyncio.run(main())
        origin = demo.lg_codes[0]
        counters = Counters(
            lg_codes=demo.lg_codes,
            origins=[origin],
            nodes=demo.nodes,
            center=demo.engines["center"],
            clock=demo.clock,
            rng=random.Random(7),
            track_arrivals=False,
        )
        counters.prepare()
        before = set(counters.rosters[origin].people)
        # No "back": the only arrival at the origin a counter files itself.
        counters.file(["paper", "card", "abroad", "birth", "death"] * 4)
        assert sum(counters.moves.values()) >= 15 and not counters.rejected
        kept = counters.rosters[origin]
        fresh = Roster(demo.engines[origin], origin)
        assert set(kept.people) == set(fresh.people)
        assert set(kept.people) != before  # it did change: people left, died, were born
        for person in fresh.people.values():
            assert sorted(kept.household(person.household_id)) == sorted(
                fresh.household(person.household_id)
            )
    finally:
        demo.dispose()


@pytest.mark.nats
def test_two_counter_processes_file_every_move_and_the_network_agrees(
    nats_url: str, tmp_path: Path
) -> None:
    options = DemoOptions(
        municipalities=4,
        residents=20,
        moves=24,
        transport="nats",
        directory=tmp_path,
        nats_url=nats_url,
        seed=17,
        counters=2,
    )
    result = asyncio.run(run(options))
    assert result.report.ok, result.report.findings
    assert len(result.counter_cpu) == 2 and all(cpu > 0 for cpu in result.counter_cpu)
    assert sum(result.moves.values()) >= 20 and not result.rejected
    assert result.report.figures.moves_pending == 0
    assert result.report.figures.center_rows == result.report.figures.persons
