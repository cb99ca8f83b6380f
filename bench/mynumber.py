"""``python -m bench.mynumber``: individual-number issuance vs a plain HMAC loop.

Three ways over the same N generated resident codes:

* ``baseline``: a bare loop of ``hmac.new(key, code, sha256).digest()`` — the least any
  keyed transform can cost;
* ``transform``: :func:`jichi.mynumber.numbers.candidate` for every code (HMAC, mapping to
  11 digits, check digit), no database;
* ``issue``: :meth:`NumberCenter.issue` in batches (``--batch``, default 10,000 codes, like
  ``jichi mynumber issue`` files) on a fresh database per backend: blind indexes,
  collision probes against every number ever issued, AES-GCM encryption, inserts, one
  transaction per batch.

The ratio is jichi's seconds over the baseline's; the 1-minute load average is recorded
before and after each run (2-core shared machine: read figures with it).  Default N is
100,000 (``make bench`` friendly); the full-size figure in docs/performance.md was
measured with ``--residents 1000000``.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import random
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import (
    Options,
    Row,
    Stopwatch,
    cipher,
    console,
    postgres,
    ratio,
    sqlite_engine,
    write_results,
)
from bench.common import table as result_table
from jichi.mynumber.center_store import NumberCenter
from jichi.mynumber.numbers import NumberKey, candidate

KEY = b"b" * 32  # a fixed benchmark key (never a real one)


def codes(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    seen: set[str] = set()
    while len(seen) < n:
        seen.add(f"{rng.randrange(10**11):011d}")
    return sorted(seen, key=lambda _: rng.random())


def load() -> float:
    return round(os.getloadavg()[0], 2)


def baseline(all_codes: Sequence[str]) -> float:
    watch = Stopwatch()
    for code in all_codes:
        hmac.new(KEY, code.encode("ascii"), hashlib.sha256).digest()
    return watch.elapsed


def transform(all_codes: Sequence[str]) -> float:
    key = NumberKey(KEY)
    watch = Stopwatch()
    for code in all_codes:
        candidate(key, code, 0)
    return watch.elapsed


def issue(center: NumberCenter, all_codes: Sequence[str], batch: int) -> tuple[float, int]:
    watch = Stopwatch()
    issued = 0
    for start in range(0, len(all_codes), batch):
        issued += len(center.issue(all_codes[start : start + batch], by="system:bench"))
    return watch.elapsed, issued


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.mynumber")
    p.add_argument("--residents", type=int, default=100_000)
    p.add_argument("--batch", type=int, default=10_000)
    p.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    p.add_argument("--seed", type=int, default=20261203)
    p.add_argument("--results-dir", type=Path, default=None)
    args = p.parse_args(argv)
    options = Options(residents=args.residents, seed=args.seed)
    if args.results_dir is not None:
        options.results_dir = args.results_dir
    started = datetime.now(UTC)
    all_codes = codes(args.residents, args.seed)
    results: dict[str, Any] = {"n": args.residents, "batch": args.batch}
    rows: list[Row] = []
    before = load()
    base = baseline(all_codes)
    results["baseline"] = {"seconds": round(base, 3), "load_before": before, "load_after": load()}
    before = load()
    pure = transform(all_codes)
    results["transform"] = {
        "seconds": round(pure, 3),
        "per_s": round(args.residents / pure),
        "ratio": ratio(pure, base),
        "load_before": before,
        "load_after": load(),
    }
    rows.append(
        (
            "transform",
            f"{args.residents:,} codes",
            f"{pure:.2f} s",
            f"{base:.2f} s",
            str(ratio(pure, base)),
            "",
        )
    )
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        before = load()
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                engine = sqlite_engine(Path(tmp) / "center.db")
                center = NumberCenter(engine, key=NumberKey(KEY), cipher=cipher())
                seconds, issued = issue(center, all_codes, args.batch)
                engine.dispose()
        else:
            with postgres(options) as server:
                _, engine = server.migrated()
                center = NumberCenter(engine, key=NumberKey(KEY), cipher=cipher())
                seconds, issued = issue(center, all_codes, args.batch)
                engine.dispose()
        assert issued == args.residents
        results[f"issue_{backend}"] = {
            "seconds": round(seconds, 3),
            "per_s": round(args.residents / seconds),
            "ratio": ratio(seconds, base),
            "load_before": before,
            "load_after": load(),
        }
        rows.append(
            (
                f"issue ({backend})",
                f"{args.residents:,} codes",
                f"{seconds:.2f} s",
                f"{base:.2f} s",
                str(ratio(seconds, base)),
                "",
            )
        )
    path = write_results("mynumber", options, results, started)
    console.print(result_table(rows, "My Number issuance vs a plain HMAC loop"))
    console.print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
