"""``python -m bench.checkins``: polling-station check-ins under 32 concurrent clients.

jichi's :func:`jichi.elections.polling.check_in` (station look-up, period check, one
INSERT guarded by the (election, voter) primary key, the winner read back on a
conflict) against a bare ``INSERT … ON CONFLICT DO NOTHING`` into a table with the same
key through psycopg, autocommit.  Both sides run in the same process, the same
database server and the same run, alternating rounds, each client a thread with its
own connection; a tenth of the check-ins are repeats of a voter already in, so the
refusal path is measured too.  Reported: check-ins/s, p99 latency, their ratios, and
the load average before and after (the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import psycopg

from bench.common import Options, Row, console, latency, postgres, ratio, table, write_results
from jichi.elections import election_store
from jichi.elections.model import Election, ElectionType
from jichi.elections.polling import JST, StationKind, VoterAtDesk, add_station, check_in
from jichi.store.engine import make_engine

ELECTION = Election(
    "bench", "112011", ElectionType.MAYOR, "川越市", 1, date(2026, 10, 20), date(2026, 10, 27)
)
AT = datetime(2026, 10, 27, 10, 0, tzinfo=JST)
BARE = (
    "CREATE TABLE bare_check_in (election_id varchar(36), voter_id varchar(36), "
    "station_id varchar(40), checked_in_at timestamptz, PRIMARY KEY (election_id, voter_id))"
)


def _voters(client: int, per_client: int, round_: int, repeat_every: int = 10) -> list[str]:
    """Distinct voters, with every ``repeat_every``-th a voter this client already sent."""
    out: list[str] = []
    for i in range(per_client):
        if i and i % repeat_every == 0:
            out.append(out[i - 1])
        else:
            out.append(f"r{round_}-c{client}-v{i}")
    return out


def _run(clients: int, work: Callable[[int], list[float]]) -> list[float]:
    barrier = threading.Barrier(clients)
    timings: list[list[float]] = [[] for _ in range(clients)]

    def go(i: int) -> None:
        barrier.wait()
        timings[i] = work(i)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - started
    flat = [t for ts in timings for t in ts]
    flat.append(-wall)  # carried out-of-band: the last value is minus the wall time
    return flat


def measure(url: str, conninfo: str, clients: int, per_client: int, rounds: int) -> dict[str, Any]:
    engine = make_engine(url, pool_size=clients, max_overflow=4)
    with engine.begin() as conn:
        election_store.save(conn, ELECTION)
        add_station(conn, "bench", "s1", "第1投票所", StationKind.DAY, "01")
    with psycopg.connect(conninfo, autocommit=True) as raw:
        raw.execute(BARE)

    def jichi_client(round_: int) -> Callable[[int], list[float]]:
        def work(i: int) -> list[float]:
            out = []
            for vid in _voters(i, per_client, round_):
                t0 = time.perf_counter()
                check_in(
                    engine,
                    ELECTION,
                    "s1",
                    VoterAtDesk(vid, "01", "female", date(1980, 1, 1)),
                    clerk_id=f"k{i}",
                    at=AT,
                )
                out.append(time.perf_counter() - t0)
            return out

        return work

    def bare_client(round_: int) -> Callable[[int], list[float]]:
        def work(i: int) -> list[float]:
            out = []
            with psycopg.connect(conninfo, autocommit=True) as pg:
                for vid in _voters(i, per_client, round_):
                    t0 = time.perf_counter()
                    pg.execute(
                        "INSERT INTO bare_check_in VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                        ("bench", vid, "s1", datetime.now(UTC)),
                    )
                    out.append(time.perf_counter() - t0)
            return out

        return work

    load_before = [round(x, 2) for x in os.getloadavg()]
    sides: dict[str, tuple[list[float], float]] = {"jichi": ([], 0.0), "baseline": ([], 0.0)}
    for r in range(rounds):
        for name, factory in (("baseline", bare_client), ("jichi", jichi_client)):
            flat = _run(clients, factory(r))
            wall = -flat.pop()
            times, total = sides[name]
            sides[name] = (times + flat, total + wall)
    engine.dispose()
    out: dict[str, Any] = {"clients": clients, "load_average_before": load_before}
    for name, (times, wall) in sides.items():
        summary = latency(times)
        summary["throughput_per_s"] = round(len(times) / wall, 1)
        out[name] = summary
    out["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    out["throughput_cost_ratio"] = ratio(
        out["baseline"]["throughput_per_s"], out["jichi"]["throughput_per_s"]
    )
    out["p99_ratio"] = ratio(out["jichi"]["p99_ms"], out["baseline"]["p99_ms"])
    return out


def rows(result: dict[str, Any]) -> list[Row]:
    j, b = result["jichi"], result["baseline"]
    return [
        (
            "check-ins",
            f"per s, {result['clients']} clients",
            f"{j['throughput_per_s']:,.0f}",
            f"{b['throughput_per_s']:,.0f}",
            f"{result['throughput_cost_ratio']}",
            "",
        ),
        ("check-ins", "p99 ms", f"{j['p99_ms']}", f"{b['p99_ms']}", f"{result['p99_ratio']}", ""),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.checkins")
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--per-client", type=int, default=200)
    p.add_argument("--rounds", type=int, default=2)
    args = p.parse_args(argv)
    options = Options()
    started = datetime.now(UTC)
    with postgres(options) as server:
        name = server.create()
        from jichi.store import migrate

        engine = make_engine(server.url(name))
        migrate.upgrade(engine)
        engine.dispose()
        result = measure(
            server.url(name), server.conninfo(name), args.clients, args.per_client, args.rounds
        )
    path = write_results("checkins", options, {"checkins": result}, started)
    console.print(table(rows(result), "polling-station check-ins (PostgreSQL)"))
    console.print(f"results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
