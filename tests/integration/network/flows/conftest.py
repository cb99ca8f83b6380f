"""Two municipalities, each a node with its OWN database, over one transport.

千代田区 (131016) is where the 山田 family lives first; 川越市 (112011) is where they go.
Each test gets the pair on SQLite (two files) and on PostgreSQL (two databases).
The clock is shared and can be moved on, as days pass between a 転出 and a 転入.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.network.flows.paper import move_in_from_certificate
from jichi.network.flows.settings import FlowSettings
from jichi.network.node import Node
from jichi.network.transport import InProcessTransport, Transport
from jichi.registry.certificates import (
    CertificateKind,
    CertificateRequest,
    issue,
    municipality_settings,
)
from jichi.registry.model import Address, ResidentRecord
from jichi.registry.protection import Protection
from jichi.registry.restrictions import Requester, RequesterType
from jichi.registry.service import Applied
from jichi.registry.tables import outbox, resident
from jichi.security.actor import Actor
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from jichi.store.engine import make_engine
from tests.conftest import BACKENDS, PgDatabases

OLD = "131016"  # 東京都千代田区
NEW = "112011"  # 埼玉県川越市
THIRD = "271004"  # 大阪府大阪市
CIPHER = FieldCipher(Keys.derive(b"k" * 32))
OLD_CLERK = Actor("clerk-sato", OLD, "clerk")
NEW_CLERK = Actor("clerk-suzuki", NEW, "clerk")
START = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # 10:00 JST, a Friday

ADDRESSES = {
    OLD: {"prefecture": "東京都", "municipality": "千代田区", "town": "千代田", "block": "1-1"},
    NEW: {"prefecture": "埼玉県", "municipality": "川越市", "town": "大字的場", "block": "1-2-3"},
    THIRD: {"prefecture": "大阪府", "municipality": "大阪市北区", "town": "中之島", "block": "1-3"},
}
ABROAD = {"prefecture": "", "municipality": "", "town": "アメリカ合衆国", "abroad": True}


def address(lg_code: str, block: str | None = None) -> dict[str, Any]:
    data = dict(ADDRESSES[lg_code], lg_code=lg_code)
    if block:
        data["block"] = block
    return data


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, days: int) -> None:
        self.now += timedelta(days=days)

    def today(self) -> date:
        return (self.now + timedelta(hours=9)).date()


def person(
    given: str, kana: str, born: str, sex: str, relationship: str, code: str
) -> dict[str, Any]:
    return {
        "name": {"family": "山田", "given": given, "family_kana": "ヤマダ", "given_kana": kana},
        "date_of_birth": born,
        "sex": sex,
        "relationship": relationship,
        "honseki": "東京都千代田区千代田1番",
        "family_register_head": "山田　太郎",
        "resident_code": code,
    }


def yamada(
    codes: tuple[str, str, str] = ("12345678901", "12345678902", ""),
) -> list[dict[str, Any]]:
    """太郎 and 花子 have resident codes; 一郎 (13) has none, so he is matched by name."""
    return [
        person("太郎", "タロウ", "1980-04-02", "male", "世帯主", codes[0]),
        person("花子", "ハナコ", "1982-09-15", "female", "妻", codes[1]),
        person("一郎", "イチロウ", "2013-01-20", "male", "子", codes[2]),
    ]


@dataclass
class World:
    """The nodes, their engines, the shared transport and clock."""

    engines: dict[str, Engine]
    transport: Transport
    clock: Clock
    settings: FlowSettings = field(default_factory=FlowSettings)
    nodes: dict[str, Node] = field(default_factory=dict)

    def node(self, lg_code: str, transport: Transport | None = None) -> Node:
        """A (new) node object for the municipality: what a restarted process builds."""
        built = Node(
            self.engines[lg_code],
            lg_code,
            transport or self.transport,
            cipher=CIPHER,
            settings=self.settings,
            clock=self.clock,
        )
        self.nodes[lg_code] = built
        return built

    @property
    def old(self) -> Node:
        return self.nodes.get(OLD) or self.node(OLD)

    @property
    def new(self) -> Node:
        return self.nodes.get(NEW) or self.node(NEW)

    def file(self, node: Node, actor: Actor, **data: Any) -> Applied:
        return node.registry.apply(node.registry.parse(data), actor)

    def settle_the_family_in_old(self) -> Applied:
        """山田 arrive in 千代田区 from abroad (no 転入通知 goes anywhere)."""
        return self.file(
            self.old,
            OLD_CLERK,
            kind="move_in",
            effective_date="2026-10-01",
            notified_date="2026-10-02",
            address=address(OLD),
            previous_address=ABROAD,
            persons=yamada(),
        )

    async def settle(self, *nodes: Node, rounds: int = 10) -> None:
        """Send and receive until nothing moves (what the background loops do)."""
        nodes = nodes or tuple(self.nodes.get(lg) or self.node(lg) for lg in self.engines)
        for _ in range(rounds):
            moved = 0
            for node in nodes:
                moved += await node.send()
            for node in nodes:
                moved += await node.receive_all()
            if not moved:
                return

    def records(self, lg_code: str) -> list[ResidentRecord]:
        from jichi.registry import repository as repo

        with self.engines[lg_code].connect() as conn:
            ids = set(conn.execute(sa.select(resident.c.person_id)).scalars())
            return list(repo.load_records(conn, ids).values())

    def by_name(self, lg_code: str) -> dict[str, ResidentRecord]:
        return {r.name.given: r for r in self.records(lg_code)}

    def unsent(self, lg_code: str) -> int:
        with self.engines[lg_code].connect() as conn:
            query = sa.select(sa.func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
            return int(conn.execute(query).scalar_one())

    def assert_one_municipality_each(self, *given_names: str) -> None:
        """Nobody lost, nobody doubled, nobody current in two municipalities."""
        for given in given_names:
            current = [
                (lg, r)
                for lg in self.engines
                for r in self.records(lg)
                if r.name.given == given and r.is_active
            ]
            assert len(current) == 1, (given, [lg for lg, _ in current])


FAMILY = ("太郎", "花子", "一郎")


def move_out(world: World, given: tuple[str, ...] = FAMILY, **extra: object) -> None:
    family = world.by_name(OLD)
    world.file(
        world.old,
        OLD_CLERK,
        kind="move_out",
        person_ids=[family[g].person_id for g in given],
        planned_date=extra.pop("planned_date", "2026-11-25"),
        destination=extra.pop("destination", address(NEW)),
        **extra,
    )


def paper_move_in(world: World, effective_date: date = date(2026, 11, 26)) -> None:
    """川越市 records the 転入 from what the 転出証明書 issued by 千代田区 says."""
    old = world.old
    family = world.by_name(OLD)
    ids = [family[g].person_id for g in ("太郎", "花子", "一郎")]
    certificate = issue(
        old.registry,
        Protection(old.registry),
        CertificateRequest(
            kind=CertificateKind.MOVE_OUT_CERTIFICATE,
            person_ids=tuple(ids),
            requester=Requester(RequesterType.SELF),
            request_id=str(uuid.uuid4()),
        ),
        OLD_CLERK,
        municipality_settings(OLD, "千代田　一郎"),
    )
    assert certificate.pdf.startswith(b"%PDF")
    subjects = [old.registry.read_record(pid, OLD_CLERK) for pid in certificate.subject_person_ids]
    cmd = move_in_from_certificate(
        subjects, address=Address.model_validate(address(NEW)), effective_date=effective_date
    )
    world.new.registry.apply(cmd, NEW_CLERK)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _engines(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path, codes: tuple[str, ...]
) -> dict[str, Engine]:
    engines: dict[str, Engine] = {}
    for lg_code in codes:
        if backend == "sqlite":  # a copy of the session's migrated file (tests/conftest.py)
            target = tmp_path / f"node-{lg_code}.db"
            shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
            built = make_engine(f"sqlite:///{target}")
        else:
            databases: PgDatabases = request.getfixturevalue("pg_databases")
            built = make_engine(databases.url(databases.migrated()))
        engines[lg_code] = built
    return engines


@pytest.fixture
def engines(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> Iterator[dict[str, Engine]]:
    built = _engines(request, backend, tmp_path, (OLD, NEW))
    yield built
    for engine in built.values():
        engine.dispose()


@pytest.fixture
def world(engines: dict[str, Engine]) -> World:
    return World(engines, InProcessTransport(), Clock())
