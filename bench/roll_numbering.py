"""``python -m bench.roll_numbering [--voters N]``: 投票区 assignment and 選挙人番号 (pure).

jichi's :func:`jichi.elections.numbering.assign` — a binary search per voter in its
町字's rows, then one sort by the documented key — on ``N`` synthetic voters over a
table of 200 町字 × 5 ranges, against a baseline that sorts the same voters by a
precomputed (district, 番地 number, household, person) tuple with no parsing.  Prints
seconds and the ratio; no database is involved.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from datetime import date

from jichi.elections.district_store import DEFAULT_DISTRICT
from jichi.elections.districts import DistrictRow, DistrictTable
from jichi.elections.numbering import VoterPlace, assign

TOWNS = 200
CUTS = (400, 800, 1200, 1600)


def _table() -> DistrictTable:
    rows = []
    line = 2
    for t in range(TOWNS):
        starts = ["", *[str(c + 1) for c in CUTS]]
        ends = [*[str(c) for c in CUTS], ""]
        for k, (lo, hi) in enumerate(zip(starts, ends, strict=True)):
            code = f"{(t * 5 + k) % 40 + 1:02d}"
            rows.append(DistrictRow(line, code, f"第{code}投票区", f"町{t}", lo, hi))
            line += 1
    return DistrictTable.of(rows)


def _voters(n: int, seed: int = 7) -> list[VoterPlace]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        lot = rng.randint(1, 2000)
        block = f"{lot}番地{rng.randint(1, 30)}" if rng.random() < 0.5 else f"{lot}番地"
        out.append(
            VoterPlace(
                f"p{i:08d}",
                f"町{rng.randrange(TOWNS)}",
                block,
                "",
                f"h{i // 2:08d}",
                date(1940 + rng.randrange(66), 1 + rng.randrange(12), 1 + rng.randrange(28)),
            )
        )
    return out


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.roll_numbering")
    p.add_argument("--voters", type=int, default=200_000)
    args = p.parse_args()
    table, voters = _table(), _voters(args.voters)
    table.district_of("町0", "1番地")  # build the per-町字 index outside the timing

    started = time.perf_counter()
    placed, unassigned = assign(voters, table, DEFAULT_DISTRICT)
    jichi = time.perf_counter() - started
    assert not unassigned and len(placed) == len(voters)

    keyed = [(v.town, int(v.block.split("番地")[0]), v.household_id, v.person_id) for v in voters]
    started = time.perf_counter()
    keyed.sort()
    baseline = time.perf_counter() - started

    print(
        json.dumps(
            {
                "voters": args.voters,
                "rows": len(table.rows),
                "jichi_s": round(jichi, 3),
                "baseline_sort_s": round(baseline, 3),
                "ratio": round(jichi / baseline, 1) if baseline else None,
                "load_average": os.getloadavg(),
            }
        )
    )


if __name__ == "__main__":
    main()
