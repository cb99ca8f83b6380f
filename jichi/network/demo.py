"""``jichi network demo``: a small 住基ネット — a center and N municipality nodes — at work.

:class:`NetworkDemo` builds the world (municipalities picked from the official list, a
center database and one database per node, each migrated; demo residents per node
with 住民票コード from the center's allocation), then acts as every municipality's
counter: M moves between random nodes, filed with ``Registry.apply`` at each node's
database exactly as a clerk's would be —

* paper moves: 転出 → 転出証明書 (``jichi.registry.certificates.issue``) → 転入 from the
  certificate → the 転入通知 → 転出確定 at the old municipality;
* card moves (転入届の特例): a card 転出, then a card move-in that stays pending until
  the old municipality answers the move-out-data request;
* moves abroad (国外転出) and back (国外からの転入, same 住民票コード);
* births and deaths.

Two ways to run the network underneath:

* ``inproc``: one process, an :class:`InProcessTransport`; after each move the driver
  lets every node send and receive and the center drain, in turns;
* ``nats``: the center (``jichi center receive``) and every node (``jichi network
  node``) run as separate processes on the NATS server at ``JICHI_NATS_URL``, on a
  stream of their own; the driver only files at the counters, then waits for
  quiescence (every outbox sent, every consumer drained) and stops them.

Either way it ends with :mod:`jichi.network.reconcile`.  The simulated counters' clock
starts some days back and moves on a day at a time, so moves have distinct dates
(in process; with separate processes it is the real clock, and nobody moves twice).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import random
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.kernel.age import age_on
from jichi.kernel.clock import now as clock_now
from jichi.kernel.clock import today as clock_today
from jichi.kernel.errors import JichiError
from jichi.network.center.codes import allocate_codes
from jichi.network.center.receiver import CenterReceiver
from jichi.network.demo_processes import DemoProcesses
from jichi.network.demo_setup import FilingJob, file_all
from jichi.network.flows.card_move import CardMoveIn, file_card_move_out, request_card_move_in
from jichi.network.flows.paper import move_in_from_certificate
from jichi.network.node import Node
from jichi.network.reconcile import Report, load_center, load_node, reconcile
from jichi.network.tables import inbox
from jichi.network.transport import (
    InProcessTransport,
    NatsTransport,
    Transport,
)
from jichi.places.catalog import default_catalog
from jichi.places.model import Kind
from jichi.registry import commands as c
from jichi.registry import repository as repo
from jichi.registry.certificates import (
    CertificateKind,
    CertificateRequest,
    issue,
    municipality_settings,
)
from jichi.registry.certificates.issue import to_pdf
from jichi.registry.demo import towns_of
from jichi.registry.model import Address, ResidentRecord
from jichi.registry.protection import Protection
from jichi.registry.restrictions import Requester, RequesterType
from jichi.registry.service import JST
from jichi.registry.tables import outbox, resident
from jichi.security.actor import Actor
from jichi.security.crypto import FieldCipher
from jichi.security.keys import load_keys
from jichi.store import migrate
from jichi.store.engine import make_engine, write_transaction

TransportName = Literal["inproc", "nats"]
MOVE_KINDS = ("paper", "card", "abroad", "back", "birth", "death")
MOVE_WEIGHTS = (35, 30, 8, 7, 10, 10)
HEAD = "世帯主"
COUNTRIES = ("アメリカ合衆国", "大韓民国", "オーストラリア連邦", "ドイツ連邦共和国", "タイ王国")
BABY_NAMES = {
    "male": (("陽翔", "ハルト"), ("蓮", "レン"), ("湊", "ミナト"), ("蒼", "アオイ")),
    "female": (("陽葵", "ヒマリ"), ("凛", "リン"), ("紬", "ツムギ"), ("芽依", "メイ")),
}
CODE_BLOCK = 200
MANIFEST = "manifest.json"


@dataclass
class DemoOptions:
    municipalities: int = 3
    residents: int = 30
    moves: int = 30
    transport: TransportName = "inproc"
    directory: Path | None = None
    database_url_template: str | None = None  # "postgresql+psycopg://…/demo_{name}"
    seed: int = 0
    nats_url: str | None = None
    quiet_timeout: float = 60.0
    render_pdf: bool = False  # True: WeasyPrint renders each 転出証明書 (≈0.3 s apiece)


@dataclass
class DemoResult:
    report: Report
    moves: Counter[str]
    rejected: Counter[str]
    seconds_moving: float
    seconds_quiet: float
    messages: int
    applied_center: int
    applied_nodes: int
    directory: Path
    manifest: Path
    seconds_setup: float = 0.0  # databases, demo residents (not in moves per second)

    @property
    def moves_per_second(self) -> float:
        done = sum(self.moves.values())
        seconds = self.seconds_moving + self.seconds_quiet
        return done / seconds if seconds > 0 else 0.0


class Clock:
    """The counters' clock: starts in the past, moved on a day at a time.

    With ``start`` None it is the real clock and never moves on: the separate node
    processes record with the real clock, and a certificate reads the record as known
    at the counter's now, so the counters must not live in the past then.
    """

    def __init__(self, start: datetime | None) -> None:
        self.start = start
        self.now = start

    def __call__(self) -> datetime:
        return self.now or clock_now()

    def advance(self, days: int = 1) -> bool:
        if self.now is None:
            return False
        self.now += timedelta(days=days)
        return True

    def today(self) -> date:
        return self().astimezone(JST).date()


def unrendered_pdf(html: str) -> tuple[bytes, int]:
    """The demo's stand-in for the 転出証明書's PDF: nobody reads it, and rendering it
    (WeasyPrint, about 0.3 s a page here) was 80 % of the counters' time per move — a
    counter cost the certificates benchmark measures, not the network's.  The certificate
    is still numbered, stored and audited; ``--pdf`` renders the real one."""
    digest = hashlib.sha256(html.encode()).hexdigest()
    return f"%PDF-1.7\n% jichi network demo: not rendered ({digest})\n".encode(), 1


Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: the CLI draws its bars from it."""


def _silent(stage: str, done: int, total: int) -> None:
    return None


@dataclass
class _Group:
    """People abroad: their last record, to come back with the same 住民票コード."""

    records: list[ResidentRecord]
    whole_household: bool


@dataclass
class NetworkDemo(DemoProcesses):
    options: DemoOptions
    progress: Progress = _silent
    lg_codes: list[str] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)  # "center" or lg_code → URL
    engines: dict[str, Engine] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    moves: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        o = self.options
        self.rng = random.Random(o.seed)
        self.directory = o.directory or Path(tempfile.mkdtemp(prefix="jichi-network-"))
        self.directory.mkdir(parents=True, exist_ok=True)
        span = min(o.moves, 365) + 1
        today = clock_today()
        start = datetime.combine(today - timedelta(days=span), datetime.min.time(), JST)
        simulated = (start + timedelta(hours=10)).astimezone(UTC)
        self.clock = Clock(simulated if o.transport == "inproc" else None)
        self.per_day = max(1, math.ceil(o.moves / 365))
        self.moved_today: set[str] = set()
        self.abroad: list[_Group] = []
        self.codes: dict[str, list[str]] = {}
        tag = uuid.uuid4().hex[:8]
        self.stream = f"JICHIDEMO{tag.upper()}"
        self.root = f"jdemo{tag}"
        self.transport: Transport = (
            InProcessTransport()
            if o.transport == "inproc"
            else NatsTransport(o.nats_url, stream=self.stream, root=self.root)
        )
        self.receiver: CenterReceiver | None = None
        self.cipher: FieldCipher | None = None

    # -- the world --------------------------------------------------------------------------

    def pick_municipalities(self) -> list[str]:
        catalog = default_catalog()
        candidates = [
            lg for lg in catalog.list(kind="municipality") if lg.kind is not Kind.DESIGNATED_CITY
        ]
        picked: list[str] = []
        for lg in self.rng.sample(candidates, len(candidates)):
            if len(picked) == self.options.municipalities:
                break
            if towns_of(lg.code):
                picked.append(lg.code)
        self.lg_codes = picked
        return picked

    def url(self, name: str) -> str:
        template = self.options.database_url_template
        if template:
            return template.format(name=name)
        return f"sqlite:///{self.directory / f'{name}.db'}"

    def build(self) -> None:
        """Pick, create and migrate the databases; fill each node with demo residents."""
        if not self.lg_codes:
            self.pick_municipalities()
        names = ["center", *self.lg_codes]
        for done, name in enumerate(names, start=1):
            self.urls[name] = self.url(name)
            engine = make_engine(self.urls[name])
            migrate.upgrade(engine)
            self.engines[name] = engine
            self.progress("migrate", done, len(names))
        self.cipher = FieldCipher(load_keys(self.urls["center"]))
        for lg_code in self.lg_codes:
            self.nodes[lg_code] = Node(
                self.engines[lg_code],
                lg_code,
                self.transport,
                cipher=self.cipher,
                clock=self.clock,
            )
        self.receiver = CenterReceiver(self.engines["center"])
        jobs = [
            FilingJob(
                lg_code=lg_code,
                url=self.urls[lg_code],
                center_url=self.urls["center"],
                residents=self.options.residents,
                seed=self.options.seed,
                start=self.clock.now,
            )
            for lg_code in self.lg_codes
        ]
        total = len(jobs)
        file_all(jobs, lambda done: self.progress("residents", done, total))
        self.write_manifest()

    def next_code(self, lg_code: str) -> str:
        """A 住民票コード from the center's allocation to ``lg_code`` (a block at a time)."""
        block = self.codes.setdefault(lg_code, [])
        if not block:
            with write_transaction(self.engines["center"]) as conn:
                block.extend(allocate_codes(conn, lg_code, CODE_BLOCK, allocated_by="demo").codes)
            self.rng.shuffle(block)
        return block.pop()

    def write_manifest(self) -> Path:
        path = self.directory / MANIFEST
        data = {
            "center": self.urls["center"],
            "nodes": {lg: self.urls[lg] for lg in self.lg_codes},
            "transport": self.options.transport,
            "stream": self.stream if self.options.transport == "nats" else None,
            "root": self.root if self.options.transport == "nats" else None,
        }
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        return path

    # -- the counters -----------------------------------------------------------------------

    def clerk(self, lg_code: str) -> Actor:
        return Actor(f"clerk-{lg_code}", lg_code, "clerk")

    def today(self) -> date:
        return self.clock.today()

    def new_day(self, index: int) -> None:
        if index % self.per_day == 0 and self.clock.advance(1):
            self.moved_today.clear()  # (on the real clock, everyone moves once at most)

    def address(self, lg_code: str) -> Address:
        town = self.rng.choice(towns_of(lg_code))
        rng = self.rng
        if town.chome:
            block = f"{rng.randint(1, 5)}丁目{rng.randint(1, 30)}番{rng.randint(1, 25)}号"
        else:
            block = f"{rng.randint(1, 2500)}番地"
        return Address(
            prefecture=town.prefecture,
            municipality=town.municipality,
            town=town.name,
            block=block,
            postal_code=town.postal_code,
            lg_code=lg_code,
        )

    def abroad_address(self) -> Address:
        return Address(town=self.rng.choice(COUNTRIES), abroad=True)

    def residents(self, lg_code: str) -> list[sa.Row[Any]]:
        r = resident.c
        query = (
            sa.select(r.person_id, r.household_id, r.relationship, r.date_of_birth, r.sex)
            .where(r.lg_code == lg_code, r.status == "active")
            .order_by(r.person_id)
        )
        with self.engines[lg_code].connect() as conn:
            return list(conn.execute(query))

    def records(self, lg_code: str, person_ids: list[str]) -> list[ResidentRecord]:
        with self.engines[lg_code].connect() as conn:
            found = repo.load_records(conn, person_ids)
        return [found[p] for p in person_ids]

    def movers(self, lg_code: str) -> tuple[list[ResidentRecord], bool] | None:
        """Someone adult to move: the head with the household, or one adult alone."""
        rows = self.residents(lg_code)
        today = self.today()
        adults = [r for r in rows if age_on(r.date_of_birth, today) >= 18]
        self.rng.shuffle(adults)
        for row in adults[:20]:
            if row.relationship == HEAD:
                ids = [m.person_id for m in rows if m.household_id == row.household_id]
                ids.sort(key=lambda p: p != row.person_id)  # the head first
            else:
                ids = [row.person_id]
            records = self.records(lg_code, ids)
            if any(r.resident_code in self.moved_today for r in records):
                continue
            if not all(r.resident_code for r in records):
                continue
            return records, len(ids) > 1 or row.relationship == HEAD
        return None

    def other(self, lg_code: str) -> str:
        return self.rng.choice([lg for lg in self.lg_codes if lg != lg_code])

    def move(self, kind: str) -> str:
        """File one move at the counters; returns what was done (it may fall back)."""
        lg = self.rng.choice(self.lg_codes)
        if kind == "back" and not self.abroad:
            kind = "abroad"
        if kind == "back":
            return self.come_back(lg)
        if kind == "birth":
            return self.birth(lg)
        if kind == "death":
            return self.death(lg)
        picked = self.movers(lg)
        if picked is None:
            return "none"
        records, whole = picked
        self.moved_today.update(r.resident_code for r in records)
        if kind == "abroad":
            return self.go_abroad(lg, records, whole)
        if kind == "card":
            return self.card_move(lg, self.other(lg), records, whole)
        return self.paper_move(lg, self.other(lg), records, whole)

    def move_out_cmd(self, records: list[ResidentRecord], destination: Address) -> c.MoveOut:
        today = self.today()
        return c.MoveOut(
            person_ids=[r.person_id for r in records],
            planned_date=today,
            notified_date=today,
            destination=destination,
        )

    def paper_move(self, old: str, new: str, records: list[ResidentRecord], whole: bool) -> str:
        node = self.nodes[old]
        clerk = self.clerk(old)
        node.registry.apply(self.move_out_cmd(records, self.address(new)), clerk)
        certificate = issue(
            node.registry,
            Protection(node.registry),
            CertificateRequest(
                kind=CertificateKind.MOVE_OUT_CERTIFICATE,
                person_ids=tuple(r.person_id for r in records),
                requester=Requester(RequesterType.SELF),
                request_id=str(uuid.uuid4()),
            ),
            clerk,
            municipality_settings(old, "自治　太郎"),
            pdf_maker=to_pdf if self.options.render_pdf else unrendered_pdf,
        )
        subjects = [node.registry.read_record(p, clerk) for p in certificate.subject_person_ids]
        cmd = move_in_from_certificate(
            subjects,
            address=self.address(new),
            effective_date=self.today(),
            relationships=None if whole else {subjects[0].person_id: HEAD},
        )
        self.nodes[new].registry.apply(cmd, self.clerk(new))
        return "paper"

    def card_move(self, old: str, new: str, records: list[ResidentRecord], whole: bool) -> str:
        holder = records[0]
        file_card_move_out(
            self.nodes[old],
            self.move_out_cmd(records, self.address(new)),
            self.clerk(old),
            card_holder_ids=[holder.person_id],
        )
        draft = CardMoveIn(
            from_lg_code=old,
            resident_code=holder.resident_code,
            effective_date=self.today(),
            notified_date=self.today(),
            address=self.address(new),
            relationships={} if whole else {holder.resident_code: HEAD},
        )
        request_card_move_in(self.nodes[new], draft, self.clerk(new))
        return "card"

    def go_abroad(self, lg: str, records: list[ResidentRecord], whole: bool) -> str:
        self.nodes[lg].registry.apply(
            self.move_out_cmd(records, self.abroad_address()), self.clerk(lg)
        )
        self.abroad.append(_Group(records, whole))
        return "abroad"

    def come_back(self, lg: str) -> str:
        group = self.abroad.pop(self.rng.randrange(len(self.abroad)))
        self.moved_today.update(r.resident_code for r in group.records)
        cmd = move_in_from_certificate(
            group.records,
            address=self.address(lg),
            effective_date=self.today(),
            relationships=None if group.whole_household else {group.records[0].person_id: HEAD},
        )
        back = cmd.model_copy(
            update={"previous_address": self.abroad_address(), "move_out_certificate_from": ""}
        )
        self.nodes[lg].registry.apply(back, self.clerk(lg))
        return "back"

    def birth(self, lg: str) -> str:
        rows = self.residents(lg)
        today = self.today()
        wives = {
            r.household_id
            for r in rows
            if r.relationship == "妻" and 18 <= age_on(r.date_of_birth, today) <= 45
        }
        heads = [r for r in rows if r.relationship == HEAD and r.household_id in wives]
        if not heads:
            return "none"
        head = self.records(lg, [self.rng.choice(heads).person_id])[0]
        sex = self.rng.choice(("male", "female"))
        given, kana = self.rng.choice(BABY_NAMES[sex])
        child = c.NewPerson.model_validate(
            {
                "name": head.name.model_copy(
                    update={"given": given, "given_kana": kana, "latin": ""}
                ),
                "date_of_birth": today,
                "sex": sex,
                "relationship": "子",
                "honseki": head.honseki,
                "family_register_head": head.family_register_head or head.name.text(),
                "resident_code": self.next_code(lg),
            }
        )
        cmd = c.Birth(household_id=head.household_id, child=child, notified_date=today)
        self.nodes[lg].registry.apply(cmd, self.clerk(lg))
        return "birth"

    def death(self, lg: str) -> str:
        rows = self.residents(lg)
        sizes = Counter(r.household_id for r in rows)
        candidates = [r for r in rows if r.relationship != HEAD or sizes[r.household_id] == 1]
        if not candidates:
            return "none"
        row = self.rng.choice(candidates)
        today = self.today()
        cmd = c.Death(person_id=row.person_id, effective_date=today, notified_date=today)
        self.nodes[lg].registry.apply(cmd, self.clerk(lg))
        return "death"

    async def run_moves(self, count: int | None = None, *, settle: bool | None = None) -> None:
        """File ``count`` moves (all by default); in-process, let the network turn after each."""
        total = self.options.moves if count is None else count
        turn = self.options.transport == "inproc" if settle is None else settle
        kinds = self.rng.choices(MOVE_KINDS, MOVE_WEIGHTS, k=total)
        for index, kind in enumerate(kinds):
            self.new_day(len(self.moves) + sum(self.rejected.values()) + index)
            try:
                done = self.move(kind)
            except JichiError as error:  # the registry said no: counted, never hidden
                self.rejected[f"{kind}:{error.code}"] += 1
            else:
                if done != "none":
                    self.moves[done] += 1
            if turn:
                await self.settle()
            self.progress("moves", index + 1, total)

    # -- the network underneath -----------------------------------------------------------

    async def settle(self, rounds: int = 50) -> int:
        """In one process: every node sends and receives, the center drains, until quiet."""
        assert self.receiver is not None
        total = 0
        for _ in range(rounds):
            moved = 0
            for node in self.nodes.values():
                moved += await node.send()
            with contextlib.suppress(JichiError):  # down: the center catches up later
                moved += await self.receiver.drain(self.transport)
            for node in self.nodes.values():
                with contextlib.suppress(JichiError):
                    moved += await node.receive_all()
            total += moved
            if not moved:
                break
        return total

    def unsent(self) -> int:
        total = 0
        for lg in self.lg_codes:
            with self.engines[lg].connect() as conn:
                query = sa.select(sa.func.count()).select_from(outbox)
                total += conn.execute(query.where(outbox.c.sent_at.is_(None))).scalar_one()
        return int(total)

    # -- the end -------------------------------------------------------------------------

    def reconcile(self) -> Report:
        nodes = [load_node(self.engines[lg], lg) for lg in self.lg_codes]
        center = load_center(self.engines["center"])
        today = max(self.today(), clock_today())
        return reconcile(nodes, center, today=today)

    def applied(self, name: str) -> int:
        with self.engines[name].connect() as conn:
            query = sa.select(sa.func.count()).select_from(inbox)
            return int(conn.execute(query.where(inbox.c.applied_at.is_not(None))).scalar_one())

    def messages(self) -> int:
        total = 0
        for lg in self.lg_codes:
            with self.engines[lg].connect() as conn:
                total += conn.execute(sa.select(sa.func.count()).select_from(outbox)).scalar_one()
        return int(total)

    def result(self, report: Report, moving: float, quiet: float) -> DemoResult:
        return DemoResult(
            report=report,
            moves=self.moves,
            rejected=self.rejected,
            seconds_moving=moving,
            seconds_quiet=quiet,
            messages=self.messages(),
            applied_center=self.applied("center"),
            applied_nodes=sum(self.applied(lg) for lg in self.lg_codes),
            directory=self.directory,
            manifest=self.directory / MANIFEST,
        )

    def dispose(self) -> None:
        for engine in self.engines.values():
            engine.dispose()


async def run(options: DemoOptions, progress: Progress = _silent) -> DemoResult:
    """The whole demo: build, move, (processes and quiescence), reconcile."""
    demo = NetworkDemo(options, progress)
    try:
        began = time.perf_counter()
        demo.build()
        setup = time.perf_counter() - began
        if options.transport == "inproc":
            await demo.settle()
            started = time.perf_counter()
            await demo.run_moves()
            await demo.settle()
            moving, quiet = time.perf_counter() - started, 0.0
        else:
            demo.start_processes()
            try:
                started = time.perf_counter()
                await demo.run_moves()
                moving = time.perf_counter() - started
                if not await demo.wait_quiet():
                    raise TimeoutError(
                        f"the network did not become quiet in {options.quiet_timeout:.0f}s"
                    )
                quiet = time.perf_counter() - started - moving
            finally:
                demo.stop_processes()
                await demo.delete_stream()
        result = demo.result(demo.reconcile(), moving, quiet)
        result.seconds_setup = setup
        return result
    finally:
        demo.dispose()
