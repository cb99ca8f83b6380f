"""``python -m bench notifications``: 転入届 through ``Registry.apply`` vs plain INSERTs.

Each notification is the move-in of a household of 1–4 people (one in three with an
individual number, so encryption and the uniqueness check run), parsed from a request
body and applied with :meth:`jichi.registry.service.Registry.apply` — one transaction
that writes the events, the projections, the household, the notification, the outbox and
one hash-chained audit entry per person.

Baseline: for the same household, the equivalent ``resident`` rows (built beforehand,
number already hashed and encrypted) inserted in one transaction through SQLAlchemy Core
on the same database.  The two alternate, one of each at a time, so that both see the
same database size, cache and checkpoint weather.  On PostgreSQL and on SQLite, each on
a fresh database.
"""

from __future__ import annotations

import random
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.common import (
    LG,
    Options,
    Postgres,
    Row,
    cipher,
    console,
    latency,
    progress,
    ratio,
    sqlite_engine,
)
from bench.synthetic import Person, Population, move_in
from jichi.registry import repository as repo
from jichi.registry.model import ResidentRecord
from jichi.registry.service import JST, NUMBER_CONTEXT, Registry
from jichi.registry.tables import resident
from jichi.security.actor import Actor
from jichi.security.crypto import FieldCipher

MAX_HOUSEHOLD = 4
BASELINE_SERIALS = 500_000_000  # the baseline's resident codes and numbers start here


def _warmup(count: int) -> int:
    return min(20, max(2, count // 20))


def baseline_rows(
    members: list[Person], command: dict[str, Any], field_cipher: FieldCipher
) -> list[dict[str, Any]]:
    """The resident rows a move-in of ``members`` ends in, built outside the timing."""
    now = datetime.now(UTC)
    household_id = str(uuid.uuid4())
    effective = command["effective_date"]
    rows = []
    for person in members:
        data = person.new_person()
        number = data.pop("individual_number")
        data.pop("resident_code")
        record = ResidentRecord.model_validate(
            {
                **data,
                "person_id": str(uuid.uuid4()),
                "lg_code": LG,
                "household_id": household_id,
                "resident_since": effective,
                "address": command["address"],
                "address_since": effective,
                "moved_in_on": now.astimezone(JST).date().isoformat(),
                "previous_address": command["previous_address"],
                "resident_code": person.resident_code,
                "has_individual_number": bool(number),
            }
        )
        rows.append(
            repo.resident_row(
                record,
                number_hash=field_cipher.lookup_hash(number, context=NUMBER_CONTEXT)
                if number
                else None,
                number_enc=field_cipher.encrypt(number, context=NUMBER_CONTEXT) if number else None,
                restricted=False,
                version=1,
                now=now,
            )
        )
    return rows


def measure(engine: sa.Engine, options: Options, backend: str) -> dict[str, Any]:
    field_cipher = cipher()
    registry = Registry(engine, LG, field_cipher)
    actor = Actor("bench-clerk", LG, "clerk")
    today: date = datetime.now(JST).date()
    warm = _warmup(options.count)
    total = warm + options.count
    # The same households on both sides; only the resident codes and numbers differ.
    mine = Population(options.seed, today=today)
    theirs = Population(options.seed, serial_offset=BASELINE_SERIALS, today=today)
    rng = random.Random(options.seed + 2)
    commands: list[dict[str, Any]] = []
    inserts: list[list[dict[str, Any]]] = []
    persons = 0
    for _ in range(total):
        members = mine.household(MAX_HOUSEHOLD)
        others = theirs.household(MAX_HOUSEHOLD)
        command = move_in(members, today, rng)
        commands.append(command)
        inserts.append(baseline_rows(others, command, field_cipher))
        persons += len(members)
    jichi_times: list[float] = []
    base_times: list[float] = []
    jichi_persons = base_persons = 0
    with progress() as bar:
        task = bar.add_task(f"notifications ({backend})", total=total)
        for index in range(total):
            for side in ("jichi", "baseline") if index % 2 else ("baseline", "jichi"):
                started = time.perf_counter()
                if side == "jichi":
                    applied = registry.apply(registry.parse(commands[index]), actor)
                    jichi_persons += len(applied.person_ids)
                else:
                    with engine.begin() as conn:
                        conn.execute(resident.insert(), inserts[index])
                    base_persons += len(inserts[index])
                elapsed = time.perf_counter() - started
                if index >= warm:
                    (jichi_times if side == "jichi" else base_times).append(elapsed)
            bar.advance(task)
    with engine.connect() as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(resident)).scalar_one()
    if stored != jichi_persons + base_persons or jichi_persons != persons:
        raise RuntimeError(f"{backend}: {stored} resident rows, expected {persons} on each side")
    jichi_figures = latency(jichi_times)
    base_figures = latency(base_times)
    timed_persons = sum(len(c["persons"]) for c in commands[warm:])
    return {
        "notifications": options.count,
        "warmup": warm,
        "persons": timed_persons,
        "jichi": {"what": "Registry.apply(parse(move_in))", **jichi_figures},
        "baseline": {
            "what": "INSERT of the same resident rows, one transaction, SQLAlchemy Core",
            **base_figures,
        },
        "ratio": ratio(jichi_figures["mean_ms"], base_figures["mean_ms"]),
        "ratio_p50": ratio(jichi_figures["p50_ms"], base_figures["p50_ms"]),
        "ratio_p99": ratio(jichi_figures["p99_ms"], base_figures["p99_ms"]),
    }


def run(options: Options, server: Postgres) -> dict[str, Any]:
    result: dict[str, Any] = {"count": options.count, "household_size": f"1–{MAX_HOUSEHOLD}"}
    name, engine = server.migrated()
    try:
        result["postgresql"] = measure(engine, options, "postgresql")
    finally:
        engine.dispose()
        server.drop(name)
    console.log(f"notifications on PostgreSQL: {result['postgresql']['jichi']['per_s']:,.1f}/s")
    if options.sqlite:
        with tempfile.TemporaryDirectory(prefix="jichi-bench-") as folder:
            engine = sqlite_engine(Path(folder) / "bench.db")
            try:
                result["sqlite"] = measure(engine, options, "sqlite")
            finally:
                engine.dispose()
        console.log(f"notifications on SQLite: {result['sqlite']['jichi']['per_s']:,.1f}/s")
    return result


def rows(result: dict[str, Any]) -> list[Row]:
    shown: list[Row] = []
    for backend in ("postgresql", "sqlite"):
        if backend not in result:
            continue
        r = result[backend]
        j, b = r["jichi"], r["baseline"]
        label = f"notifications ({r['notifications']:,}, {backend})"
        shown += [
            (
                label,
                "notifications/s",
                f"{j['per_s']:,.1f}",
                f"{b['per_s']:,.1f}",
                f"{r['ratio']:.2f}×",
                "",
            ),
            (
                "",
                "p50 latency",
                f"{j['p50_ms']:.2f} ms",
                f"{b['p50_ms']:.2f} ms",
                f"{r['ratio_p50']:.2f}×",
                "",
            ),
            (
                "",
                "p99 latency",
                f"{j['p99_ms']:.2f} ms",
                f"{b['p99_ms']:.2f} ms",
                f"{r['ratio_p99']:.2f}×",
                "",
            ),
        ]
    return shown
