"""The center's cast: identity updates as municipalities send them, and agencies.

``Municipality`` numbers its messages per person the way the relay does (``seq`` and
``previous_seq`` per chain), so tests can deliver them in any order through the real
inbox and see what the center ends up holding.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.network.center.agencies import Agency, add_agency, issue_token
from jichi.network.center.identity import apply_identity
from jichi.network.center.tables import center_identity, center_identity_history
from jichi.network.inbox import Receipt, receive
from jichi.network.messages import Envelope
from jichi.store.engine import write_transaction

KAWAGOE = "112011"  # 埼玉県川越市
CHIYODA = "131016"  # 東京都千代田区
YOKOHAMA = "141003"  # 神奈川県横浜市
NOW = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
CODE = "12345678906"

ADDRESSES = {
    KAWAGOE: "埼玉県川越市大字的場1-2-3",
    CHIYODA: "東京都千代田区千代田1-1",
    YOKOHAMA: "神奈川県横浜市西区高島二丁目5番",
}


class Municipality:
    """Builds ``center.identity`` envelopes from one municipality, chained per person."""

    _seq = 0  # one outbox seq counter across all senders is fine: only order matters

    def __init__(self, lg_code: str) -> None:
        self.lg_code = lg_code
        self.last: dict[str, int] = {}

    def update(
        self,
        reason: str,
        effective: str,
        *,
        code: str = CODE,
        status: str = "active",
        name: str = "髙橋　一郎",
        kana: str = "タカハシ　イチロウ",
        born: str = "1970-05-06",
        sex: str = "male",
        address: str | None = None,
        **extra: Any,
    ) -> Envelope:
        Municipality._seq += 1
        seq = Municipality._seq
        previous = self.last.get(code)
        self.last[code] = seq
        payload = {
            "notification_id": str(uuid.uuid4()),
            "reason": reason,
            "effective_date": effective,
            "lg_code": self.lg_code,
            "person_id": f"p-{self.lg_code}-{code}",
            "resident_code": code,
            "name": name,
            "name_kana": kana,
            "date_of_birth": born,
            "sex": sex,
            "address": address or ADDRESSES[self.lg_code],
            "status": status,
            "has_individual_number": True,
            **extra,
        }
        return Envelope(
            message_id=str(uuid.uuid4()),
            topic="center.identity",
            ordering_key=code,
            sender=self.lg_code,
            seq=seq,
            previous_seq=previous,
            payload=payload,
            created_at=NOW,
        )


def deliver(engine: Engine, envelopes: Sequence[Envelope]) -> list[Receipt]:
    return [receive(engine, env, apply_identity) for env in envelopes]


def holder(engine: Engine, code: str = CODE) -> sa.Row[Any] | None:
    with engine.connect() as conn:
        query = sa.select(center_identity).where(center_identity.c.resident_code == code)
        return conn.execute(query).first()


def history(engine: Engine, code: str = CODE) -> list[sa.Row[Any]]:
    h = center_identity_history.c
    with engine.connect() as conn:
        query = sa.select(center_identity_history).where(h.resident_code == code)
        return list(conn.execute(query.order_by(h.history_id)))


PENSION_PURPOSE = "年金給付の現況確認"


def pension_office(engine: Engine) -> tuple[Agency, str]:
    with write_transaction(engine) as conn:
        agency = add_agency(
            conn,
            "日本年金機構",
            legal_ground="住民基本台帳法 別表第一 (年金給付の支給に関する事務)",
            purposes=[PENSION_PURPOSE],
        )
        token = issue_token(conn, agency.agency_id)
    return agency, token


@pytest.fixture
def kawagoe() -> Municipality:
    return Municipality(KAWAGOE)


@pytest.fixture
def chiyoda() -> Municipality:
    return Municipality(CHIYODA)


@pytest.fixture
def yokohama() -> Municipality:
    return Municipality(YOKOHAMA)
