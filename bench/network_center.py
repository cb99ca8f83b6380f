"""The center half of ``python -m bench network``: identity verification over HTTP.

Population: ``--residents`` identity rows (default 100,000) written straight into
``center_identity_history`` and ``center_identity`` with ``COPY`` (one history row per
person, the current row pointing at it; the search keys computed with jichi's own
``name_search_key`` and ``fold_address``), then ``ANALYZE``.  COPY, not the center's
inbox handler: filling is not what is measured.

Single verification: 32 keep-alive connections (``--clients``) each sending one
``POST /v1/verify`` after another (one person, by resident code, random over the
population) for ``--http-seconds``, from a small asyncio HTTP/1.1 load generator in
the bench process, against

* jichi: the real center app in its own uvicorn process (agency bearer token, purpose
  check, provision log row in the same transaction);
* bare: FastAPI + asyncpg in its own uvicorn process, same body, same table, no auth,
  no log (:mod:`bench.network_apps`);

alternating in rounds so both see the same machine weather; then ``pgbench`` running
a one-row ``SELECT * … WHERE resident_code = …`` script on the same table, ``-c 32 -j 2``.

Bulk: ``--bulk-persons`` resident codes (90 % on file) sent to ``/v1/verify/bulk`` in
chunks of ``--bulk-chunk`` by ``--bulk-clients`` connections; persons per second.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bench.common import (
    LG,
    ROOT,
    Options,
    Postgres,
    Stopwatch,
    console,
    latency,
    progress,
    ratio,
)
from bench.network_apps import URL_VAR
from bench.synthetic import Population
from jichi.kernel.address import fold_address
from jichi.kernel.text import name_search_key
from jichi.network.center.agencies import add_agency, issue_token
from jichi.network.center.verify import MAX_BULK
from jichi.store.engine import write_transaction

PURPOSE = "年金給付の事務（bench）"
CODE_PREFIX = "5"  # resident codes are 5 + the row number on 10 digits (pgbench derives them)
MISSING_EVERY = 10  # in the bulk run, every 10th code is not on file
ROUNDS = 2  # the single-verification run alternates bare / jichi this many times
WARMUP_S = 1.0  # per side and round, not counted
PGBENCH_SCRIPT = """\\set i random(0, {last})
SELECT * FROM center_identity WHERE resident_code = '5' || lpad(CAST(:i AS text), 10, '0');
"""


def code(i: int) -> str:
    return f"{CODE_PREFIX}{i:010d}"


# ---------------------------------------------------------------------------
# The population
# ---------------------------------------------------------------------------

HISTORY_COLUMNS = (
    "history_id", "resident_code", "message_id", "notification_id", "sender", "seq",
    "lg_code", "person_id", "status", "reason", "effective_date", "name", "name_kana",
    "name_key", "date_of_birth", "sex", "address", "address_key", "has_individual_number",
    "received_at",
)  # fmt: skip
CURRENT_COLUMNS = (
    "resident_code", "lg_code", "person_id", "status", "reason", "effective_date", "name",
    "name_kana", "name_key", "date_of_birth", "sex", "address", "address_key",
    "has_individual_number", "history_id", "updated_at",
)  # fmt: skip


def fill(conninfo: str, residents: int, seed: int) -> dict[str, Any]:
    """COPY ``residents`` people into the center's history and current tables."""
    population = Population(seed)
    now = datetime.now(UTC)
    watch = Stopwatch()
    with psycopg.connect(conninfo) as conn, progress() as bar:
        task = bar.add_task("center identities (COPY)", total=residents)
        with conn.cursor() as cur:
            current_rows: list[tuple[Any, ...]] = []
            columns = ", ".join(HISTORY_COLUMNS)
            with cur.copy(f"COPY center_identity_history ({columns}) FROM STDIN") as history:
                i = 0
                for members in population.people(residents, max_size=5):
                    for person in members:
                        name = f"{person.family}　{person.given}"
                        address = f"埼玉県川越市{person.town}{person.block}"
                        items = (
                            LG,
                            str(uuid.uuid4()),
                            "removed" if person.status == "removed" else "active",
                            "import",
                            person.resident_since,
                            name,
                            f"{person.family_kana}　{person.given_kana}",
                            name_search_key(name),
                            person.date_of_birth,
                            person.sex,
                            address,
                            fold_address(address),
                            bool(person.individual_number),
                        )
                        history.write_row(
                            (i + 1, code(i), str(uuid.uuid4()), None, LG, i + 1, *items, now)
                        )
                        current_rows.append((code(i), *items, i + 1, now))
                        i += 1
                    bar.advance(task, len(members))
            with cur.copy(
                f"COPY center_identity ({', '.join(CURRENT_COLUMNS)}) FROM STDIN"
            ) as copy:
                for row in current_rows:
                    copy.write_row(row)
            cur.execute(
                "SELECT setval(pg_get_serial_sequence('center_identity_history', 'history_id'),"
                " %s)",
                (residents,),
            )
        conn.commit()
        conn.autocommit = True
        conn.execute("ANALYZE center_identity_history")
        conn.execute("ANALYZE center_identity")
    seconds = watch.elapsed
    return {
        "rows": residents,
        "how": "COPY into center_identity_history and center_identity, then ANALYZE",
        "seconds": round(seconds, 3),
        "rows_per_s": round(residents / seconds, 1),
    }


def agency_token(engine: sa.Engine) -> str:
    with write_transaction(engine) as conn:
        agency = add_agency(
            conn,
            "年金機構（bench）",
            legal_ground="住基法別表第一（bench）",
            purposes=[PURPOSE],
        )
        return issue_token(conn, agency.agency_id)


# ---------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path


@contextmanager
def served(
    factory: str,
    url: str,
    name: str,
    folder: Path,
    *,
    module: str = "bench.network_apps",
    url_var: str = URL_VAR,
) -> Iterator[Server]:
    """``uvicorn <module>:<factory> --factory`` in its own process, the database URL in
    ``url_var``: one worker, warnings only, no access log (the same for every side)."""
    port = free_port()
    log = folder / f"{name}.log"
    env = {**os.environ, url_var: url, "PYTHONPATH": str(ROOT)}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn", f"{module}:{factory}", "--factory",
                "--host", "127.0.0.1", "--port", str(port),
                "--log-level", "warning", "--no-access-log", "--workers", "1",
            ],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = Server(name, port, process, log)
    try:
        _wait_healthy(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a stuck server
            process.kill()
            process.wait()


def _wait_healthy(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited: {server.log.read_text(errors='replace')}")
        try:
            status, _ = asyncio.run(_one_get(server.port, "/healthz"))
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{server.name} did not answer /healthz in {timeout:.0f} s")


async def _one_get(port: int, path: str) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
        return await read_response(reader)
    finally:
        writer.close()


# ---------------------------------------------------------------------------
# The load generator: raw HTTP/1.1 keep-alive, so the client costs as little CPU as it can
# ---------------------------------------------------------------------------


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("server closed the connection")
    status = int(status_line.split(b" ", 2)[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


def post_bytes(port: int, path: str, body: bytes, token: str | None) -> bytes:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{auth}"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""
    matched: int = 0
    started: float = 0.0
    ended: float = 0.0


async def single_load(
    port: int, token: str | None, residents: int, clients: int, seconds: float, seed: int
) -> Load:
    """``clients`` connections, one ``/v1/verify`` at a time each, for ``seconds`` after warm-up."""
    load = Load()
    loop = asyncio.get_running_loop()
    begin = loop.time()
    measure_from = begin + WARMUP_S
    end = measure_from + seconds

    async def client(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while True:
                body = json.dumps(
                    {"purpose": PURPOSE, "resident_code": code(rng.randrange(residents))}
                ).encode()
                sent = loop.time()
                writer.write(post_bytes(port, "/v1/verify", body, token))
                status, answer = await read_response(reader)
                done = loop.time()
                if sent >= measure_from and done <= end:
                    load.latencies.append(done - sent)
                    if status == 200 and b'"match"' in answer:
                        load.matched += 1
                if status != 200:
                    load.errors += 1
                    load.first_error = load.first_error or f"{status} {answer[:300]!r}"
                if done >= end:
                    return
        finally:
            writer.close()

    await asyncio.gather(*(client(i) for i in range(clients)))
    load.started, load.ended = measure_from, end
    return load


def single_figures(load: Load, seconds: float) -> dict[str, Any]:
    if not load.latencies:
        raise RuntimeError(f"no request completed; first error: {load.first_error}")
    figures = latency(load.latencies)
    return {
        **figures,
        "requests_per_s": round(len(load.latencies) / seconds, 1),
        "matched": load.matched,
        "errors": load.errors,
        "first_error": load.first_error,
    }


async def bulk_load(
    port: int, token: str, residents: int, persons: int, chunk: int, clients: int, seed: int
) -> dict[str, Any]:
    """``persons`` codes in requests of ``chunk`` over ``clients`` connections; persons/s."""
    rng = random.Random(seed + 7)
    bodies: list[bytes] = []
    for start in range(0, persons, chunk):
        items = []
        for n in range(start, min(start + chunk, persons)):
            missing = n % MISSING_EVERY == MISSING_EVERY - 1
            i = residents + n if missing else rng.randrange(residents)
            items.append({"resident_code": code(i), "ref": str(n)})
        bodies.append(json.dumps({"purpose": PURPOSE, "items": items}).encode())
    queue = list(reversed(bodies))
    seconds_each: list[float] = []
    matched = answered = errors = 0
    first_error = ""

    async def client() -> None:
        nonlocal matched, answered, errors, first_error
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while queue:
                body = queue.pop()
                sent = time.perf_counter()
                writer.write(post_bytes(port, "/v1/verify/bulk", body, token))
                status, answer = await read_response(reader)
                seconds_each.append(time.perf_counter() - sent)
                if status != 200:
                    errors += 1
                    first_error = first_error or f"{status} {answer[:300]!r}"
                    continue
                document = json.loads(answer)
                matched += document["matched"]
                answered += document["count"]
        finally:
            writer.close()

    watch = Stopwatch()
    await asyncio.gather(*(client() for _ in range(clients)))
    seconds = watch.elapsed
    if errors or answered != persons:
        raise RuntimeError(f"bulk: {answered} of {persons} answered; first error: {first_error}")
    expected = persons - persons // MISSING_EVERY
    if matched != expected:
        raise RuntimeError(f"bulk: {matched} matched, expected {expected}")
    per_request = latency(seconds_each)
    return {
        "persons": persons,
        "chunk": chunk,
        "requests": len(bodies),
        "clients": clients,
        "matched": matched,
        "seconds": round(seconds, 3),
        "persons_per_s": round(persons / seconds, 1),
        "request_p50_ms": per_request["p50_ms"],
        "request_max_ms": per_request["max_ms"],
    }


# ---------------------------------------------------------------------------
# pgbench
# ---------------------------------------------------------------------------


def pgbench(
    options: Options, database: str, residents: int, clients: int, seconds: int
) -> dict[str, Any]:
    binary = shutil.which("pgbench") or "/usr/bin/pgbench"
    if not Path(binary).exists():
        return {"skipped": "pgbench not found"}
    url = make_url(Postgres(options.admin_url).admin_url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    with tempfile.TemporaryDirectory(prefix="jichi-bench-") as folder:
        script = Path(folder) / "select_identity.sql"
        script.write_text(PGBENCH_SCRIPT.format(last=residents - 1), encoding="utf-8")
        command = [
            binary, "-n", "-f", str(script), "-c", str(clients), "-j", "2",
            "-T", str(seconds), "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432),
            "-U", url.username or "postgres", database,
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"pgbench failed: {done.stderr.strip()[-500:]}")
    tps = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", done.stdout)
    lat = re.search(r"latency average = ([0-9.]+) ms", done.stdout)
    transactions = re.search(r"number of transactions actually processed: (\d+)", done.stdout)
    if tps is None:
        raise RuntimeError(f"pgbench: no tps in its output: {done.stdout[-500:]}")
    return {
        "what": f"pgbench -n -c {clients} -j 2 -T {seconds}: one SELECT * of center_identity "
        "by resident code per transaction (simple protocol)",
        "clients": clients,
        "seconds": seconds,
        "transactions": int(transactions.group(1)) if transactions else None,
        "tps": round(float(tps.group(1)), 1),
        "latency_average_ms": float(lat.group(1)) if lat else None,
    }


# ---------------------------------------------------------------------------
# The whole center run
# ---------------------------------------------------------------------------


def run(options: Options, server: Postgres) -> dict[str, Any]:
    residents = options.center_residents
    name, engine = server.migrated()
    url = server.url(name)
    result: dict[str, Any] = {"residents": residents, "clients": options.clients}
    try:
        result["population"] = fill(server.conninfo(name), residents, options.seed)
        console.log(
            f"center: {residents:,} identities in {result['population']['seconds']:.1f} s (COPY)"
        )
        token = agency_token(engine)
        seconds_each = options.http_seconds / ROUNDS
        with tempfile.TemporaryDirectory(prefix="jichi-bench-") as folder:
            loads: dict[str, list[Load]] = {"jichi": [], "bare": []}
            with (
                served("jichi_center", url, "jichi", Path(folder)) as jichi_server,
                served("bare", url, "bare", Path(folder)) as bare_server,
            ):
                for round_ in range(ROUNDS):
                    order = ("bare", "jichi") if round_ % 2 == 0 else ("jichi", "bare")
                    for side in order:
                        port = jichi_server.port if side == "jichi" else bare_server.port
                        console.log(
                            f"center: /v1/verify, {side}, {options.clients} clients, "
                            f"{seconds_each:.1f} s (round {round_ + 1} of {ROUNDS})"
                        )
                        loads[side].append(
                            asyncio.run(
                                single_load(
                                    port,
                                    token if side == "jichi" else None,
                                    residents,
                                    options.clients,
                                    seconds_each,
                                    options.seed + round_,
                                )
                            )
                        )
                bulk_chunk = min(options.bulk_chunk, MAX_BULK)
                console.log(
                    f"center: /v1/verify/bulk, {options.bulk_persons:,} persons "
                    f"in chunks of {bulk_chunk:,}"
                )
                result["bulk"] = asyncio.run(
                    bulk_load(
                        jichi_server.port,
                        token,
                        residents,
                        options.bulk_persons,
                        bulk_chunk,
                        options.bulk_clients,
                        options.seed,
                    )
                )
        for side in ("jichi", "bare"):
            merged = Load()
            for load in loads[side]:
                merged.latencies += load.latencies
                merged.errors += load.errors
                merged.matched += load.matched
                merged.first_error = merged.first_error or load.first_error
            result[side] = single_figures(merged, options.http_seconds)
        if result["jichi"]["errors"] or result["bare"]["errors"]:
            raise RuntimeError(
                "errors under load: "
                f"jichi {result['jichi']['first_error']} bare {result['bare']['first_error']}"
            )
        result["jichi"]["what"] = (
            "jichi center app (create_center_app) under uvicorn: bearer-token agency auth, "
            "purpose check, SELECT by resident code, provision log INSERT, one transaction"
        )
        result["bare"]["what"] = (
            "FastAPI + asyncpg under uvicorn: SELECT * by resident code, no auth, no log"
        )
        pg_seconds = max(1, round(options.http_seconds))
        console.log(f"center: pgbench select-only, -c {options.clients} -j 2 -T {pg_seconds}")
        result["pgbench"] = pgbench(options, name, residents, options.clients, pg_seconds)
        with engine.connect() as conn:
            result["provision_rows_logged"] = conn.execute(
                sa.text("SELECT count(*) FROM center_provision")
            ).scalar_one()
        jichi_rps = result["jichi"]["requests_per_s"]
        bare_rps = result["bare"]["requests_per_s"]
        share = jichi_rps / bare_rps if bare_rps else 0.0
        result["single"] = {
            "ratio_vs_bare": ratio(1 / jichi_rps, 1 / bare_rps),  # cost per request
            "share_of_bare": round(share, 3),
            "ratio_p50_vs_bare": ratio(result["jichi"]["p50_ms"], result["bare"]["p50_ms"]),
            "ratio_p99_vs_bare": ratio(result["jichi"]["p99_ms"], result["bare"]["p99_ms"]),
            "target": {
                "what": "jichi ≥ 80 % of the bare endpoint's requests/s",
                "met": share >= 0.8,
            },
        }
        tps = result["pgbench"].get("tps")
        if tps:
            result["single"]["ratio_vs_pgbench"] = ratio(1 / jichi_rps, 1 / tps)
            persons_per_s = result["bulk"]["persons_per_s"]
            result["bulk"]["ratio_vs_pgbench"] = ratio(1 / persons_per_s, 1 / tps)
            result["bulk"]["target"] = {
                "what": "bulk persons/s ≥ pgbench select-only rows/s",
                "met": persons_per_s >= tps,
            }
        else:
            result["bulk"]["target"] = {"what": "pgbench unavailable", "met": False}
    finally:
        engine.dispose()
        server.drop(name)
    console.log(
        f"center: jichi {result['jichi']['requests_per_s']:,.0f} req/s, "
        f"bare {result['bare']['requests_per_s']:,.0f} req/s, "
        f"bulk {result['bulk']['persons_per_s']:,.0f} persons/s"
    )
    return result
