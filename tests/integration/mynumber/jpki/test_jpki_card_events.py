"""Card events and registry removals revoke certificates in one transaction (both databases).

The chain under test is the one the composition roots wire
(:mod:`jichi.mynumber.wiring`): registry event → JPKI 第12条 revocation → card end →
the card's event → JPKI revocation of what is left, on one connection.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.mynumber import wiring
from jichi.mynumber.card import CardState, Channel, EndReason
from jichi.mynumber.card_store import CardStore
from jichi.mynumber.events import Event
from jichi.mynumber.jpki import store, verifiers
from jichi.mynumber.jpki.ca import CaSet
from jichi.mynumber.jpki.card_events import make_card_listener
from jichi.mynumber.jpki.profiles import Holder as CertHolder
from jichi.mynumber.jpki.service import Jpki
from jichi.mynumber.jpki.token import ChipToken, Purpose
from jichi.mynumber.pins import PinKind
from jichi.registry.service import Registry
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from jichi.store.engine import write_transaction
from tests.integration.mynumber.jpki.conftest import CLERK, LG, PIN, holder_of, move_in_family

TODAY = datetime.now(UTC).date()
PINS = {
    PinKind.SIGNATURE: "ABC123",
    PinKind.USER_AUTHENTICATION: "1111",
    PinKind.RESIDENT_REGISTRY: "2222",
    PinKind.TEXT_INPUT: "3333",
}
ABROAD = {"town": "アメリカ合衆国", "abroad": True}


def _wired_registry(engine: Engine, *extra: Any) -> Registry:
    cipher = FieldCipher(Keys.derive(b"k" * 32))
    return Registry(engine, LG, cipher, listeners=[*wiring.registry_listeners(), *extra])


def _active_card(cards: CardStore, person_id: str) -> str:
    card = cards.apply_for_resident(person_id, TODAY)
    cards.manufacture(card.card_id, TODAY)
    cards.deliver(card.card_id, TODAY, identity_check="運転免許証", pins=PINS)
    return card.card_id


def _certify(engine: Engine, jpki: Jpki, holder: CertHolder, card: ChipToken) -> dict[Purpose, Any]:
    with write_transaction(engine) as conn:
        return jpki.issuer.issue_card(conn, holder, card, PIN)


def _status(engine: Engine, cert: Any) -> tuple[str, int | None, str | None]:
    with engine.connect() as conn:
        row = store.get(conn, f"{cert.serial_number:x}")
        ground = conn.execute(
            sa.text("SELECT revocation_ground FROM jpki_certificate WHERE serial = :s"),
            {"s": f"{cert.serial_number:x}"},
        ).scalar_one()
    assert row is not None
    return row.status, row.revocation_reason, ground


def _ocsp(engine: Engine, jpki: Jpki, cas: CaSet, cert: Any, purpose: Purpose) -> str:
    with write_transaction(engine) as conn:
        _, token = verifiers.register(conn, f"rp-{cert.serial_number:x}"[:40])
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(cert, cas.for_purpose(purpose).cert, hashes.SHA1())
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    response = ocsp.load_der_ocsp_response(jpki.responder.answer(request, token))
    return str(response.certificate_status.name.lower())


@pytest.fixture
def setting(engine: Engine, jpki: Jpki, card: ChipToken) -> dict[str, Any]:
    """太郎 on the wired registry with an active card and both certificates."""
    registry = _wired_registry(engine)
    family = move_in_family(registry)
    taro = family["太郎"]
    cards = CardStore(engine, LG, listeners=wiring.card_listeners())
    card_id = _active_card(cards, taro)
    certs = _certify(engine, jpki, holder_of(registry, taro), card)
    return {"registry": registry, "family": family, "cards": cards, "card_id": card_id,
            "certs": certs, "taro": taro}  # fmt: skip


def test_a_suspension_makes_both_ocsp_answers_revoked_with_no_step_between(
    engine: Engine, jpki: Jpki, cas: CaSet, setting: dict[str, Any]
) -> None:
    certs = setting["certs"]
    assert _ocsp(engine, jpki, cas, certs[Purpose.SIGN], Purpose.SIGN) == "good"
    setting["cards"].suspend(setting["card_id"], TODAY)
    assert _ocsp(engine, jpki, cas, certs[Purpose.SIGN], Purpose.SIGN) == "revoked"
    assert _ocsp(engine, jpki, cas, certs[Purpose.AUTH], Purpose.AUTH) == "revoked"
    assert _status(engine, certs[Purpose.SIGN]) == ("revoked", 1, "suspended")
    assert _status(engine, certs[Purpose.AUTH]) == ("revoked", 1, "suspended")


def test_lifting_a_suspension_does_not_bring_the_certificates_back(
    engine: Engine, jpki: Jpki, cas: CaSet, setting: dict[str, Any]
) -> None:
    cards: CardStore = setting["cards"]
    cards.suspend(setting["card_id"], TODAY)
    cards.resume(setting["card_id"], TODAY, identity_check="旅券", channel=Channel.COUNTER)
    assert cards.get(setting["card_id"]).state is CardState.ACTIVE
    for purpose in (Purpose.SIGN, Purpose.AUTH):
        assert _ocsp(engine, jpki, cas, setting["certs"][purpose], purpose) == "revoked"


def test_a_failing_listener_rolls_the_suspension_back(
    engine: Engine, setting: dict[str, Any]
) -> None:
    def refuse(conn: sa.Connection, event: Event) -> None:
        raise RuntimeError("a later listener fails")

    failing = CardStore(engine, LG, listeners=[make_card_listener(), refuse])
    with pytest.raises(RuntimeError):
        failing.suspend(setting["card_id"], TODAY)
    assert failing.get(setting["card_id"]).state is CardState.ACTIVE
    for purpose in (Purpose.SIGN, Purpose.AUTH):
        assert _status(engine, setting["certs"][purpose])[0] == "good"


def test_a_return_ends_both_certificates_as_cessation(
    engine: Engine, setting: dict[str, Any]
) -> None:
    setting["cards"].return_card(setting["card_id"], TODAY)
    for purpose in (Purpose.SIGN, Purpose.AUTH):
        assert _status(engine, setting["certs"][purpose]) == ("revoked", 5, "card_ended")


def test_a_refused_command_revokes_nothing(engine: Engine, setting: dict[str, Any]) -> None:
    cards: CardStore = setting["cards"]
    with pytest.raises(JichiError) as caught:
        cards.resume(setting["card_id"], TODAY, identity_check="旅券", channel=Channel.COUNTER)
    assert caught.value.code == "MYN-010"
    assert _status(engine, setting["certs"][Purpose.AUTH])[0] == "good"


def test_a_death_on_the_registry_ends_the_card_and_both_certificates(
    engine: Engine, setting: dict[str, Any]
) -> None:
    family = setting["family"]
    setting["registry"].apply(
        setting["registry"].parse(
            {
                "kind": "death",
                "person_id": setting["taro"],
                "effective_date": TODAY.isoformat(),
                "new_head_id": family["花子"],
                "relationships": {family["一郎"]: "子"},
            }
        ),
        CLERK,
    )
    card = setting["cards"].get(setting["card_id"])
    assert card.state is CardState.REVOKED and card.end_reason is EndReason.DEATH
    assert card.ended_on == TODAY
    # 署名用 by the registry's 第12条 listener, 利用者証明用 by the card's end: both "death"
    assert _status(engine, setting["certs"][Purpose.SIGN]) == ("revoked", 5, "death")
    assert _status(engine, setting["certs"][Purpose.AUTH]) == ("revoked", 5, "death")


def test_a_failure_after_the_death_keeps_the_card(engine: Engine, setting: dict[str, Any]) -> None:
    def refuse(conn: sa.Connection, event: Any) -> None:
        raise RuntimeError("a later listener fails")

    failing = _wired_registry(engine, refuse)
    family = setting["family"]
    with pytest.raises(RuntimeError):
        failing.apply(
            failing.parse(
                {
                    "kind": "death",
                    "person_id": setting["taro"],
                    "effective_date": TODAY.isoformat(),
                    "new_head_id": family["花子"],
                    "relationships": {family["一郎"]: "子"},
                }
            ),
            CLERK,
        )
    assert setting["cards"].get(setting["card_id"]).state is CardState.ACTIVE
    assert _status(engine, setting["certs"][Purpose.AUTH])[0] == "good"


def _move_abroad(setting: dict[str, Any], departure: date) -> None:
    registry: Registry = setting["registry"]
    registry.apply(
        registry.parse(
            {
                "kind": "move_out",
                "planned_date": departure.isoformat(),
                "person_ids": sorted(setting["family"].values()),
                "destination": ABROAD,
            }
        ),
        CLERK,
    )


def test_a_move_abroad_without_continued_use_ends_the_card_on_the_departure_day(
    engine: Engine, setting: dict[str, Any]
) -> None:
    departure = TODAY + timedelta(days=5)
    _move_abroad(setting, departure)
    card = setting["cards"].get(setting["card_id"])
    assert card.state is CardState.REVOKED and card.end_reason is EndReason.MOVED_ABROAD
    assert card.ended_on == departure
    assert _status(engine, setting["certs"][Purpose.SIGN]) == ("revoked", 3, "move_out")
    assert _status(engine, setting["certs"][Purpose.AUTH]) == ("revoked", 5, "card_ended")


def test_a_card_kept_for_use_abroad_survives_the_move_with_its_auth_certificate(
    engine: Engine, setting: dict[str, Any]
) -> None:
    departure = TODAY + timedelta(days=5)
    cards: CardStore = setting["cards"]
    cards.abroad_continue(setting["card_id"], departure, TODAY)
    _move_abroad(setting, departure)
    assert cards.get(setting["card_id"]).state is CardState.ABROAD_CONTINUED
    assert _status(engine, setting["certs"][Purpose.SIGN]) == ("revoked", 3, "move_out")
    assert _status(engine, setting["certs"][Purpose.AUTH])[0] == "good"


def test_a_death_after_the_card_ran_out_is_recorded_and_the_card_stays_expired(
    engine: Engine,
) -> None:
    from jichi.mynumber.validity import Holder

    registry = _wired_registry(engine)
    family = move_in_family(registry)
    cards = CardStore(engine, LG, listeners=wiring.card_listeners())
    old = cards.apply(family["太郎"], Holder(date(1980, 4, 2)), date(2010, 1, 1))
    cards.manufacture(old.card_id, date(2010, 1, 10))
    cards.deliver(old.card_id, date(2010, 1, 20), identity_check="旅券", pins=PINS)
    registry.apply(
        registry.parse(
            {
                "kind": "death",
                "person_id": family["太郎"],
                "effective_date": TODAY.isoformat(),
                "new_head_id": family["花子"],
                "relationships": {family["一郎"]: "子"},
            }
        ),
        CLERK,
    )
    assert not registry.read_record(family["太郎"], CLERK).is_active
    card = cards.get(old.card_id)
    assert card.state is CardState.EXPIRED and card.end_reason is EndReason.VALIDITY
