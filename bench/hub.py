"""``python -m bench.hub``: exchanges through the hub vs the bare provider look-up.

Over the same N persons (each with a requester's and a provider's token and a 副本):

* ``baseline``: the provider's own look-up of the 副本 by its token — one indexed
  SELECT in its own transaction (:func:`jichi.mynumber.hub.exchange.lookup`), the least
  an answer can cost on this database;
* ``exchange``: :meth:`AgencyApi.request` — credential check, catalogue, the requester's
  token → subject → the provider's token, both PIA checks, the same look-up, three log
  rows, one write transaction per exchange (as the HTTP API runs it, without HTTP).

The ratio is the exchange's seconds over the baseline's, on each backend; the 1-minute
load average is recorded before and after each run (2-core shared machine).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.common import (
    Options,
    Row,
    Stopwatch,
    console,
    postgres,
    ratio,
    sqlite_engine,
    write_results,
)
from bench.common import table as result_table
from jichi.kernel.identifiers import IdKind, with_check_digit
from jichi.mynumber.hub.catalogue import ILLUSTRATIVE, read
from jichi.mynumber.hub.exchange import lookup
from jichi.mynumber.hub.keys import HubKey
from jichi.mynumber.hub.service import ExchangeHub
from jichi.mynumber.hub.settings import HubSettings

KEY = HubKey(b"h" * 32)  # a fixed benchmark key (never a real one)
REQUESTER, PROVIDER = "nenkin", "lg-112011"
AFFAIR, ITEM = "pension-exemption", "resident_tax_income"


def load() -> float:
    return round(os.getloadavg()[0], 2)


def prepare(
    engine: sa.Engine, n: int, seed: int
) -> tuple[ExchangeHub, dict[str, str], list[tuple[str, str]]]:
    hub = ExchangeHub(engine, key=KEY, settings=HubSettings())
    hub.load_catalogue(read(ILLUSTRATIVE), by="system:bench")
    for agency, kind, scope in ((REQUESTER, "affair", AFFAIR), (PROVIDER, "item", ITEM)):
        hub.record_pia(
            agency, kind, scope, evaluated_on=date(2020, 1, 1), valid_until=date(2099, 1, 1)
        )
    creds = {a: hub.issue_credential(a) for a in (REQUESTER, PROVIDER)}
    rng = random.Random(seed)
    codes = sorted(
        {with_check_digit(IdKind.RESIDENT_CODE, f"{rng.randrange(10**10):010d}") for _ in range(n)}
    )
    pairs: list[tuple[str, str]] = []
    for code in codes:
        tokens = {}
        for agency in (REQUESTER, PROVIDER):
            number = hub.issue_request_number(
                resident_code=code, agency_id=agency, lg_code="112011"
            )
            tokens[agency] = hub.agencies.redeem(creds[agency], number)
        hub.agencies.offer(
            creds[PROVIDER], agency_token=tokens[PROVIDER], item=ITEM, value={"income": 1}
        )
        pairs.append((tokens[REQUESTER], tokens[PROVIDER]))
    rng.shuffle(pairs)
    return hub, creds, pairs


def baseline(engine: sa.Engine, pairs: Sequence[tuple[str, str]]) -> float:
    watch = Stopwatch()
    for _, provider_token in pairs:
        with engine.begin() as conn:
            assert lookup(conn, PROVIDER, provider_token, ITEM) is not None
    return watch.elapsed


def exchanges(hub: ExchangeHub, credential: str, pairs: Sequence[tuple[str, str]]) -> float:
    watch = Stopwatch()
    for requester_token, _ in pairs:
        outcome = hub.agencies.request(
            credential, agency_token=requester_token, affair=AFFAIR, item=ITEM, provider=PROVIDER
        )
        assert outcome.result == "provided"
    return watch.elapsed


def measure(engine: sa.Engine, n: int, seed: int) -> dict[str, Any]:
    hub, creds, pairs = prepare(engine, n, seed)
    before = load()
    base = baseline(engine, pairs)
    mid = load()
    seconds = exchanges(hub, creds[REQUESTER], pairs)
    return {
        "baseline_seconds": round(base, 3),
        "baseline_per_s": round(n / base),
        "seconds": round(seconds, 3),
        "per_s": round(n / seconds),
        "ratio": ratio(seconds, base),
        "load_before": before,
        "load_between": mid,
        "load_after": load(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.hub")
    p.add_argument("--persons", type=int, default=2_000)
    p.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    p.add_argument("--seed", type=int, default=20261203)
    p.add_argument("--results-dir", type=Path, default=None)
    args = p.parse_args(argv)
    if args.persons < 1:
        raise SystemExit("--persons must be at least 1")
    options = Options(seed=args.seed)
    if args.results_dir is not None:
        options.results_dir = args.results_dir
    started = datetime.now(UTC)
    results: dict[str, Any] = {"n": args.persons}
    rows: list[Row] = []
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        figures: dict[str, Any]
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                engine = sqlite_engine(Path(tmp) / "hub.db")
                figures = measure(engine, args.persons, args.seed)
                engine.dispose()
        else:
            with postgres(options) as server:
                _, engine = server.migrated()
                figures = measure(engine, args.persons, args.seed)
                engine.dispose()
                # written before the throw-away database is dropped: a slow DROP keeps them
                results[f"exchange_{backend}"] = figures
                write_results("hub", options, results, started, complete=False)
        results[f"exchange_{backend}"] = figures
        rows.append(
            (
                f"hub exchange ({backend})",
                f"{args.persons:,} exchanges, {figures['per_s']:,}/s",
                f"{figures['seconds']:.2f} s",
                f"{figures['baseline_seconds']:.2f} s",
                str(figures["ratio"]),
                f"load {figures['load_before']}–{figures['load_after']}",
            )
        )
    path = write_results("hub", options, results, started)
    console.print(result_table(rows, "Hub exchanges vs the bare provider look-up"))
    console.print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
