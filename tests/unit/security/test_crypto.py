"""Field encryption (AES-256-GCM) and keyed look-up hashes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jichi.kernel.errors import JichiError
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys

KEYS = Keys.derive(b"k" * 32)
OTHER_KEYS = Keys.derive(b"o" * 32)
CIPHER = FieldCipher(KEYS)
NUMBER = "123456789018"
CONTEXT = "individual_number"


def flip_byte(token: str, index: int) -> str:
    version, body = token.split(".", 1)
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw[index % len(raw)] ^= 0x01
    return version + "." + base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


def assert_sec_001(error: JichiError, *secrets: str) -> None:
    assert error.code == "SEC-001"
    assert error.http_status == 500
    shown = " ".join([str(error), error.message_ja, error.message_en, repr(error.to_dict())])
    for secret in secrets:
        assert secret not in shown


@given(st.text(), st.sampled_from(["individual_number", "honseki", "x"]))
def test_decrypt_gives_back_what_was_encrypted(plaintext: str, context: str) -> None:
    assert CIPHER.decrypt(CIPHER.encrypt(plaintext, context=context), context=context) == plaintext


def test_a_token_is_versioned_compact_base64url_text() -> None:
    token = CIPHER.encrypt(NUMBER, context=CONTEXT)
    assert re.fullmatch(r"v1\.[A-Za-z0-9_-]+", token)
    # 12-byte nonce + 12-byte plaintext + 16-byte tag = 40 bytes = 54 base64 characters
    assert len(token) == len("v1.") + 54
    assert NUMBER not in token


def test_two_encryptions_of_the_same_value_differ() -> None:
    tokens = {CIPHER.encrypt(NUMBER, context=CONTEXT) for _ in range(20)}
    assert len(tokens) == 20


@pytest.mark.parametrize("index", [0, 5, 11, 12, 20, 39])
def test_a_flipped_byte_anywhere_fails_with_sec_001(index: int) -> None:
    token = flip_byte(CIPHER.encrypt(NUMBER, context=CONTEXT), index)
    with pytest.raises(JichiError) as caught:
        CIPHER.decrypt(token, context=CONTEXT)
    assert_sec_001(caught.value, token, NUMBER)


def test_a_token_moved_to_another_column_does_not_decrypt() -> None:
    token = CIPHER.encrypt(NUMBER, context=CONTEXT)
    with pytest.raises(JichiError) as caught:
        CIPHER.decrypt(token, context="remarks")
    assert_sec_001(caught.value, token, NUMBER)
    assert caught.value.field == "remarks"


def test_a_token_does_not_decrypt_under_another_key() -> None:
    token = CIPHER.encrypt(NUMBER, context=CONTEXT)
    with pytest.raises(JichiError) as caught:
        FieldCipher(OTHER_KEYS).decrypt(token, context=CONTEXT)
    assert_sec_001(caught.value, token, NUMBER)


@pytest.mark.parametrize(
    "token",
    ["", "v1", "v1.", "v2.AAAA", "garbage", "v1.!!!!", "v1.AAAA", "v1." + "A" * 30 + "*"],
)
def test_a_malformed_token_fails_with_sec_001(token: str) -> None:
    with pytest.raises(JichiError) as caught:
        CIPHER.decrypt(token, context=CONTEXT)
    assert_sec_001(caught.value)


def test_the_lookup_hash_is_hmac_sha256_of_context_nul_value_with_the_lookup_key() -> None:
    expected = hmac.new(
        KEYS.lookup_key, b"individual_number\x00" + NUMBER.encode(), hashlib.sha256
    ).hexdigest()
    assert CIPHER.lookup_hash(NUMBER, context=CONTEXT) == expected
    assert re.fullmatch(r"[0-9a-f]{64}", expected)


def test_the_lookup_hash_is_stable_across_ciphers_with_the_same_keys() -> None:
    again = FieldCipher(Keys.derive(b"k" * 32))
    assert again.lookup_hash(NUMBER, context=CONTEXT) == CIPHER.lookup_hash(NUMBER, context=CONTEXT)


def test_the_lookup_hash_differs_by_context_by_key_and_by_value() -> None:
    base = CIPHER.lookup_hash(NUMBER, context=CONTEXT)
    assert CIPHER.lookup_hash(NUMBER, context="corporate_number") != base
    assert FieldCipher(OTHER_KEYS).lookup_hash(NUMBER, context=CONTEXT) != base
    assert CIPHER.lookup_hash("123456789026", context=CONTEXT) != base


def test_a_context_that_is_empty_or_holds_nul_is_a_programming_error() -> None:
    # NUL separates context from value, so it must not occur in a context.
    with pytest.raises(ValueError):
        CIPHER.lookup_hash("b", context="a\x00")
    with pytest.raises(ValueError):
        CIPHER.encrypt("b", context="")


def test_the_lookup_hash_does_not_use_the_encryption_key() -> None:
    with_encryption_key = hmac.new(
        KEYS.encryption_key, b"individual_number\x00" + NUMBER.encode(), hashlib.sha256
    ).hexdigest()
    assert CIPHER.lookup_hash(NUMBER, context=CONTEXT) != with_encryption_key


def test_repr_of_the_cipher_and_the_keys_shows_no_key_material() -> None:
    for shown in (repr(CIPHER), repr(KEYS), str(KEYS)):
        assert KEYS.encryption_key.hex() not in shown
        assert repr(KEYS.encryption_key) not in shown
        assert repr(KEYS.lookup_key) not in shown
