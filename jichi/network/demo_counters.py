"""The demo's counters: every municipality's clerks filing moves through ``Registry.apply``.

Split from :mod:`jichi.network.demo` (one job each).  :class:`Counters` files moves
from a set of *origin* municipalities — the 転出 there, and what the demo files at the
destination (the 転入 from the 転出証明書, the card move-in request) — exactly as a
clerk would:

* paper moves: 転出 → 転出証明書 (``jichi.registry.certificates.issue``) → 転入 from the
  certificate → the 転入通知 → 転出確定 at the old municipality;
* card moves (転入届の特例): a card 転出, then a card move-in that stays pending until
  the old municipality answers the move-out-data request;
* moves abroad (国外転出) and back (国外からの転入, same 住民票コード);
* births and deaths.

Who moves is picked from a :class:`Roster` per origin — the municipality's active
residents read once, then kept current by the counter's own filings — instead of
reading every active resident of the municipality for each move (13–18 ms a move at
2,000 residents).  Only people the counter itself moved out, or who died or were
born at its counter, change a roster: arrivals (a 転入 at the origin by another
counter, a card move-in the node completes) make a roster *stale* only where
``track_arrivals`` (in one process, people may move again on a later simulated day);
with separate processes on the real clock nobody moves twice, so arrivals are not
movers anyway.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from random import Random

import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.kernel.age import age_on
from jichi.kernel.clock import now as clock_now
from jichi.kernel.errors import JichiError
from jichi.network.center.codes import allocate_codes
from jichi.network.flows.card_move import CardMoveIn, file_card_move_out, request_card_move_in
from jichi.network.flows.paper import move_in_from_certificate
from jichi.network.node import Node
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
from jichi.registry.tables import resident
from jichi.security.actor import Actor
from jichi.store.engine import write_transaction

MOVE_KINDS = ("paper", "card", "abroad", "back", "birth", "death")
MOVE_WEIGHTS = (35, 30, 8, 7, 10, 10)
HEAD = "世帯主"
COUNTRIES = ("アメリカ合衆国", "大韓民国", "オーストラリア連邦", "ドイツ連邦共和国", "タイ王国")
BABY_NAMES = {
    "male": (("陽翔", "ハルト"), ("蓮", "レン"), ("湊", "ミナト"), ("蒼", "アオイ")),
    "female": (("陽葵", "ヒマリ"), ("凛", "リン"), ("紬", "ツムギ"), ("芽依", "メイ")),
}
CODE_BLOCK = 200
CANDIDATES = 20  # adults tried for one move before the counter gives up ("none")


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


@dataclass
class Group:
    """People abroad: their last record, to come back with the same 住民票コード."""

    records: list[ResidentRecord]
    whole_household: bool


@dataclass(frozen=True)
class Person:
    """What picking a mover needs of one active resident (no record, no names)."""

    person_id: str
    household_id: str
    relationship: str
    date_of_birth: date
    sex: str


class Roster:
    """One municipality's active residents as its counter knows them.

    Read in one query when first needed (or again after :meth:`stale`), then kept
    current by the counter's own filings (:meth:`remove`, :meth:`add`).
    """

    def __init__(self, engine: Engine, lg_code: str) -> None:
        self.engine = engine
        self.lg_code = lg_code
        self._people: dict[str, Person] | None = None
        self._households: dict[str, list[str]] = {}

    def stale(self) -> None:
        self._people = None

    @property
    def people(self) -> dict[str, Person]:
        if self._people is None:
            self._load()
        assert self._people is not None
        return self._people

    def _load(self) -> None:
        r = resident.c
        query = (
            sa.select(r.person_id, r.household_id, r.relationship, r.date_of_birth, r.sex)
            .where(r.lg_code == self.lg_code, r.status == "active")
            .order_by(r.person_id)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        self._people = {}
        self._households = {}
        for row in rows:
            self.add(Person(*row))

    def household(self, household_id: str) -> list[str]:
        return list(self._households.get(household_id, ()))

    def add(self, person: Person) -> None:
        self.people[person.person_id] = person
        self._households.setdefault(person.household_id, []).append(person.person_id)

    def remove(self, person_ids: list[str]) -> None:
        for pid in person_ids:
            person = self.people.pop(pid, None)
            if person is not None:
                self._households[person.household_id].remove(pid)


@dataclass
class Counters:
    """The clerks of ``origins``: they file there, and at any destination in ``lg_codes``."""

    lg_codes: list[str]
    origins: list[str]
    nodes: dict[str, Node]
    center: Engine
    clock: Clock
    rng: Random
    render_pdf: bool = False
    per_day: int = 1
    track_arrivals: bool = True
    moved_today: set[str] = field(default_factory=set)
    abroad: list[Group] = field(default_factory=list)
    moves: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.rosters = {lg: Roster(self.nodes[lg].engine, lg) for lg in self.lg_codes}
        self.codes: dict[str, list[str]] = {}
        self._towns = {lg: towns_of(lg) for lg in self.lg_codes}

    def prepare(self) -> None:
        """What every move would otherwise do first: read the rosters, draw the code
        blocks (the center's write lock is contended once the center process runs)."""
        for lg in self.origins:
            assert self.rosters[lg].people is not None
            if not self.codes.get(lg):
                self._draw_codes(lg)

    # -- the world as the counters see it --------------------------------------------------

    def clerk(self, lg_code: str) -> Actor:
        return Actor(f"clerk-{lg_code}", lg_code, "clerk")

    def today(self) -> date:
        return self.clock.today()

    def new_day(self, index: int) -> None:
        if index % self.per_day == 0 and self.clock.advance(1):
            self.moved_today.clear()  # (on the real clock, everyone moves once at most)

    def address(self, lg_code: str) -> Address:
        rng = self.rng
        town = rng.choice(self._towns[lg_code])
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

    def _draw_codes(self, lg_code: str) -> None:
        with write_transaction(self.center) as conn:
            drawn = allocate_codes(conn, lg_code, CODE_BLOCK, allocated_by="demo").codes
        block = self.codes.setdefault(lg_code, [])
        block.extend(drawn)
        self.rng.shuffle(block)

    def next_code(self, lg_code: str) -> str:
        """A 住民票コード from the center's allocation to ``lg_code`` (a block at a time)."""
        if not self.codes.get(lg_code):
            self._draw_codes(lg_code)
        return self.codes[lg_code].pop()

    def records(self, lg_code: str, person_ids: list[str]) -> list[ResidentRecord]:
        with self.nodes[lg_code].engine.connect() as conn:
            found = repo.load_records(conn, person_ids)
        return [found[p] for p in person_ids]

    def movers(self, lg_code: str) -> tuple[list[ResidentRecord], bool] | None:
        """Someone adult to move: the head with the household, or one adult alone."""
        roster = self.rosters[lg_code]
        people = roster.people
        today = self.today()
        tried = 0
        drawn = self.rng.sample(list(people), min(len(people), 4 * CANDIDATES))
        for pid in drawn:
            person = people[pid]
            if age_on(person.date_of_birth, today) < 18:
                continue
            if tried == CANDIDATES:
                break
            tried += 1
            if person.relationship == HEAD:
                ids = roster.household(person.household_id)
                ids.sort(key=lambda p: p != pid)  # the head first
            else:
                ids = [pid]
            records = self.records(lg_code, ids)
            if any(r.resident_code in self.moved_today for r in records):
                continue
            if not all(r.resident_code for r in records):
                continue
            return records, len(ids) > 1 or person.relationship == HEAD
        return None

    def other(self, lg_code: str) -> str:
        return self.rng.choice([lg for lg in self.lg_codes if lg != lg_code])

    def arrived(self, lg_code: str) -> None:
        """People arrived at ``lg_code`` (or will, once the network answers)."""
        if self.track_arrivals:
            self.rosters[lg_code].stale()

    # -- filing ---------------------------------------------------------------------------

    def file(self, kinds: list[str], done: Callable[[], None] | None = None) -> None:
        """File one move of each kind, in order; the registry's refusals are counted."""
        for kind in kinds:
            self.file_one(kind)
            if done is not None:
                done()

    def file_one(self, kind: str) -> None:
        self.new_day(sum(self.moves.values()) + sum(self.rejected.values()))
        try:
            filed = self.move(kind)
        except JichiError as error:  # the registry said no: counted, never hidden
            self.rejected[f"{kind}:{error.code}"] += 1
        else:
            if filed != "none":
                self.moves[filed] += 1

    def move(self, kind: str) -> str:
        """File one move at the counters; returns what was done (it may fall back)."""
        lg = self.rng.choice(self.origins)
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
        self.rosters[old].remove([r.person_id for r in records])
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
            pdf_maker=to_pdf if self.render_pdf else unrendered_pdf,
        )
        subjects = [node.registry.read_record(p, clerk) for p in certificate.subject_person_ids]
        cmd = move_in_from_certificate(
            subjects,
            address=self.address(new),
            effective_date=self.today(),
            relationships=None if whole else {subjects[0].person_id: HEAD},
        )
        self.nodes[new].registry.apply(cmd, self.clerk(new))
        self.arrived(new)
        return "paper"

    def card_move(self, old: str, new: str, records: list[ResidentRecord], whole: bool) -> str:
        holder = records[0]
        file_card_move_out(
            self.nodes[old],
            self.move_out_cmd(records, self.address(new)),
            self.clerk(old),
            card_holder_ids=[holder.person_id],
        )
        self.rosters[old].remove([r.person_id for r in records])
        draft = CardMoveIn(
            from_lg_code=old,
            resident_code=holder.resident_code,
            effective_date=self.today(),
            notified_date=self.today(),
            address=self.address(new),
            relationships={} if whole else {holder.resident_code: HEAD},
        )
        request_card_move_in(self.nodes[new], draft, self.clerk(new))
        self.arrived(new)
        return "card"

    def go_abroad(self, lg: str, records: list[ResidentRecord], whole: bool) -> str:
        self.nodes[lg].registry.apply(
            self.move_out_cmd(records, self.abroad_address()), self.clerk(lg)
        )
        self.rosters[lg].remove([r.person_id for r in records])
        self.abroad.append(Group(records, whole))
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
        self.arrived(lg)
        return "back"

    def birth(self, lg: str) -> str:
        roster = self.rosters[lg]
        people = roster.people.values()
        today = self.today()
        wives = {
            p.household_id
            for p in people
            if p.relationship == "妻" and 18 <= age_on(p.date_of_birth, today) <= 45
        }
        heads = [p for p in people if p.relationship == HEAD and p.household_id in wives]
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
        applied = self.nodes[lg].registry.apply(cmd, self.clerk(lg))
        for pid in applied.person_ids:
            if pid not in roster.people:
                roster.add(Person(pid, head.household_id, "子", today, sex))
        return "birth"

    def death(self, lg: str) -> str:
        roster = self.rosters[lg]
        people = list(roster.people.values())
        sizes = Counter(p.household_id for p in people)
        candidates = [p for p in people if p.relationship != HEAD or sizes[p.household_id] == 1]
        if not candidates:
            return "none"
        person = self.rng.choice(candidates)
        today = self.today()
        cmd = c.Death(person_id=person.person_id, effective_date=today, notified_date=today)
        self.nodes[lg].registry.apply(cmd, self.clerk(lg))
        roster.remove([person.person_id])
        return "death"


def kinds_of(rng: Random, count: int) -> list[str]:
    """The kinds of ``count`` moves, drawn with the demo's weights."""
    return rng.choices(MOVE_KINDS, MOVE_WEIGHTS, k=count)
