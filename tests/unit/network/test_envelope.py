"""The envelope: what goes in comes out, and a malformed message is a typed error."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jichi.kernel.errors import JichiError
from jichi.network.messages import Envelope

JST = timezone(timedelta(hours=9))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
tokens = st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True)


@st.composite
def envelopes(draw: st.DrawFn) -> Envelope:
    seq = draw(st.integers(1, 2**62))
    previous = draw(st.none() | st.integers(1, seq - 1)) if seq > 1 else None
    return Envelope(
        message_id=str(draw(st.uuids())),
        topic=".".join(draw(st.lists(tokens, min_size=1, max_size=4))),
        ordering_key=draw(st.text(min_size=1, max_size=40)),
        sender=draw(st.from_regex(r"[0-9]{6}", fullmatch=True)),
        seq=seq,
        previous_seq=previous,
        payload=draw(st.dictionaries(st.text(max_size=8), json_values, max_size=5)),
        created_at=draw(st.datetimes(timezones=st.just(UTC))),
    )


def sample(**change: Any) -> dict[str, Any]:
    raw = {
        "v": 1,
        "message_id": str(uuid.uuid4()),
        "topic": "municipality.131016.move_in_notice",
        "ordering_key": "12345678901",
        "sender": "112011",
        "seq": 7,
        "previous_seq": 3,
        "created_at": datetime(2026, 11, 27, 10, 0, tzinfo=JST).isoformat(),
        "payload": {"name": "山田　太郎", "reason": "move_in"},
    }
    raw.update(change)
    return raw


@given(envelopes())
def test_an_envelope_survives_encoding_and_decoding(env: Envelope) -> None:
    assert Envelope.decode(env.encode()) == env


@given(envelopes())
def test_an_envelope_survives_a_dict_round_trip(env: Envelope) -> None:
    assert Envelope.from_dict(json.loads(json.dumps(env.to_dict()))) == env


def test_japanese_text_is_kept_as_is_in_the_encoding() -> None:
    env = Envelope.from_dict(sample())
    assert "山田　太郎".encode() in env.encode()
    assert env.subject() == "jichi.municipality.131016.move_in_notice"
    assert env.chain == ("112011", "municipality.131016.move_in_notice", "12345678901")


@pytest.mark.parametrize("data", [b"not json", b"[1, 2]", b"\xff\xfe", b'"text"'])
def test_a_message_that_is_not_a_json_object_is_net_001(data: bytes) -> None:
    with pytest.raises(JichiError) as caught:
        Envelope.decode(data)
    assert caught.value.code == "NET-001"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"v": 2}, "v"),
        ({"message_id": "42"}, "message_id"),
        ({"message_id": None}, "message_id"),
        ({"topic": "center..identity"}, "topic"),
        ({"topic": "center.*"}, "topic"),
        ({"topic": 5}, "topic"),
        ({"ordering_key": ""}, "ordering_key"),
        ({"ordering_key": "x" * 41}, "ordering_key"),
        ({"sender": "11201"}, "sender"),
        ({"seq": 0}, "seq"),
        ({"seq": True}, "seq"),
        ({"seq": "7"}, "seq"),
        ({"previous_seq": 7}, "previous_seq"),
        ({"previous_seq": -1}, "previous_seq"),
        ({"payload": [1]}, "payload"),
        ({"created_at": "yesterday"}, "created_at"),
        ({"created_at": "2026-11-27T10:00:00"}, "created_at"),
        ({"created_at": None}, "created_at"),
    ],
)
def test_a_malformed_field_is_net_002_naming_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(JichiError) as caught:
        Envelope.from_dict(sample(**change))
    assert caught.value.code == "NET-002"
    assert caught.value.field == field


@pytest.mark.parametrize(
    "name", ["message_id", "topic", "ordering_key", "sender", "seq", "payload"]
)
def test_a_missing_field_is_net_002(name: str) -> None:
    raw = sample()
    del raw[name]
    with pytest.raises(JichiError) as caught:
        Envelope.from_dict(raw)
    assert caught.value.field == name


def test_the_first_message_of_a_chain_has_no_previous_seq() -> None:
    raw = sample()
    del raw["previous_seq"]
    assert Envelope.from_dict(raw).previous_seq is None
