"""The audit chain's hash: pure, canonical, and sensitive to every field."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from jichi.kernel.errors import JichiError
from jichi.security.audit import (
    GENESIS_HASH,
    AuditEntry,
    VerifyFailure,
    canonical_detail,
    entry_hash,
    entry_mac,
    validate_entry,
)
from jichi.security.keys import Keys

JST = timezone(timedelta(hours=9))
ENTRY = AuditEntry(
    lg_code="112011",
    at=datetime(2026, 4, 1, 9, 30, 0, 123456, tzinfo=JST),
    actor="clerk-0001",
    actor_role="counter_clerk",
    action="resident.read",
    subject_person_id="0b7c6f1e-2c3d-4e5f-8a9b-0c1d2e3f4a5b",
    purpose="転入届の受付",
    detail={"items": ["basic_four"], "via": "窓口"},
)


def test_the_hash_is_sha256_of_the_documented_canonical_json() -> None:
    canonical = (
        '{"action":"resident.read","actor":"clerk-0001","actor_role":"counter_clerk",'
        '"at":"2026-04-01T00:30:00.123456+00:00","detail":{"items":["basic_four"],'
        '"via":"窓口"},"lg_code":"112011","prev_hash":"' + GENESIS_HASH + '",'
        '"purpose":"転入届の受付","subject_person_id":"0b7c6f1e-2c3d-4e5f-8a9b-0c1d2e3f4a5b"}'
    )
    assert entry_hash(GENESIS_HASH, ENTRY) == hashlib.sha256(canonical.encode()).hexdigest()


def test_the_hash_is_the_same_every_time() -> None:
    assert entry_hash("a" * 64, ENTRY) == entry_hash("a" * 64, dataclasses.replace(ENTRY))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("lg_code", "131016"),
        ("at", datetime(2026, 4, 1, 0, 30, 0, 123457, tzinfo=UTC)),
        ("actor", "clerk-0002"),
        ("actor_role", "supervisor"),
        ("action", "certificate.issue"),
        ("subject_person_id", None),
        ("purpose", None),
        ("purpose", "転入届の受付 "),
        ("detail", {"items": ["basic_four", "honseki"], "via": "窓口"}),
        ("detail", {}),
    ],
)
def test_changing_any_field_changes_the_hash(name: str, value: Any) -> None:
    changed = dataclasses.replace(ENTRY, **{name: value})
    assert entry_hash(GENESIS_HASH, changed) != entry_hash(GENESIS_HASH, ENTRY)


def test_changing_the_previous_hash_changes_the_hash() -> None:
    assert entry_hash("f" * 64, ENTRY) != entry_hash(GENESIS_HASH, ENTRY)


def test_the_same_instant_in_another_time_zone_hashes_the_same() -> None:
    in_utc = dataclasses.replace(ENTRY, at=ENTRY.at.astimezone(UTC))
    assert in_utc.at.tzinfo is UTC
    assert entry_hash(GENESIS_HASH, in_utc) == entry_hash(GENESIS_HASH, ENTRY)


def test_the_order_of_keys_in_detail_does_not_matter() -> None:
    reordered = dataclasses.replace(ENTRY, detail={"via": "窓口", "items": ["basic_four"]})
    assert entry_hash(GENESIS_HASH, reordered) == entry_hash(GENESIS_HASH, ENTRY)
    assert canonical_detail(reordered.detail) == '{"items":["basic_four"],"via":"窓口"}'


def test_a_naive_timestamp_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        dataclasses.replace(ENTRY, at=datetime(2026, 4, 1, 9, 30))


def test_the_entry_keeps_its_own_copy_of_detail() -> None:
    detail: dict[str, Any] = {"items": ["basic_four"]}
    entry = dataclasses.replace(ENTRY, detail=detail)
    before = entry_hash(GENESIS_HASH, entry)
    detail["items"] = ["honseki"]
    assert entry_hash(GENESIS_HASH, entry) == before


def test_a_new_entry_is_stamped_with_the_current_time_in_utc() -> None:
    entry = AuditEntry(lg_code="000000", actor="system", actor_role="system", action="x")
    assert entry.at.tzinfo is UTC
    assert abs(datetime.now(UTC) - entry.at) < timedelta(seconds=5)
    assert entry.detail == {}


@pytest.mark.parametrize(
    ("detail", "path"),
    [
        ({"query": "123456789018"}, "detail.query"),
        ({"query": "個人番号 1234 5678 9018 で検索"}, "detail.query"),
        ({"query": "1234-5678-9018"}, "detail.query"),
        ({"query": "１２３４５６７８９０１８"}, "detail.query"),
        ({"numbers": [1, 123456789018]}, "detail.numbers[1]"),
        ({"nested": {"list": ["ok", {"n": "123456789018"}]}}, "detail.nested.list[1].n"),
        ({"123456789018": True}, "detail"),
    ],
)
def test_an_individual_number_in_detail_is_refused_with_sec_002(
    detail: dict[str, Any], path: str
) -> None:
    with pytest.raises(JichiError) as caught:
        validate_entry(dataclasses.replace(ENTRY, detail=detail))
    assert caught.value.code == "SEC-002"
    assert caught.value.field == path
    assert "123456789018" not in caught.value.message_ja + caught.value.message_en


@pytest.mark.parametrize(
    "detail",
    [
        {"query": "123456789017"},  # wrong check digit
        {"query": "1234567890181"},  # 13 digits: a corporate number's length
        {"household": "0b7c6f1e-2c3d-4e5f-8a9b-123456789018"},  # all-digit tail of a UUID
        {"phone": "03-1234-5678", "resident_code": "12345678901"},
        {"count": 123456789018.0, "flag": True},
    ],
)
def test_other_digits_in_detail_are_accepted(detail: dict[str, Any]) -> None:
    validate_entry(dataclasses.replace(ENTRY, detail=detail))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("lg_code", "11201"),
        ("lg_code", "１１２０１１"),
        ("actor", ""),
        ("actor", "x" * 101),
        ("actor_role", "x" * 51),
        ("action", "x" * 101),
        ("subject_person_id", "x" * 37),
        ("detail", {"at": datetime(2026, 1, 1)}),
        ("detail", {"ratio": float("nan")}),
    ],
)
def test_an_entry_the_databases_would_treat_differently_is_a_programming_error(
    name: str, value: Any
) -> None:
    with pytest.raises((ValueError, TypeError)):
        validate_entry(dataclasses.replace(ENTRY, **{name: value}))


def test_every_verify_failure_has_a_japanese_and_an_english_message() -> None:
    for failure in VerifyFailure:
        assert failure.message_ja and failure.message_en.isascii()


@pytest.mark.parametrize(
    "detail",
    [{1: "a"}, {"n": {1: "a", "1": "b"}}, {"s": {1, 2}}, {"b": b"bytes"}, {"o": object()}],
)
def test_a_detail_that_is_not_plain_json_is_refused(detail: dict[Any, Any]) -> None:
    """An int key 1 and a str key "1" would both be stored as "1": a duplicate key."""
    with pytest.raises(ValueError, match="detail"):
        validate_entry(dataclasses.replace(ENTRY, detail=detail))


def test_the_mac_needs_the_key_and_binds_the_seq_and_the_link() -> None:
    key, other = Keys.derive(b"a" * 32).audit_key, Keys.derive(b"b" * 32).audit_key
    digest = entry_hash(GENESIS_HASH, ENTRY)
    mac = entry_mac(key, 1, GENESIS_HASH, digest, ENTRY)
    assert len(mac) == 64 and mac == entry_mac(key, 1, GENESIS_HASH, digest, ENTRY)
    assert mac != entry_mac(other, 1, GENESIS_HASH, digest, ENTRY)
    assert mac != entry_mac(key, 2, GENESIS_HASH, digest, ENTRY)
    assert mac != entry_mac(key, 1, "a" * 64, digest, ENTRY)
    assert mac != entry_mac(key, 1, GENESIS_HASH, digest, dataclasses.replace(ENTRY, actor="x"))


def test_the_audit_key_is_its_own_derivation_and_never_shown() -> None:
    keys = Keys.derive(b"a" * 32)
    assert keys.audit_mac_key not in (keys.encryption_key, keys.lookup_key)
    assert "audit_mac_key" not in repr(keys) and repr(keys.audit_key) == "AuditKey(<hidden>)"
