"""Keys: derived from one secret, read from the environment, never shown."""

from __future__ import annotations

import base64

import pytest

from jichi.kernel.errors import JichiError
from jichi.security.keys import ENV_KEY, ENV_KEY_FILE, Keys, generate_secret, load_keys

SECRET = base64.urlsafe_b64encode(bytes(range(32))).decode().rstrip("=")


def test_both_keys_are_32_bytes_distinct_and_deterministic() -> None:
    keys = Keys.derive(bytes(range(32)))
    assert len(keys.encryption_key) == len(keys.lookup_key) == 32
    assert keys.encryption_key != keys.lookup_key
    assert Keys.derive(bytes(range(32))) == keys
    assert Keys.derive(bytes(range(1, 33))) != keys


def test_a_master_secret_shorter_than_32_bytes_is_refused() -> None:
    with pytest.raises(ValueError):
        Keys.derive(b"short")


def test_the_environment_secret_wins_with_or_without_padding() -> None:
    expected = Keys.derive(bytes(range(32)))
    assert load_keys(environ={ENV_KEY: SECRET}) == expected
    assert load_keys(environ={ENV_KEY: SECRET + "=\n"}) == expected
    assert load_keys(environ={ENV_KEY: SECRET, ENV_KEY_FILE: "/nonexistent"}) == expected


@pytest.mark.parametrize(
    "value",
    [base64.urlsafe_b64encode(b"x" * 31).decode(), "not base64 at all!", "YWJj*ZGVm"],
)
def test_a_bad_environment_secret_fails_with_sec_003_naming_only_the_variable(
    value: str,
) -> None:
    with pytest.raises(JichiError) as caught:
        load_keys(environ={ENV_KEY: value})
    error = caught.value
    assert error.code == "SEC-003"
    assert ENV_KEY in error.message_ja and ENV_KEY in error.message_en
    assert value not in str(error) + error.message_ja + error.message_en


def test_generated_secrets_are_accepted_and_different_each_time() -> None:
    first, second = generate_secret(), generate_secret()
    assert first != second
    assert load_keys(environ={ENV_KEY: first}) != load_keys(environ={ENV_KEY: second})
