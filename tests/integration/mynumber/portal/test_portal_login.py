"""Portal login: a one-use, short-lived challenge signed in the chip with the auth PIN."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.mynumber.card import CardState
from jichi.mynumber.jpki import store
from jichi.mynumber.jpki.ca import CaSet
from jichi.mynumber.jpki.revocation import Ground
from jichi.mynumber.jpki.service import Jpki
from jichi.mynumber.jpki.token import Purpose
from jichi.mynumber.pins import PinKind
from jichi.mynumber.portal import challenge
from jichi.mynumber.portal.login import authenticate
from jichi.mynumber.portal.reader import CardReader, ReaderOutput
from jichi.store.engine import write_transaction
from tests.integration.mynumber.portal.helpers import AUTH_PIN, card_with_chip, cards
from tests.integration.network.flows.conftest import NEW, OLD, World


@pytest.fixture
def signed_up(world: World, cas: CaSet, softhsm: object) -> tuple[Engine, Jpki, str, str]:
    """太郎 of 千代田区: a delivered card, its two certificates; (engine, jpki, person, card)."""
    world.settle_the_family_in_old()
    engine = world.engines[OLD]
    jpki = Jpki(engine, cas, clock=world.clock)
    taro = world.by_name(OLD)["太郎"]
    return engine, jpki, taro.person_id, card_with_chip(engine, jpki, taro, world.clock.today())


def _challenge(engine: Engine, world: World, lg_code: str = OLD) -> str:
    with write_transaction(engine) as conn:
        return challenge.issue(conn, lg_code, world.clock())


def _sign(
    engine: Engine, card_id: str, text: str, world: World, pin: str = AUTH_PIN
) -> ReaderOutput:
    reader = CardReader(engine, cards(engine, OLD))
    return reader.sign(card_id, Purpose.AUTH, text.encode(), pin, world.clock.today())


def _refused(code: str, fn: object, *args: object) -> JichiError:
    with pytest.raises(JichiError) as caught:
        fn(*args)  # type: ignore[operator]
    assert caught.value.code == code, caught.value.message_en
    return caught.value


def test_a_challenge_signed_in_the_chip_signs_the_resident_in(
    world: World, cas: CaSet, signed_up: tuple[Engine, Jpki, str, str]
) -> None:
    engine, _, taro, card_id = signed_up
    text = _challenge(engine, world)
    output = ReaderOutput.parse(_sign(engine, card_id, text, world).to_json(), Purpose.AUTH)
    signed = authenticate(engine, cas, OLD, text, output, world.clock())
    assert (signed.person_id, signed.lg_code) == (taro, OLD)


def test_a_replayed_challenge_is_refused(
    world: World, cas: CaSet, signed_up: tuple[Engine, Jpki, str, str]
) -> None:
    engine, _, _, card_id = signed_up
    text = _challenge(engine, world)
    output = _sign(engine, card_id, text, world)
    authenticate(engine, cas, OLD, text, output, world.clock())
    _refused("PTL-003", authenticate, engine, cas, OLD, text, output, world.clock())


def test_a_challenge_is_burnt_even_when_its_signature_is_refused(
    world: World, cas: CaSet, signed_up: tuple[Engine, Jpki, str, str]
) -> None:
    engine, _, _, card_id = signed_up
    text = _challenge(engine, world)
    other = _sign(engine, card_id, text + "x", world)  # a signature over other bytes
    error = _refused("JPKI-026", authenticate, engine, cas, OLD, text, other, world.clock())
    assert error.field == "signature"
    good = _sign(engine, card_id, text, world)
    _refused("PTL-003", authenticate, engine, cas, OLD, text, good, world.clock())


def test_an_expired_challenge_is_refused(
    world: World, cas: CaSet, signed_up: tuple[Engine, Jpki, str, str]
) -> None:
    engine, _, _, card_id = signed_up
    text = _challenge(engine, world)
    output = _sign(engine, card_id, text, world)
    later = world.clock() + challenge.DEFAULT_LIFETIME + timedelta(seconds=1)
    error = _refused("PTL-002", authenticate, engine, cas, OLD, text, output, later)
    assert "5分" in error.message_ja


def test_a_challenge_of_another_municipality_is_unknown_here(
    world: World, cas: CaSet, signed_up: tuple[Engine, Jpki, str, str]
) -> None:
    engine, _, _, card_id = signed_up
    text = _challenge(engine, world, NEW)
    output = _sign(engine, card_id, text, world)
    _refused("PTL-001", authenticate, engine, cas, OLD, text, output, world.clock())


def test_a_wrong_auth_pin_is_counted_on_the_card_and_locks_after_three(
    world: World, signed_up: tuple[Engine, Jpki, str, str]
) -> None:
    engine, _, _, card_id = signed_up
    text = _challenge(engine, world)
    first = _refused("MYN-021", _sign, engine, card_id, text, world, "9999")
    assert "2" in first.message_ja  # tries left, as the card counts them
    _refused("MYN-021", _sign, engine, card_id, text, world, "9999")
    _refused("MYN-022", _sign, engine, card_id, text, world, "9999")
    _refused("MYN-022", _sign, engine, card_id, text, world, AUTH_PIN)  # locked: even the right one
    card = cards(engine, OLD).get(card_id)
    assert card.state is CardState.ACTIVE
    assert card.pins[PinKind.USER_AUTHENTICATION].locked(PinKind.USER_AUTHENTICATION)
    assert card.pins[PinKind.SIGNATURE].failures == 0  # the 署名用 PIN has its own counter


def test_a_revoked_auth_certificate_is_refused(
    world: World, cas: CaSet, signed_up: tuple[Engine, Jpki, str, str]
) -> None:
    engine, _, taro, card_id = signed_up
    from jichi.mynumber.jpki.revocation import revoke_person

    with write_transaction(engine) as conn:
        revoked = revoke_person(
            conn, taro, Ground.HOLDER_REQUEST, profiles=("auth",), at=world.clock()
        )
    assert len(revoked) == 1
    text = _challenge(engine, world)
    output = _sign(engine, card_id, text, world)  # the card still works; its certificate does not
    _refused("JPKI-024", authenticate, engine, cas, OLD, text, output, world.clock())
    with engine.connect() as conn:
        row = store.get(conn, revoked[0])
    assert row is not None and row.status == "revoked"


def test_the_reader_output_must_be_the_readers_json(world: World) -> None:
    for text in (
        "",
        "not json",
        "[]",
        '{"purpose":"sign","certificate":"QQ==","signature":"QQ=="}',
    ):
        _refused("PTL-004", ReaderOutput.parse, text, Purpose.AUTH)
