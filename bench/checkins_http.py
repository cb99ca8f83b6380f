"""``python -m bench checkins``: the station check-in API over HTTP at 32 clients.

What the issue's Done-when asks: "check-ins/s and p99 at 32 clients vs a bare INSERT …
ON CONFLICT endpoint".  (:mod:`bench.checkins` measures the library call in-process;
this measures what a station laptop waits for.)

Set-up, on a fresh PostgreSQL database at the head migration: an election of the bench
municipality announced three days ago and polled in three days, ``STATIONS`` 期日前投票所
(so a check-in is in its period now), a commission staff member (role ``election``) and
his bearer token, and a synthetic roll build of ``--checkin-roll`` voters (default
100,000) written with ``COPY`` into ``voter_roll_build_entry`` (ten 投票区, numbered).

Load: ``--clients`` keep-alive connections (default 32) from a raw asyncio HTTP/1.1
client (:func:`bench.network_center.post_bytes`, so the client costs as little CPU as it
can), each sending ``--checkin-per-client`` check-ins one after another, every one the
QR payload of the voter's 入場整理券 (``T1|…``, HMAC under the web's ticket key).  Every
``DOUBLE_EVERY``-th check-in is a deliberate double: a voter the neighbouring client
sends earlier in its own list (a second station scanning the same voter, possibly at
the same moment); exactly one of the two may be accepted.  The jichi side
(:func:`bench.checkin_apps.jichi_desk`) and the bare side (:func:`bench.checkin_apps.bare`)
run alternately, ``ROUNDS`` rounds each, in the same run, after a warm-up of a few
check-ins per client.

Checked afterwards, on both sides: every answer 200; accepted = the distinct voters
sent and refused = the rest; the table holds exactly one row per voter sent and no
other; on jichi's side every refusal names a first check-in.  A failed check raises:
a figure from a wrong run is never written.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa

from bench.checkin_apps import BARE_TABLE, URL_VAR
from bench.common import LG, Options, Postgres, Row, Stopwatch, cipher, console, latency, ratio
from bench.network_center import post_bytes, read_response, served
from jichi.elections import election_store
from jichi.elections.model import Candidate, Election, ElectionType
from jichi.elections.polling import JST, StationKind, add_station
from jichi.elections.tickets import ticket_key_of, ticket_payload
from jichi.security.staff import create_staff, issue_token
from jichi.store.engine import write_transaction

ELECTION_ID = "bench-mayor"
STAFF_ID = "bench-senkan"
STATIONS = 4  # 期日前投票所; client i checks in at station i % STATIONS
DISTRICTS = 10
DOUBLE_EVERY = 10  # every 10th check-in is a voter another client also sends
WARMUP = 3  # check-ins per client before each measured round (counted in the checks)
APPS = "bench.checkin_apps"
ROUNDS = 2  # the run alternates bare / jichi this many times (order flips each round)


def voter_id(i: int) -> str:
    return f"v{i:09d}"


# ---------------------------------------------------------------------------
# Set-up: the election, the staff token, the roll
# ---------------------------------------------------------------------------


def set_up(engine: sa.Engine, conninfo: str, roll: int) -> str:
    """The election, its stations, the staff token and a ``roll``-voter build; the token."""
    today = datetime.now(JST).date()
    election = Election(
        ELECTION_ID, LG, ElectionType.MAYOR, "川越市", 1,
        today - timedelta(days=3), today + timedelta(days=3),
        candidates=(Candidate("c1", "川越 一郎"), Candidate("c2", "的場 花子")),
    )  # fmt: skip
    with write_transaction(engine) as conn:
        election_store.save(conn, election)
        for s in range(STATIONS):
            add_station(conn, ELECTION_ID, f"s{s}", f"期日前投票所{s}", StationKind.EARLY, "1")
        create_staff(conn, STAFF_ID, LG, "election", "選管（bench）")
        token = issue_token(conn, STAFF_ID, label="bench")
    build_id = str(uuid.uuid4())
    watch = Stopwatch()
    with psycopg.connect(conninfo) as conn:
        conn.execute(
            "INSERT INTO voter_roll_build (build_id, lg_code, as_of, built_at, built_by)"
            " VALUES (%s, %s, %s, %s, %s)",
            (build_id, LG, today - timedelta(days=10), datetime.now(UTC), STAFF_ID),
        )
        columns = "build_id, person_id, status, reason, district, number, sex, date_of_birth"
        copying = f"COPY voter_roll_build_entry ({columns}) FROM STDIN"
        with conn.cursor() as cur, cur.copy(copying) as copy:
            for i in range(roll):
                district = str(i % DISTRICTS + 1)
                sex = "female" if i % 2 else "male"
                born = date(1940 + i % 60, i % 12 + 1, i % 28 + 1)
                copy.write_row(
                    (build_id, voter_id(i), "live", None, district, i // DISTRICTS + 1, sex, born)
                )
        conn.commit()
        conn.autocommit = True
        conn.execute("ANALYZE voter_roll_build_entry")
        conn.execute(BARE_TABLE)
    console.log(f"checkins: a roll of {roll:,} voters in {watch.elapsed:.1f} s (COPY)")
    return token


# ---------------------------------------------------------------------------
# The load: fixed work per client, one request after another on a keep-alive connection
# ---------------------------------------------------------------------------


def plan(clients: int, per_client: int, first: int) -> list[list[int]]:
    """Voter numbers per client: distinct, from ``first``, with every ``DOUBLE_EVERY``-th
    a voter the next client sends five places earlier in its own list."""
    own = [[first + c * per_client + k for k in range(per_client)] for c in range(clients)]
    lists: list[list[int]] = []
    for c in range(clients):
        mine = list(own[c])
        for k in range(DOUBLE_EVERY - 1, per_client, DOUBLE_EVERY):
            mine[k] = own[(c + 1) % clients][max(0, k - 5)]
        lists.append(mine)
    return lists


@dataclass
class Side:
    """What one side answered, over every round."""

    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    sent: list[int] = field(default_factory=list)
    accepted: int = 0
    refused: int = 0
    refused_without_first: int = 0
    errors: int = 0
    first_error: str = ""


async def _load(
    port: int, token: str | None, codes: list[list[str]], side: Side, *, timed: bool
) -> None:
    async def client(c: int) -> None:
        station = f"s{c % STATIONS}"
        path = f"/api/elections/{ELECTION_ID}/stations/{station}/checkins"
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for code in codes[c]:
                body = json.dumps({"code": code}).encode()
                sent = loop.time()
                writer.write(post_bytes(port, path, body, token))
                status, answer = await read_response(reader)
                if timed:
                    side.latencies.append(loop.time() - sent)
                if status != 200:
                    side.errors += 1
                    side.first_error = side.first_error or f"{status} {answer[:300]!r}"
                    continue
                document = json.loads(answer)
                if document["accepted"]:
                    side.accepted += 1
                else:
                    side.refused += 1
                    if token is not None and not document.get("first", {}).get("station_id"):
                        side.refused_without_first += 1
        finally:
            writer.close()

    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.gather(*(client(c) for c in range(len(codes))))
    if timed:
        side.wall += loop.time() - started


def _codes(lists: list[list[int]], qr: bool) -> list[list[str]]:
    key = ticket_key_of(cipher())
    if qr:
        return [[ticket_payload(key, ELECTION_ID, voter_id(i)) for i in ids] for ids in lists]
    return [[voter_id(i) for i in ids] for ids in lists]


def _round(port: int, token: str | None, side: Side, first: int, clients: int, n: int) -> int:
    """A warm-up and one measured pass from voter ``first``; the next free voter number."""
    warm = plan(clients, WARMUP, first)
    first += clients * WARMUP
    measured = plan(clients, n, first)
    first += clients * n
    jichi = token is not None
    asyncio.run(_load(port, token, _codes(warm, jichi), side, timed=False))
    asyncio.run(_load(port, token, _codes(measured, jichi), side, timed=True))
    side.sent += [i for ids in warm + measured for i in ids]
    return first


# ---------------------------------------------------------------------------
# Checks and figures
# ---------------------------------------------------------------------------


def verify(engine: sa.Engine, name: str, table: str, side: Side) -> dict[str, Any]:
    """Exactly one row per voter sent, none other; accepted/refused add up; raise if not."""
    distinct = {voter_id(i) for i in side.sent}
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(f"SELECT voter_id, count(*) FROM {table} WHERE election_id = :e GROUP BY 1"),
            {"e": ELECTION_ID},
        ).all()
    stored = {v: n for v, n in rows}
    problems = []
    if side.errors:
        problems.append(f"{side.errors} answers not 200, first: {side.first_error}")
    if set(stored) != distinct:
        problems.append(f"{len(set(stored) ^ distinct)} voters differ between sent and stored")
    if any(n != 1 for n in stored.values()):
        problems.append("a voter with more than one check-in")
    if side.accepted != len(distinct) or side.refused != len(side.sent) - len(distinct):
        problems.append(
            f"accepted {side.accepted}, refused {side.refused} for {len(side.sent)} sent "
            f"and {len(distinct)} distinct voters"
        )
    if side.refused_without_first:
        problems.append(f"{side.refused_without_first} refusals without the first check-in")
    if problems:
        raise RuntimeError(f"checkins ({name}): " + "; ".join(problems))
    return {
        "sent": len(side.sent),
        "distinct_voters": len(distinct),
        "accepted": side.accepted,
        "refused_doubles": side.refused,
        "one_check_in_per_voter": True,
    }


def figures(side: Side) -> dict[str, Any]:
    summary = latency(side.latencies)
    summary["checkins_per_s"] = round(len(side.latencies) / side.wall, 1)
    return summary


def run(options: Options, server: Postgres) -> dict[str, Any]:
    clients, n, roll = options.clients, options.checkin_per_client, options.checkin_roll
    needed = ROUNDS * clients * (n + WARMUP)
    if needed > roll:
        raise SystemExit(f"--checkin-roll {roll:,} is smaller than the {needed:,} voters sent")
    name, engine = server.migrated()
    url = server.url(name)
    result: dict[str, Any] = {
        "roll": roll,
        "clients": clients,
        "per_client": n,
        "rounds": ROUNDS,
        "double_every": DOUBLE_EVERY,
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        token = set_up(engine, server.conninfo(name), roll)
        sides = {"jichi": Side(), "bare": Side()}
        with (
            tempfile.TemporaryDirectory(prefix="jichi-bench-") as tmp,
            served("jichi_desk", url, "jichi", Path(tmp), module=APPS, url_var=URL_VAR) as jichi,
            served("bare", url, "bare", Path(tmp), module=APPS, url_var=URL_VAR) as floor,
        ):
            next_voter = {"jichi": 0, "bare": 0}
            for round_ in range(ROUNDS):
                order = ("bare", "jichi") if round_ % 2 == 0 else ("jichi", "bare")
                for side in order:
                    console.log(
                        f"checkins: {side}, {clients} clients × {n} "
                        f"(round {round_ + 1} of {ROUNDS})"
                    )
                    port = jichi.port if side == "jichi" else floor.port
                    next_voter[side] = _round(
                        port,
                        token if side == "jichi" else None,
                        sides[side],
                        next_voter[side],
                        clients,
                        n,
                    )
        result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        result["jichi"] = {
            **figures(sides["jichi"]),
            **verify(engine, "jichi", "check_in", sides["jichi"]),
        }
        result["bare"] = {
            **figures(sides["bare"]),
            **verify(engine, "bare", "bare_check_in", sides["bare"]),
        }
        result["jichi"]["what"] = (
            "POST /api/elections/{id}/stations/{sid}/checkins of the real web app under uvicorn: "
            "staff bearer token, election and station, ticket HMAC, roll line, one INSERT "
            "guarded by the (election, voter) key, winner read back on a refusal"
        )
        result["bare"]["what"] = (
            "FastAPI under uvicorn, same engine settings: one INSERT … ON CONFLICT DO NOTHING "
            "into a LIKE check_in table, no auth, no roll, no ticket check"
        )
        j, b = result["jichi"], result["bare"]
        result["ratio_cost_per_checkin"] = ratio(1 / j["checkins_per_s"], 1 / b["checkins_per_s"])
        result["ratio_p50"] = ratio(j["p50_ms"], b["p50_ms"])
        result["ratio_p99"] = ratio(j["p99_ms"], b["p99_ms"])
    finally:
        engine.dispose()
        server.drop(name)
    console.log(
        f"checkins: jichi {result['jichi']['checkins_per_s']:,.0f}/s "
        f"p99 {result['jichi']['p99_ms']} ms; bare {result['bare']['checkins_per_s']:,.0f}/s "
        f"p99 {result['bare']['p99_ms']} ms"
    )
    return result


def rows(result: dict[str, Any]) -> list[Row]:
    j, b = result["jichi"], result["bare"]
    return [
        (
            "check-ins (HTTP)",
            f"per s, {result['clients']} clients",
            f"{j['checkins_per_s']:,.0f}",
            f"{b['checkins_per_s']:,.0f}",
            f"{result['ratio_cost_per_checkin']}",
            "",
        ),
        (
            "check-ins (HTTP)",
            "p99 ms",
            f"{j['p99_ms']}",
            f"{b['p99_ms']}",
            f"{result['ratio_p99']}",
            "",
        ),
    ]
