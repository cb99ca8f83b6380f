"""``python -m bench network``: moves across municipality nodes, and the center under load.

**Moves** (:func:`moves`): ``--nodes`` municipality nodes (default 10), each a
:class:`jichi.network.node.Node` on its **own PostgreSQL database**, all in this process
over one :class:`~jichi.network.transport.InProcessTransport` (``--nats``: also over
NATS JetStream), each with ``--node-residents`` people filed beforehand (households of
1–4, moved in from abroad; not timed).  Timed: ``--moves`` household moves, the paper
move end to end — at the origin the 転出届 (``move_out``) and the records read for the
転出証明書 (the PDF itself is left out: ``python -m bench certificates`` measures it);
at the destination the 転入 from the certificate (``move_in_from_certificate``); then
the nodes' own background loops (``Node.start``: relay + subscription) carry the
転入通知 and the origin applies the 転出確定 — until quiescent (every mover confirmed
at the origin, every outbox sent).  Moves go round-robin between all pairs of nodes.

Two baselines on the same server, same databases, after the jichi run:

* ``registry`` — the same moves through the registry with no network: ``move_out``,
  the records read, ``move_in_from_certificate`` and one ``confirm_move_out`` per person
  applied directly (other households of the same nodes), so the ratio is the cost of
  the relay, transport, inbox and the notice's person lookup;
* ``plain SQL`` — per move the same number of transactions jichi commits for the
  registry's part (1 at the origin, 1 at the destination, 1 per person at the origin),
  each a single-row INSERT + single-row UPDATE through psycopg.

**Center** (:mod:`bench.network_center`): single verification against a bare
FastAPI + asyncpg endpoint and pgbench, and the bulk path.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import psycopg
import sqlalchemy as sa

from bench import network_center
from bench.common import (
    Options,
    Postgres,
    Row,
    Stopwatch,
    cipher,
    console,
    met,
    progress,
    ratio,
)
from bench.synthetic import Population
from jichi.kernel.errors import JichiError
from jichi.network.flows.paper import move_in_from_certificate
from jichi.network.node import Node
from jichi.network.transport import InProcessTransport, NatsTransport, Transport
from jichi.registry import commands as c
from jichi.registry.model import Address
from jichi.security.actor import Actor
from jichi.security.crypto import FieldCipher

# Real municipalities (valid check digits): prefecture, municipality, town.
MUNICIPALITIES: dict[str, tuple[str, str, str]] = {
    "131016": ("東京都", "千代田区", "千代田"),
    "112011": ("埼玉県", "川越市", "大字的場"),
    "271004": ("大阪府", "大阪市", "中之島"),
    "011002": ("北海道", "札幌市", "北一条西"),
    "041009": ("宮城県", "仙台市", "国分町"),
    "141003": ("神奈川県", "横浜市", "高島"),
    "231002": ("愛知県", "名古屋市", "栄"),
    "261009": ("京都府", "京都市", "河原町"),
    "281000": ("兵庫県", "神戸市", "三宮町"),
    "341002": ("広島県", "広島市", "紙屋町"),
    "401005": ("福岡県", "北九州市", "小倉"),
    "401307": ("福岡県", "福岡市", "天神"),
    "431001": ("熊本県", "熊本市", "花畑町"),
    "151009": ("新潟県", "新潟市", "古町通"),
    "221309": ("静岡県", "浜松市", "鍛冶町"),
}
ABROAD = {"prefecture": "", "municipality": "", "town": "アメリカ合衆国", "abroad": True}
NOW = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # 10:00 JST on a Friday: the nodes' clock
TODAY = date(2026, 11, 20)
SETTLED_ON = "2026-10-01"  # when the residents moved in from abroad
HOUSEHOLD = 4
IDLE = 0.05  # the nodes' background loops poll this often when idle (production: 0.2)
DRAIN_TIMEOUT = 120.0


def address(lg_code: str, block: str) -> dict[str, Any]:
    prefecture, municipality, town = MUNICIPALITIES[lg_code]
    return {
        "prefecture": prefecture,
        "municipality": municipality,
        "town": town,
        "block": block,
        "lg_code": lg_code,
    }


def _clock() -> datetime:
    return NOW


@dataclass
class Household:
    lg_code: str
    person_ids: list[str]


@dataclass
class Move:
    origin: str
    destination: str
    person_ids: list[str]
    block: str


@dataclass
class World:
    """The nodes' databases and the households each set of moves may use."""

    engines: dict[str, sa.Engine]
    conninfos: dict[str, str]
    sets: dict[str, dict[str, list[Household]]]  # set name → lg code → households
    persons: int = 0
    refused: int = 0
    clerks: dict[str, Actor] = field(default_factory=dict)


def setup(options: Options, server: Postgres, set_names: list[str]) -> World:
    """One migrated database per node; the residents filed through the registry."""
    codes = list(MUNICIPALITIES)[: options.nodes]
    engines: dict[str, sa.Engine] = {}
    conninfos: dict[str, str] = {}
    for lg_code in codes:
        name, engine = server.migrated()
        engines[lg_code] = engine
        conninfos[lg_code] = server.conninfo(name)
    world = World(engines, conninfos, {s: {lg: [] for lg in codes} for s in set_names})
    field_cipher = cipher()
    with progress() as bar:
        task = bar.add_task("nodes: residents", total=options.node_residents * len(codes))
        for k, lg_code in enumerate(codes):
            node = _node(world, lg_code, InProcessTransport(), field_cipher)
            clerk = world.clerks.setdefault(
                lg_code, Actor(f"bench-clerk-{lg_code}", lg_code, "clerk")
            )
            population = Population(
                options.seed + k, serial_offset=(k + 1) * 10_000_000, today=TODAY
            )
            for index, members in enumerate(population.people(options.node_residents, HOUSEHOLD)):
                command = {
                    "kind": "move_in",
                    "effective_date": SETTLED_ON,
                    "notified_date": SETTLED_ON,
                    "address": address(lg_code, members[0].block),
                    "previous_address": ABROAD,
                    "persons": [p.new_person() for p in members],
                }
                try:
                    applied = node.registry.apply(node.registry.parse(command), clerk)
                except JichiError:  # e.g. a baby born after SETTLED_ON
                    world.refused += 1
                    continue
                finally:
                    bar.advance(task, len(members))
                target = set_names[index % len(set_names)]
                world.sets[target][lg_code].append(Household(lg_code, list(applied.person_ids)))
                world.persons += len(applied.person_ids)
    return world


def _node(world: World, lg_code: str, transport: Transport, field_cipher: FieldCipher) -> Node:
    return Node(world.engines[lg_code], lg_code, transport, cipher=field_cipher, clock=_clock)


def plan(world: World, set_name: str, count: int) -> list[Move]:
    """``count`` moves round-robin over the origins, each to a different destination."""
    codes = list(world.engines)
    left = {lg: list(reversed(households)) for lg, households in world.sets[set_name].items()}
    moves: list[Move] = []
    j = 0
    while len(moves) < count and any(left.values()):
        origin = codes[j % len(codes)]
        destination = codes[
            (j % len(codes) + 1 + (j // len(codes)) % (len(codes) - 1)) % len(codes)
        ]
        j += 1
        if not left[origin]:
            continue
        household = left[origin].pop()
        moves.append(
            Move(
                origin, destination, household.person_ids, f"{j % 30 + 1}-{j % 40 + 1}-{j % 20 + 1}"
            )
        )
    return moves


def paper_move(nodes: dict[str, Node], world: World, move: Move) -> None:
    """The clerks' part: 転出届 and the certificate's records at the origin, 転入 at the other."""
    origin, destination = nodes[move.origin], nodes[move.destination]
    clerk = world.clerks[move.origin]
    origin.registry.apply(
        origin.registry.parse(
            {
                "kind": "move_out",
                "person_ids": move.person_ids,
                "planned_date": TODAY.isoformat(),
                "destination": address(move.destination, move.block),
            }
        ),
        clerk,
    )
    subjects = [origin.registry.read_record(pid, clerk) for pid in move.person_ids]
    destination.registry.apply(
        move_in_from_certificate(
            subjects,
            address=Address.model_validate(address(move.destination, move.block)),
            effective_date=TODAY,
        ),
        world.clerks[move.destination],
    )


def _state(world: World) -> tuple[int, int]:
    """(confirmed move-outs, unsent outbox rows) over every node."""
    confirmed = unsent = 0
    for engine in world.engines.values():
        with engine.connect() as conn:
            row = conn.execute(
                sa.text(
                    "SELECT (SELECT count(*) FROM registry_event"
                    "        WHERE reason = 'move_out_confirmed'),"
                    "       (SELECT count(*) FROM outbox WHERE sent_at IS NULL)"
                )
            ).one()
        confirmed += int(row[0])
        unsent += int(row[1])
    return confirmed, unsent


async def _network_moves(
    world: World, moves: list[Move], transport: Transport, label: str
) -> dict[str, Any]:
    field_cipher = cipher()
    nodes = {lg: _node(world, lg, transport, field_cipher) for lg in world.engines}
    for node in nodes.values():  # what was filed before the run goes out first
        await node.send()
    confirmed_before, _ = _state(world)
    published_before = sum(node.relay.published for node in nodes.values())
    persons = sum(len(m.person_ids) for m in moves)
    for node in nodes.values():
        await node.start(idle=IDLE)
    watch = Stopwatch()
    try:
        with progress() as bar:
            task = bar.add_task(f"moves ({label})", total=len(moves))
            for move in moves:
                paper_move(nodes, world, move)
                bar.advance(task)
                await asyncio.sleep(0)  # let the relays and subscriptions run in between
        clerk_seconds = watch.elapsed
        while True:
            confirmed, unsent = _state(world)
            if confirmed - confirmed_before >= persons and unsent == 0:
                break
            if watch.elapsed > clerk_seconds + DRAIN_TIMEOUT:
                raise RuntimeError(
                    f"moves ({label}): {confirmed - confirmed_before} of {persons} confirmed, "
                    f"{unsent} unsent after {DRAIN_TIMEOUT:.0f} s; tasks: "
                    f"{[t for n in nodes.values() for t in n.tasks()][:5]}"
                )
            await asyncio.sleep(0.02)
        seconds = watch.elapsed
    finally:
        for node in nodes.values():
            await node.stop()
    tasks = sum(len(node.tasks()) for node in nodes.values())
    if tasks:
        raise RuntimeError(f"moves ({label}): {tasks} node tasks opened")
    published = sum(node.relay.published for node in nodes.values()) - published_before
    return {
        "what": f"paper move end to end over {label}: move_out, records read, move_in from the "
        "certificate, relay → 転入通知 → inbox → confirm_move_out, until quiescent",
        "moves": len(moves),
        "persons": persons,
        "seconds": round(seconds, 3),
        "clerk_seconds": round(clerk_seconds, 3),
        "drain_seconds": round(seconds - clerk_seconds, 3),
        "moves_per_s": round(len(moves) / seconds, 2),
        "persons_per_s": round(persons / seconds, 2),
        "messages_published": published,
    }


def _registry_moves(world: World, moves: list[Move]) -> dict[str, Any]:
    """The same registry work with no network: confirm_move_out applied directly."""
    field_cipher = cipher()
    transport = InProcessTransport()  # never sent: the nodes only lend their registries
    nodes = {lg: _node(world, lg, transport, field_cipher) for lg in world.engines}
    persons = sum(len(m.person_ids) for m in moves)
    watch = Stopwatch()
    with progress() as bar:
        task = bar.add_task("moves (registry, no network)", total=len(moves))
        for move in moves:
            paper_move(nodes, world, move)
            origin = nodes[move.origin]
            for pid in move.person_ids:
                origin.registry.apply(
                    c.ConfirmMoveOut(
                        person_ids=[pid],
                        moved_on=TODAY,
                        new_address=Address.model_validate(address(move.destination, move.block)),
                        note="bench: confirmed without the network",
                    ),
                    origin.system,
                )
            bar.advance(task)
    seconds = watch.elapsed
    return {
        "what": "the same registry commands applied directly (move_out, records read, "
        "move_in from the certificate, one confirm_move_out per person): no relay, "
        "transport or inbox",
        "moves": len(moves),
        "persons": persons,
        "seconds": round(seconds, 3),
        "moves_per_s": round(len(moves) / seconds, 2),
        "persons_per_s": round(persons / seconds, 2),
    }


PLAIN_TABLES = """
CREATE TABLE IF NOT EXISTS bench_person (
    person_id text PRIMARY KEY, lg_code text NOT NULL, status text NOT NULL,
    version integer NOT NULL, updated_at timestamptz NOT NULL);
CREATE TABLE IF NOT EXISTS bench_event (
    seq bigserial PRIMARY KEY, person_id text NOT NULL, kind text NOT NULL,
    recorded_at timestamptz NOT NULL)
"""


def _plain_moves(world: World, moves: list[Move]) -> dict[str, Any]:
    """Per move: 2 + persons transactions, each one single-row INSERT + UPDATE."""
    connections = {lg: psycopg.connect(info) for lg, info in world.conninfos.items()}
    try:
        people: dict[str, list[str]] = {}
        for conn in connections.values():
            conn.execute(PLAIN_TABLES)
            conn.commit()
        for index, move in enumerate(moves):  # each mover's row at origin and destination
            ids = [f"plain-{index}-{n}" for n in range(len(move.person_ids))]
            people[str(index)] = ids
            for lg in (move.origin, move.destination):
                with connections[lg].cursor() as cur:
                    cur.executemany(
                        "INSERT INTO bench_person VALUES (%s, %s, 'none', 1, now())",
                        [(pid, lg) for pid in ids],
                    )
                connections[lg].commit()

        def step(lg: str, person_id: str, kind: str, status: str) -> None:
            conn = connections[lg]
            with conn.transaction():
                conn.execute(
                    "INSERT INTO bench_event (person_id, kind, recorded_at) VALUES (%s, %s, now())",
                    (person_id, kind),
                )
                conn.execute(
                    "UPDATE bench_person SET status = %s, version = version + 1, updated_at = now()"
                    " WHERE person_id = %s",
                    (status, person_id),
                )

        for conn in connections.values():
            conn.autocommit = True  # conn.transaction() then is one BEGIN … COMMIT
        transactions = 0
        watch = Stopwatch()
        for index, move in enumerate(moves):
            ids = people[str(index)]
            step(move.origin, ids[0], "move_out", "leaving")
            step(move.destination, ids[0], "move_in", "active")
            transactions += 2
            for pid in ids:
                step(move.origin, pid, "move_out_confirmed", "removed")
                transactions += 1
        seconds = watch.elapsed
    finally:
        for conn in connections.values():
            conn.close()
    return {
        "what": "per move, the transactions jichi commits for the registry's part (1 at the "
        "origin, 1 at the destination, 1 per person at the origin), each a single-row "
        "INSERT + single-row UPDATE through psycopg on the same node databases",
        "moves": len(moves),
        "transactions": transactions,
        "seconds": round(seconds, 3),
        "moves_per_s": round(len(moves) / seconds, 2),
        "transactions_per_s": round(transactions / seconds, 1),
    }


def moves(options: Options, server: Postgres) -> dict[str, Any]:
    transports = ["inprocess", *(["nats"] if options.nats else [])]
    world = setup(options, server, [*transports, "registry"])
    result: dict[str, Any] = {
        "nodes": options.nodes,
        "residents_per_node": options.node_residents,
        "residents_filed": world.persons,
        "households_refused_at_setup": world.refused,
        "each_node_its_own_database": True,
        "idle_poll_s": IDLE,
    }
    try:
        count = options.moves
        for name in transports:
            planned = plan(world, name, count)
            if len(planned) < count:
                console.log(f"moves: only {len(planned)} households available for {name}")
            if name == "nats":
                stream = f"JBENCH{uuid.uuid4().hex[:8].upper()}"
                transport: Transport = NatsTransport(stream=stream, root=stream.lower())
            else:
                transport = InProcessTransport()
            result[name] = asyncio.run(_moves_over(world, planned, transport, name))
            console.log(f"moves over {name}: {result[name]['moves_per_s']:,.1f} moves/s")
        direct = plan(world, "registry", len(planned))
        result["registry"] = _registry_moves(world, direct)
        result["plain_sql"] = _plain_moves(world, planned)
        base = result["plain_sql"]
        for name in transports:
            r = result[name]
            r["ratio_vs_plain_sql"] = ratio(
                r["seconds"] / r["moves"], base["seconds"] / base["moves"]
            )
            reg = result["registry"]
            r["ratio_vs_registry"] = ratio(
                r["seconds"] / r["persons"], reg["seconds"] / reg["persons"]
            )
        result["registry"]["ratio_vs_plain_sql"] = ratio(
            result["registry"]["seconds"] / result["registry"]["moves"],
            base["seconds"] / base["moves"],
        )
    finally:
        for engine in world.engines.values():
            engine.dispose()
    return result


async def _moves_over(
    world: World, moves: list[Move], transport: Transport, label: str
) -> dict[str, Any]:
    """The timed run; a NATS stream is dropped afterwards on the same event loop."""
    try:
        return await _network_moves(world, moves, transport, label)
    finally:
        if isinstance(transport, NatsTransport):
            await _drop_stream(transport)


async def _drop_stream(transport: NatsTransport) -> None:
    try:
        await transport.delete_stream()
    finally:
        await transport.close()


def run(options: Options, server: Postgres) -> dict[str, Any]:
    return {"moves": moves(options, server), "center": network_center.run(options, server)}


def rows(result: dict[str, Any]) -> list[Row]:
    shown: list[Row] = []
    m = result["moves"]
    base = m["plain_sql"]
    for name in ("inprocess", "nats"):
        if name not in m:
            continue
        r = m[name]
        shown += [
            (
                f"moves, {m['nodes']} nodes ({name})",
                "moves/s (vs plain SQL)",
                f"{r['moves_per_s']:,.1f}",
                f"{base['moves_per_s']:,.1f}",
                f"{r['ratio_vs_plain_sql']:.2f}×",
                "",
            ),
            (
                "",
                "persons/s (vs registry, no network)",
                f"{r['persons_per_s']:,.1f}",
                f"{m['registry']['persons_per_s']:,.1f}",
                f"{r['ratio_vs_registry']:.2f}×",
                "",
            ),
        ]
    center = result["center"]
    j, b, s = center["jichi"], center["bare"], center["single"]
    pg = center["pgbench"]
    label = f"center /v1/verify ({center['residents']:,} rows, {center['clients']} clients)"
    shown += [
        (
            label,
            "requests/s (vs bare)",
            f"{j['requests_per_s']:,.0f}",
            f"{b['requests_per_s']:,.0f}",
            f"{s['ratio_vs_bare']:.2f}×",
            f"≥ 80 % of bare: {s['share_of_bare'] * 100:.0f} % {met(s['target']['met'])}",
        ),
        (
            "",
            "p50 latency",
            f"{j['p50_ms']:.1f} ms",
            f"{b['p50_ms']:.1f} ms",
            f"{s['ratio_p50_vs_bare']:.2f}×",
            "",
        ),
        (
            "",
            "p99 latency",
            f"{j['p99_ms']:.1f} ms",
            f"{b['p99_ms']:.1f} ms",
            f"{s['ratio_p99_vs_bare']:.2f}×",
            "",
        ),
    ]
    if "tps" in pg:
        shown.append(
            (
                "",
                "requests/s (vs pgbench -S)",
                f"{j['requests_per_s']:,.0f}",
                f"{pg['tps']:,.0f}",
                f"{s['ratio_vs_pgbench']:.2f}×",
                "",
            )
        )
    bulk = center["bulk"]
    shown.append(
        (
            f"center /v1/verify/bulk ({bulk['persons']:,} in {bulk['chunk']:,}s)",
            "persons/s (vs pgbench rows/s)",
            f"{bulk['persons_per_s']:,.0f}",
            f"{pg['tps']:,.0f}" if "tps" in pg else "—",
            f"{bulk['ratio_vs_pgbench']:.2f}×" if "ratio_vs_pgbench" in bulk else "—",
            f"≥ pgbench: {met(bulk['target']['met'])}",
        )
    )
    return shown
