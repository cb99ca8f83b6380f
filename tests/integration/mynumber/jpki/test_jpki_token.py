"""The chip as a real PKCS#11 token (SoftHSM2): keys stay inside, the PIN guards use."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pkcs11 import Attribute, ObjectClass
from pkcs11 import exceptions as px
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.mynumber.jpki.service import Jpki
from jichi.mynumber.jpki.token import AUTH_LABEL, SIGN_LABEL, ChipToken, Purpose
from jichi.store.engine import write_transaction
from tests.integration.mynumber.jpki.conftest import PIN, holder


def test_private_keys_are_sensitive_and_not_extractable(card: ChipToken) -> None:
    card.generate_keys(PIN)
    for purpose in Purpose:
        assert card.private_key_flags(purpose, PIN) == {"extractable": False, "sensitive": True}
    with card.session(PIN) as session:
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=SIGN_LABEL)
        with pytest.raises(px.AttributeSensitive):
            key[Attribute.PRIVATE_EXPONENT]
        labels = {
            o[Attribute.LABEL]
            for o in session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY})
        }
    assert labels == {SIGN_LABEL, AUTH_LABEL}


def test_keys_are_rsa_2048(card: ChipToken) -> None:
    keys = card.generate_keys(PIN)
    assert {k.key_size for k in keys.values()} == {2048}
    assert keys[Purpose.SIGN].public_numbers() != keys[Purpose.AUTH].public_numbers()


def test_a_wrong_pin_fails_in_the_token(card: ChipToken) -> None:
    card.generate_keys(PIN)
    with pytest.raises(JichiError) as caught:
        card.sign(Purpose.SIGN, b"data", "WRONG99")
    assert caught.value.code == "JPKI-002"


def test_an_unknown_token_is_a_typed_error(softhsm: object) -> None:
    with pytest.raises(JichiError) as caught:
        ChipToken("no-such-card").sign(Purpose.SIGN, b"x", PIN)
    assert caught.value.code == "JPKI-003"


def test_a_token_signature_verifies_with_the_certificate_key(
    engine: Engine, jpki: Jpki, card: ChipToken
) -> None:
    with write_transaction(engine) as conn:
        certs = jpki.issuer.issue_card(conn, holder(), card, PIN)
    payload = "転出届 2026-12-03".encode()
    for purpose, cert in certs.items():
        signature = card.sign(purpose, payload, PIN)
        public = cert.public_key()
        assert isinstance(public, rsa.RSAPublicKey)
        public.verify(signature, payload, padding.PKCS1v15(), hashes.SHA256())  # raises if not
        # the token's public key is the certificate's
        assert card.public_key(purpose, PIN).public_numbers() == public.public_numbers()
