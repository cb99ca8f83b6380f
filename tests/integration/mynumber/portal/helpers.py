"""Cards with real chips for the portal tests: delivered, the chip made, certified."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from jichi.mynumber import wiring
from jichi.mynumber.card_store import CardStore
from jichi.mynumber.jpki.profiles import Holder
from jichi.mynumber.jpki.service import Jpki
from jichi.mynumber.jpki.token import Purpose
from jichi.mynumber.pins import PinKind
from jichi.mynumber.portal.chip import certify, provision_softhsm
from jichi.registry.model import ResidentRecord
from jichi.store.engine import write_transaction

SIGN_PIN = "ABC123"
AUTH_PIN = "1111"
PINS = {
    PinKind.SIGNATURE: SIGN_PIN,
    PinKind.USER_AUTHENTICATION: AUTH_PIN,
    PinKind.RESIDENT_REGISTRY: "2222",
    PinKind.TEXT_INPUT: "3333",
}


def cards(engine: Engine, lg_code: str) -> CardStore:
    return CardStore(engine, lg_code, listeners=wiring.card_listeners())


def card_with_chip(engine: Engine, jpki: Jpki, record: ResidentRecord, today: date) -> str:
    """交付 at the counter (PINs set), the chip made in SoftHSM2, both certificates issued."""
    store = cards(engine, record.lg_code)
    card = store.apply_for_resident(record.person_id, today)
    store.manufacture(card.card_id, today)
    store.deliver(card.card_id, today, identity_check="運転免許証", pins=PINS)
    pins = {Purpose.SIGN: SIGN_PIN, Purpose.AUTH: AUTH_PIN}
    provision_softhsm(card.card_id, pins)
    holder = Holder(
        record.person_id,
        record.lg_code,
        record.name.text(),
        record.address.text(),
        record.date_of_birth,
        record.sex.value,
    )
    with write_transaction(engine) as conn:
        certify(conn, jpki.issuer, holder, card.card_id, pins)
    return card.card_id
