"""A sending municipality (川越, its registry and outbox) and a receiving node.

The receiving node's handler writes one row per application into ``applied_log`` in
the inbox's transaction, so a test can count applications and see their order.  Both
sides share one test database here (the outbox and the inbox are separate tables);
separate databases per node come with the node itself.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from jichi.network.inbox import Receipt, receive
from jichi.network.messages import Envelope
from jichi.registry.service import Applied, Registry
from jichi.registry.tables import outbox
from jichi.security.actor import Actor
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from tests.integration.network.broker import private_nats  # noqa: F401 (a fixture)

LG = "112011"  # 埼玉県川越市
OLD_LG = "131016"  # 東京都千代田区
NOW = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
CLERK = Actor("clerk-suzuki", LG, "clerk")
T = TypeVar("T")

_log_metadata = sa.MetaData()
applied_log = sa.Table(
    "applied_log",
    _log_metadata,
    sa.Column("n", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("message_id", sa.String(36), nullable=False),
    sa.Column("topic", sa.String(200), nullable=False),
    sa.Column("ordering_key", sa.String(40), nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
)


def address(block: str = "1-2-3") -> dict[str, Any]:
    return {
        "prefecture": "埼玉県",
        "municipality": "川越市",
        "town": "大字的場",
        "block": block,
        "postal_code": "350-1101",
        "lg_code": LG,
    }


ELSEWHERE = {
    "prefecture": "東京都",
    "municipality": "千代田区",
    "town": "千代田",
    "block": "1-1",
    "lg_code": OLD_LG,
}


def person(family: str, given: str, kana: tuple[str, str], relationship: str) -> dict[str, Any]:
    return {
        "name": {"family": family, "given": given, "family_kana": kana[0], "given_kana": kana[1]},
        "date_of_birth": "1980-04-02" if relationship == "世帯主" else "1982-09-15",
        "sex": "male" if relationship == "世帯主" else "female",
        "relationship": relationship,
        "honseki": "東京都千代田区千代田1番",
        "family_register_head": f"{family}　{given}" if relationship == "世帯主" else "",
    }


class Sender:
    """川越市: files notifications at the counter; each leaves notices in the outbox."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.registry = Registry(engine, LG, FieldCipher(Keys.derive(b"k" * 32)), clock=lambda: NOW)

    def move_in(self, family: str = "山田", kana: str = "ヤマダ") -> Applied:
        persons = [
            person(family, "太郎", (kana, "タロウ"), "世帯主"),
            person(family, "花子", (kana, "ハナコ"), "妻"),
        ]
        return self.file(
            kind="move_in",
            effective_date="2026-11-20",
            address=address(),
            previous_address=ELSEWHERE,
            persons=persons,
        )

    def relocate(self, applied: Applied, block: str) -> Applied:
        return self.file(
            kind="relocation",
            effective_date="2026-11-25",
            person_ids=applied.person_ids,
            address=address(block),
        )

    def file(self, **data: Any) -> Applied:
        return self.registry.apply(self.registry.parse(data), CLERK)

    def unsent(self) -> int:
        with self.engine.connect() as conn:
            query = sa.select(sa.func.count()).where(outbox.c.sent_at.is_(None))
            return int(conn.execute(query.select_from(outbox)).scalar_one())

    def outbox_ids(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(
                conn.execute(sa.select(outbox.c.message_id).order_by(outbox.c.seq)).scalars()
            )


class Receiver:
    """A receiving node: applies every message it is handed through its inbox."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.receipts: list[Receipt] = []
        self.fail_next = 0  # make the next N applications raise (a crash before commit)

    def apply(self, conn: Connection, env: Envelope) -> None:
        conn.execute(
            applied_log.insert().values(
                message_id=env.message_id,
                topic=env.topic,
                ordering_key=env.ordering_key,
                seq=env.seq,
            )
        )
        if self.fail_next:
            self.fail_next -= 1
            raise RuntimeError("the receiving node died before commit")

    async def handle(self, env: Envelope) -> None:
        self.receipts.append(receive(self.engine, env, self.apply))

    def applied(self) -> list[tuple[str, str, str, int]]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(applied_log).order_by(applied_log.c.n)).all()
        return [(r.message_id, r.topic, r.ordering_key, r.seq) for r in rows]


@pytest.fixture
def sender(engine: Engine) -> Sender:
    return Sender(engine)


@pytest.fixture
def receiver(engine: Engine) -> Iterator[Receiver]:
    _log_metadata.create_all(engine)
    yield Receiver(engine)


def chain(
    length: int, *, topic: str = "center.identity", key: str = "12345678901"
) -> list[Envelope]:
    """A chain of envelopes from 川越 about one person, as the relay would build it."""
    return [
        Envelope(
            message_id=str(uuid.uuid4()),
            topic=topic,
            ordering_key=key,
            sender=LG,
            seq=seq,
            previous_seq=seq - 1 if seq > 1 else None,
            payload={"n": seq},
            created_at=NOW,
        )
        for seq in range(1, length + 1)
    ]


def assert_in_order_once(applied: list[tuple[str, str, str, int]], expected_ids: list[str]) -> None:
    """Each expected message applied exactly once, and each chain in seq order."""
    ids = [a[0] for a in applied]
    assert sorted(ids) == sorted(expected_ids)
    assert len(set(ids)) == len(ids)
    chains: dict[tuple[str, str], list[int]] = {}
    for _id, topic, key, seq in applied:
        chains.setdefault((topic, key), []).append(seq)
    for seqs in chains.values():
        assert seqs == sorted(seqs)


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run in a fresh thread: sync Playwright (browser tests) may hold this one's loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
