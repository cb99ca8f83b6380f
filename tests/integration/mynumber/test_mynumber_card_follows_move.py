"""The card follows its holder: after a 転出 and the 特例転入, the card is the new municipality's.

千代田区 (131016) and 川越市 (112011) share one database (both backends), and their nodes
carry the My Number listeners as ``jichi network node`` wires them.  The card's row must
change municipality and holder in the transaction that records the 転入, so 川越市's counter
can do 継続利用, PIN resets and suspensions, and 千代田区's can no longer act on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.mynumber import wiring
from jichi.mynumber.card import CardState, Channel, EndReason
from jichi.mynumber.card_store import CardStore
from jichi.mynumber.outbox import events_of
from jichi.mynumber.pins import PinKind
from jichi.mynumber.tables import mynumber_card
from jichi.network.flows.card_move import (
    CardMoveIn,
    PendingStatus,
    file_card_move_out,
    file_online_move_out,
    get_pending,
    request_card_move_in,
)
from jichi.network.node import Node
from jichi.network.transport import InProcessTransport
from jichi.registry import commands as c
from jichi.registry.model import Address
from jichi.registry.service import Registry
from jichi.registry.tables import resident
from jichi.security.actor import Actor
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from tests.integration.network.conftest import run_async
from tests.integration.network.flows.conftest import ABROAD, address, yamada

OLD, NEW = "131016", "112011"
CIPHER = FieldCipher(Keys.derive(b"f" * 32))
TARO_CODE = "12345678901"
PINS = {
    PinKind.SIGNATURE: "ABC123",
    PinKind.USER_AUTHENTICATION: "1111",
    PinKind.RESIDENT_REGISTRY: "2222",
    PinKind.TEXT_INPUT: "3333",
}


@dataclass
class Two:
    engine: Engine
    nodes: dict[str, Node]
    taro: str  # 太郎's person id at 千代田区
    card_id: str

    def cards(self, lg_code: str) -> CardStore:
        return CardStore(self.engine, lg_code, listeners=wiring.card_listeners())

    def settle(self) -> None:
        async def run() -> None:
            for _ in range(8):
                moved = 0
                for node in self.nodes.values():
                    moved += await node.send()
                for node in self.nodes.values():
                    moved += await node.receive_all()
                if not moved:
                    return

        run_async(run())

    def move_in(self, moved_on: date) -> str:
        """川越市's counter takes the 特例転入; the network brings the data; the new id."""
        draft = CardMoveIn(
            from_lg_code=OLD,
            resident_code=TARO_CODE,
            effective_date=moved_on,
            address=Address.model_validate(address(NEW)),
        )
        pending = request_card_move_in(self.nodes[NEW], draft, Actor("clerk-suzuki", NEW, "clerk"))
        self.settle()
        done = get_pending(self.nodes[NEW], pending.request_id)
        assert done.status is PendingStatus.REGISTERED, done.reason_en
        with self.engine.connect() as conn:
            return str(
                conn.execute(
                    sa.select(resident.c.person_id).where(
                        resident.c.lg_code == NEW, resident.c.resident_code == TARO_CODE
                    )
                ).scalar_one()
            )


@pytest.fixture
def two(engine: Engine) -> Iterator[Two]:
    transport = InProcessTransport()
    nodes = {
        lg: Node(engine, lg, transport, cipher=CIPHER, listeners=wiring.registry_listeners())
        for lg in (OLD, NEW)
    }
    registry = Registry(engine, OLD, CIPHER, listeners=wiring.registry_listeners())
    registry.apply(
        registry.parse(
            {
                "kind": "move_in",
                "effective_date": (date.today() - timedelta(days=60)).isoformat(),
                "address": address(OLD),
                "previous_address": ABROAD,
                "persons": yamada()[:1],  # 太郎 alone: he moves with his card
            }
        ),
        Actor("clerk-sato", OLD, "clerk"),
    )
    with engine.connect() as conn:
        taro = str(
            conn.execute(
                sa.select(resident.c.person_id).where(resident.c.resident_code == TARO_CODE)
            ).scalar_one()
        )
    cards = CardStore(engine, OLD, listeners=wiring.card_listeners())
    today = date.today()
    card = cards.apply_for_resident(taro, today - timedelta(days=40))
    cards.manufacture(card.card_id, today - timedelta(days=30))
    cards.deliver(card.card_id, today - timedelta(days=20), identity_check="運転免許証", pins=PINS)
    yield Two(engine, nodes, taro, card.card_id)


def move_out(two: Two, *, online: bool) -> None:
    cmd = c.MoveOut(
        person_ids=[two.taro],
        planned_date=date.today() + timedelta(days=3),
        destination=Address.model_validate(address(NEW)),
    )
    if online:  # as the portal's receipt does: the 転出届, then the card's 特例転出
        file_online_move_out(two.nodes[OLD], cmd, filer_id=two.taro, card_holder_ids=[two.taro])
        two.cards(OLD).move_out(two.card_id, cmd.planned_date, date.today())
    else:  # at the counter, with the card
        file_card_move_out(
            two.nodes[OLD], cmd, Actor("clerk-sato", OLD, "clerk"), card_holder_ids=[two.taro]
        )


@pytest.mark.parametrize("online", [True, False], ids=["online", "counter"])
def test_after_the_move_in_the_card_is_the_new_municipalitys_and_not_the_old_ones(
    two: Two, online: bool
) -> None:
    move_out(two, online=online)
    today = two.nodes[NEW].today()  # JST
    new_taro = two.move_in(today)
    with two.engine.connect() as conn:
        rows = conn.execute(
            sa.select(mynumber_card.c.lg_code, mynumber_card.c.person_id).where(
                mynumber_card.c.card_id == two.card_id
            )
        ).all()
    assert [(r.lg_code, r.person_id) for r in rows] == [(NEW, new_taro)]
    card = two.cards(NEW).get(two.card_id)
    assert card.state is CardState.ACTIVE and card.person_id == new_taro
    assert card.move is not None and card.move.move_in_notified_on == today
    assert two.cards(OLD).cards_of(two.taro) == []
    with pytest.raises(JichiError) as gone:
        two.cards(OLD).suspend(two.card_id, today)
    assert gone.value.code == "MYN-030"
    with two.engine.connect() as conn:
        steps = [e.payload.get("step") for e in events_of(conn, NEW, two.card_id)]
    assert steps[-2:] == ["followed", "move_in"]


def test_the_new_counter_does_continued_use_pin_reset_and_suspension(two: Two) -> None:
    move_out(two, online=True)
    today = two.nodes[NEW].today()
    two.move_in(today)
    cards = two.cards(NEW)
    continued = cards.continue_use(two.card_id, today, pin=PINS[PinKind.RESIDENT_REGISTRY])
    assert continued.move is None and continued.state is CardState.ACTIVE
    for _ in range(3):
        with pytest.raises(JichiError):
            cards.use_pin(two.card_id, PinKind.USER_AUTHENTICATION, "9999", today)
    auth = PinKind.USER_AUTHENTICATION
    assert cards.get(two.card_id).pins[auth].locked(auth)
    reset = cards.reset_pin(
        two.card_id, PinKind.USER_AUTHENTICATION, "5555", today, channel=Channel.COUNTER
    )
    assert not reset.pins[auth].locked(auth)
    assert cards.suspend(two.card_id, today).state is CardState.SUSPENDED


def test_without_the_move_in_the_card_stays_and_lapses_at_the_old_municipality(two: Two) -> None:
    move_out(two, online=True)
    cards = two.cards(OLD)
    later = date.today() + timedelta(days=3 + 31)  # 30 days after the planned 転出
    assert [c.card_id for c in cards.expire(later)] == [two.card_id]
    ended = cards.get(two.card_id)
    assert ended.state is CardState.REVOKED and ended.end_reason is EndReason.NO_MOVE_IN


def _certificate(two: Two, serial: str, profile: str) -> None:
    from datetime import UTC, datetime

    from jichi.mynumber.jpki.tables import jpki_certificate

    now = datetime.now(UTC)
    with two.engine.begin() as conn:
        conn.execute(
            jpki_certificate.insert().values(
                serial=serial, profile=profile, person_id=two.taro, lg_code=OLD,
                token_label=f"card-{two.card_id}", status="good", not_before=now,
                not_after=now + timedelta(days=365), issued_at=now, substitutions=[],
                der=b"\x30\x00",
            )
        )  # fmt: skip


def test_the_cards_certificates_follow_it_and_a_death_there_revokes_them(two: Two) -> None:
    """Without following, a death at 川越市 would leave the 利用者証明用 certificate good."""
    from jichi.mynumber.jpki.tables import jpki_certificate as t

    _certificate(two, "a1", "auth")
    _certificate(two, "51", "sign")
    move_out(two, online=False)
    today = two.nodes[NEW].today()  # JST
    new_taro = two.move_in(today)

    def rows() -> dict[str, tuple[str, str, str]]:
        with two.engine.connect() as conn:
            found = conn.execute(sa.select(t.c.serial, t.c.person_id, t.c.lg_code, t.c.status))
            return {r.serial: (r.person_id, r.lg_code, r.status) for r in found}

    after_move = rows()
    assert after_move["a1"] == (new_taro, NEW, "good")  # the card's auth certificate followed
    assert after_move["51"] == (two.taro, OLD, "revoked")  # 署名用: revoked by the 転出
    registry = Registry(two.engine, NEW, CIPHER, listeners=wiring.registry_listeners())
    registry.apply(
        registry.parse(
            {"kind": "death", "person_id": new_taro, "effective_date": today.isoformat()}
        ),
        Actor("clerk-suzuki", NEW, "clerk"),
    )
    assert rows()["a1"][2] == "revoked"
