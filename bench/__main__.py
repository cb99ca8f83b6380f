"""``python -m bench import|notifications|search|rebuild|certificates|network|funds|checkins|…``.

The commands: import, notifications, search, rebuild, certificates, network, funds,
checkins, scale and all.

(Or ``make bench ARGS=…``.)

Examples::

    python -m bench all --residents 1000000         # everything, at full scale
    python -m bench all --residents 20000           # a quick run
    python -m bench import --residents 200000 --profile
    python -m bench search --residents 1000000 --keep-db   # keep the imported database …
    python -m bench search --database jichi_bench_…       # … and search it again later
    python -m bench notifications --count 2000
    python -m bench network --residents 100000       # 10 nodes' moves; the center under load
    python -m bench funds --funds-lines 5000000      # the public donor search, filing checks
    python -m bench checkins --clients 32            # the station check-in API over HTTP
    python -m bench scale                            # the center at 1,000,000 and 20,000,000

``scale`` is not part of ``all``: it loads tens of gigabytes (``docs/scale.md``).

Every run prints a table and writes ``bench/results/<command>-<UTC time>.json``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from bench import (
    bulk_import,
    center_scale,
    certificates,
    checkins_http,
    funds,
    network,
    notifications,
    rebuild,
    search,
)
from bench.common import Options, Row, console, postgres, table, write_results

COMMANDS = (
    "import", "notifications", "search", "rebuild", "certificates", "network", "funds",
    "checkins", "scale", "all",
)  # fmt: skip


def parser() -> argparse.ArgumentParser:
    defaults = Options()
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="jichi benchmarks: every figure is a ratio to a baseline of the same run.",
    )
    p.add_argument("command", choices=COMMANDS)
    p.add_argument(
        "--residents",
        type=int,
        default=None,
        help=f"rows of the generated registry (import, search; default {defaults.residents:,}) "
        f"and identity rows at the center (network; default {defaults.center_residents:,})",
    )
    p.add_argument(
        "--count", type=int, default=defaults.count, help="move-in notifications per backend"
    )
    p.add_argument(
        "--queries", type=int, default=defaults.queries, help="searches per kind (name, kana)"
    )
    p.add_argument(
        "--search-budget",
        type=float,
        default=defaults.search_budget,
        help="search: seconds per kind before the remaining queries are skipped",
    )
    p.add_argument("--seed", type=int, default=defaults.seed)
    p.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="the bulk import's batch size (default: jichi's)",
    )
    p.add_argument(
        "--pg-admin-url",
        default=defaults.admin_url,
        help="a PostgreSQL URL allowed to CREATE DATABASE",
    )
    p.add_argument("--results-dir", type=Path, default=defaults.results_dir)
    p.add_argument(
        "--work-dir",
        type=Path,
        default=None,
        help="where the generated CSV goes (default: a temporary directory)",
    )
    p.add_argument(
        "--keep-db", action="store_true", help="keep the imported database (its name is printed)"
    )
    p.add_argument(
        "--database", default=None, help="search: an already imported database to search instead"
    )
    p.add_argument(
        "--profile",
        action="store_true",
        help="import: also cProfile an import of up to 50,000 rows",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=defaults.workers,
        help=f"rebuild: worker processes (default: the CPUs, {defaults.workers})",
    )
    p.add_argument("--no-sqlite", action="store_true", help="notifications: PostgreSQL only")
    n = p.add_argument_group("network")
    n.add_argument("--nodes", type=int, default=defaults.nodes, help="municipality nodes (2–15)")
    n.add_argument(
        "--node-residents",
        type=int,
        default=defaults.node_residents,
        help="residents filed at each node before the moves",
    )
    n.add_argument("--moves", type=int, default=defaults.moves, help="household moves timed")
    n.add_argument("--nats", action="store_true", help="also move over NATS JetStream")
    n.add_argument(
        "--clients", type=int, default=defaults.clients, help="concurrent /v1/verify clients"
    )
    n.add_argument(
        "--http-seconds",
        type=float,
        default=defaults.http_seconds,
        help="measured seconds per server (and pgbench -T)",
    )
    n.add_argument(
        "--bulk-persons",
        type=int,
        default=defaults.bulk_persons,
        help="persons verified through /v1/verify/bulk",
    )
    n.add_argument(
        "--bulk-chunk", type=int, default=defaults.bulk_chunk, help="persons per bulk request"
    )
    n.add_argument(
        "--bulk-clients",
        type=int,
        default=defaults.bulk_clients,
        help="concurrent bulk requests",
    )
    f = p.add_argument_group("funds")
    f.add_argument(
        "--funds-lines",
        type=int,
        default=None,
        help="published donor lines searched (default: 5 per --residents)",
    )
    f.add_argument(
        "--funds-report-lines",
        type=int,
        default=defaults.funds_report_lines,
        help="donations in the report whose filing checks are timed",
    )
    c = p.add_argument_group("checkins")
    c.add_argument(
        "--checkin-roll",
        type=int,
        default=defaults.checkin_roll,
        help="voters on the synthetic roll (the clients come from --clients)",
    )
    c.add_argument(
        "--checkin-per-client",
        type=int,
        default=defaults.checkin_per_client,
        help="check-ins each client sends per round",
    )
    s = p.add_argument_group("scale")
    s.add_argument(
        "--scale-small",
        type=int,
        default=defaults.scale_small,
        help="identity rows of the baseline center (the clients come from --clients)",
    )
    s.add_argument(
        "--scale-large",
        type=int,
        default=defaults.scale_large,
        help="identity rows of the large center (fewer if the disk or 25 minutes do not allow)",
    )
    return p


def options_from(args: argparse.Namespace) -> Options:
    defaults = Options()
    for name in (
        "residents", "count", "queries", "node_residents", "moves", "clients", "workers",
        "bulk_persons", "bulk_chunk", "bulk_clients", "funds_lines", "funds_report_lines",
        "checkin_roll", "checkin_per_client", "scale_small", "scale_large",
    ):  # fmt: skip
        value = getattr(args, name)
        if value is not None and value < 1:
            raise SystemExit(f"--{name.replace('_', '-')} must be at least 1")
    if not 2 <= args.nodes <= len(network.MUNICIPALITIES):
        raise SystemExit(f"--nodes must be between 2 and {len(network.MUNICIPALITIES)}")
    if args.scale_large < args.scale_small:
        raise SystemExit("--scale-large must be at least --scale-small")
    if args.http_seconds <= 0:
        raise SystemExit("--http-seconds must be positive")
    return Options(
        residents=args.residents or defaults.residents,
        count=args.count,
        queries=args.queries,
        search_budget=args.search_budget,
        seed=args.seed,
        batch_size=args.batch_size,
        workers=args.workers,
        admin_url=args.pg_admin_url,
        results_dir=args.results_dir,
        keep_db=args.keep_db,
        database=args.database,
        profile=args.profile,
        sqlite=not args.no_sqlite,
        work_dir=args.work_dir,
        nodes=args.nodes,
        node_residents=args.node_residents,
        moves=args.moves,
        nats=args.nats,
        center_residents=args.residents or defaults.center_residents,
        clients=args.clients,
        http_seconds=args.http_seconds,
        bulk_persons=args.bulk_persons,
        bulk_chunk=args.bulk_chunk,
        bulk_clients=args.bulk_clients,
        funds_lines=args.funds_lines,
        funds_report_lines=args.funds_report_lines,
        checkin_roll=args.checkin_roll,
        checkin_per_client=args.checkin_per_client,
        scale_small=args.scale_small,
        scale_large=args.scale_large,
    )


def run(command: str, options: Options) -> tuple[Path, dict[str, Any]]:
    """Run ``command``; return where the JSON went and the figures."""
    started = datetime.now(UTC)
    results: dict[str, Any] = {"load_average_at_start": [round(x, 2) for x in os.getloadavg()]}
    shown: list[Row] = []
    kept: list[str] = []
    with postgres(options) as server, bulk_import.work_dir(options) as folder:
        imported: bulk_import.Imported | None = None
        try:
            if command in ("import", "all"):
                results["import"], imported = bulk_import.run(options, server, folder)
                shown += bulk_import.rows(results["import"])
                write_results(command, options, results, started, complete=False)
            if command in ("search", "all"):
                if imported is None:
                    imported = search.prepare(options, server, folder)
                results["search"] = search.run(options, server, imported)
                shown += search.rows(results["search"])
                write_results(command, options, results, started, complete=False)
            if command in ("rebuild", "all"):
                if imported is None:
                    imported = rebuild.prepare(options, server, folder)
                results["rebuild"] = rebuild.run(options, server, imported)
                shown += rebuild.rows(results["rebuild"])
                write_results(command, options, results, started, complete=False)
        finally:
            if imported is not None:
                imported.engine.dispose()
                if options.keep_db:
                    server.forget(imported.name)
                    kept.append(imported.name)
                    console.log(f"kept the imported database: {imported.name}")
                elif imported.name in server.created:
                    server.drop(imported.name)  # free the disk before the next benchmark
        if command in ("notifications", "all"):
            results["notifications"] = notifications.run(options, server)
            shown += notifications.rows(results["notifications"])
        if command in ("certificates", "all"):
            results["certificates"] = certificates.run(options, server)
            shown += certificates.rows(results["certificates"])
            write_results(command, options, results, started, complete=False)
        if command in ("funds", "all"):
            results["funds"] = funds.run(options, server)
            shown += funds.rows(results["funds"])
            write_results(command, options, results, started, complete=False)
        if command in ("checkins", "all"):
            results["checkins"] = checkins_http.run(options, server)
            shown += checkins_http.rows(results["checkins"])
            write_results(command, options, results, started, complete=False)
        if command == "scale":
            results["scale"] = center_scale.run(options, server)
            shown += center_scale.rows(results["scale"])
        if command in ("network", "all"):
            results["network"] = network.run(options, server)
            shown += network.rows(results["network"])
        results["databases"] = {"created": server.history, "kept": kept}
    path = write_results(command, options, results, started)
    out = Console(width=None if sys.stdout.isatty() else 132)
    out.print(table(shown, f"jichi bench {command} — ratio = jichi cost ÷ baseline cost"))
    out.print(f"results: {path}")
    return path, results


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    run(args.command, options_from(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
