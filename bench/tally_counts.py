"""``python -m bench.tally_counts [--stations N --ballots-per-station M]``: 開票 at scale.

10,000,000 ballots' worth of station counts by default (2,000 counting districts × 5,000
ballots) for a 市区町村議会 election of 30 seats and 45 candidates, each district with
three 按分 groups.  jichi's path is the real one, on PostgreSQL: every district entered
twice by two staff (:func:`jichi.elections.counting.enter_tally`, one transaction each:
the check of every line, the four-eyes comparison, 按分 in exact fractions, the
observations), then the snapshot (:func:`jichi.elections.results.snapshot`) and who is
elected (:func:`jichi.elections.results.declare`: 法定得票数, 供託物没収点).  The baseline
writes the same integer counts once per district into a bare table (psycopg,
``executemany``, a transaction a district) and sums them in one ``GROUP BY`` — no second
entry, no 按分, no thresholds.  The two sides' totals are compared: jichi's is the
baseline's clear votes plus a share never above the 按分 ballots the candidate could mean.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import psycopg

from bench.common import Options, Row, console, postgres, ratio, table, write_results
from jichi.elections import election_store
from jichi.elections.apportion import AmbiguousGroup
from jichi.elections.counting import enter_tally
from jichi.elections.model import Candidate, Election, ElectionType
from jichi.elections.results import declare, snapshot
from jichi.elections.tally import Tally
from jichi.store.engine import make_engine, write_transaction

CANDIDATES = 45
SEATS = 30
BARE = "CREATE TABLE bare_count (district text, line text, votes bigint)"


def election() -> Election:
    return Election(
        "bench-assembly", "112011", ElectionType.MUNICIPAL_ASSEMBLY, "川越市", SEATS,
        date(2027, 4, 18), date(2027, 4, 25),
        candidates=tuple(Candidate(f"c{i:02d}", f"候補{i:02d}") for i in range(CANDIDATES)),
    )  # fmt: skip


def tallies(stations: int, ballots: int, seed: int) -> list[Tally]:
    rng = random.Random(seed)
    weights = [rng.uniform(0.3, 3.0) for _ in range(CANDIDATES)]
    total_w = sum(weights)
    out = []
    for _ in range(stations):
        invalid = {"blank": ballots // 100, "not_a_candidate": ballots // 200}
        ambiguous_n = ballots // 250
        clear = ballots - sum(invalid.values()) - 3 * ambiguous_n
        votes = {f"c{i:02d}": int(clear * w / total_w) for i, w in enumerate(weights)}
        votes["c00"] += clear - sum(votes.values())
        groups = tuple(
            AmbiguousGroup(f"記載{k}", ambiguous_n, (f"c{2 * k:02d}", f"c{2 * k + 1:02d}"))
            for k in range(3)
        )
        out.append(Tally(votes=votes, invalid=invalid, ambiguous=groups))
    return out


def measure(url: str, conninfo: str, counts: list[Tally]) -> dict[str, Any]:
    e = election()
    engine = make_engine(url)
    with engine.begin() as conn:
        election_store.save(conn, e)
    load_before = [round(x, 2) for x in os.getloadavg()]
    t0 = time.perf_counter()
    for i, t in enumerate(counts):
        for staff in ("kaihyo-1", "kaihyo-2"):
            with write_transaction(engine) as conn:
                enter_tally(conn, e, f"d{i:05d}", staff, t)
    with engine.connect() as conn:
        snap = snapshot(conn, e.election_id, datetime.now(UTC))
    decided = declare(e, snap)
    jichi_s = time.perf_counter() - t0
    engine.dispose()

    t0 = time.perf_counter()
    with psycopg.connect(conninfo) as pg:
        pg.execute(BARE)
        pg.commit()
        for i, t in enumerate(counts):
            with pg.cursor() as cur:
                cur.executemany(
                    "INSERT INTO bare_count VALUES (%s, %s, %s)",
                    [(f"d{i:05d}", line, n) for line, n in (*t.votes.items(), *t.invalid.items())],
                )
            pg.commit()
        summed = {
            line.removeprefix("candidate:") if line.startswith("candidate:") else line: int(n)
            for line, n in pg.execute(
                "SELECT line, sum(votes) FROM bare_count WHERE line LIKE 'c%%' GROUP BY line"
            ).fetchall()
        }
    bare_s = time.perf_counter() - t0
    ballots = sum(sum(t.votes.values()) + sum(t.invalid.values()) +
                  sum(g.count for g in t.ambiguous) for t in counts)  # fmt: skip
    return {
        "stations": len(counts),
        "ballots": ballots,
        "elected": len(decided.outcome.elected),
        "lot_seats": decided.outcome.lot_seats,
        "totals_agree_with_baseline": _agree(snap.candidate_votes(), summed, counts),
        "jichi_seconds": round(jichi_s, 2),
        "baseline_seconds": round(bare_s, 2),
        "ratio": ratio(jichi_s, bare_s),
        "per_district_entry_ms": round(1000 * jichi_s / (2 * len(counts)), 2),
        "load_average_before": load_before,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


def _agree(votes: dict[str, Any], clear: dict[str, int], counts: list[Tally]) -> bool:
    """jichi's total = the baseline's clear votes plus a share of no more than the 按分
    ballots the candidate could mean (the baseline leaves 按分 out)."""
    could = dict.fromkeys(clear, 0)
    for t in counts:
        for g in t.ambiguous:
            for c in g.shared_by:
                could[c] += g.count
    return all(0 <= votes[c] - clear[c] <= could[c] for c in clear)


def rows(result: dict[str, Any]) -> list[Row]:
    return [
        (
            "tally",
            f"{result['ballots']:,} ballots, {result['stations']:,} districts × 2 entries",
            f"{result['jichi_seconds']} s",
            f"{result['baseline_seconds']} s",
            f"{result['ratio']}",
            "",
        )
    ]


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.tally_counts")
    p.add_argument("--stations", type=int, default=2_000)
    p.add_argument("--ballots-per-station", type=int, default=5_000)
    args = p.parse_args(argv)
    options = Options()
    started = datetime.now(UTC)
    counts = tallies(args.stations, args.ballots_per_station, options.seed)
    with postgres(options) as server:
        name, engine = server.migrated()
        engine.dispose()
        result = measure(server.url(name), server.conninfo(name), counts)
    path = write_results("tally_counts", options, {"tally_counts": result}, started)
    console.print(
        table(rows(result), "開票: two entries, 按分, snapshot vs a bare SUM (PostgreSQL)")
    )
    console.print(f"results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
