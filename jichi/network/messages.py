"""The envelope every network message travels in, whatever the transport.

An outbox row becomes one :class:`Envelope`: the row's ``message_id`` (the key the
receiver's inbox and JetStream's de-duplication both use), its topic and ordering key,
the sending municipality, the row's ``seq`` and the ``seq`` of the previous message of
the same chain (same sender, topic and ordering key), so a receiver can tell a gap
from a first message.  Encoding is JSON (UTF-8, Japanese kept as is); decoding checks
every field and raises ``NET-001``/``NET-002`` rather than letting a malformed message
reach a handler.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jichi.kernel.errors import JichiError
from jichi.network import errors as e

VERSION = 1
SUBJECT_ROOT = "jichi"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")
_LG_CODE = re.compile(r"^[0-9]{6}$")


def _invalid(name: str, reason: str, reason_en: str) -> JichiError:
    return JichiError(e.INVALID_FIELD, field=name, reason=reason, reason_en=reason_en)


def check_topic(topic: str, name: str = "topic") -> str:
    """A topic is dot-separated tokens (``municipality.131016.move_in_notice``)."""
    if not topic or len(topic) > 200 or not all(_TOKEN.match(t) for t in topic.split(".")):
        raise _invalid(name, "英数字・_・- をドットで区切った名前", "dot-separated word tokens")
    return topic


@dataclass(frozen=True)
class Envelope:
    message_id: str
    topic: str
    ordering_key: str
    sender: str  # the sending municipality's lg_code
    seq: int  # the sender's outbox seq
    payload: dict[str, Any]
    created_at: datetime
    previous_seq: int | None = None  # the sender's previous message in this chain
    version: int = field(default=VERSION)

    def __post_init__(self) -> None:
        validate(self)

    @property
    def chain(self) -> tuple[str, str, str]:
        """What ordering is kept within: one sender, one topic, one person."""
        return (self.sender, self.topic, self.ordering_key)

    def subject(self, root: str = SUBJECT_ROOT) -> str:
        return f"{root}.{self.topic}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": self.version,
            "message_id": self.message_id,
            "topic": self.topic,
            "ordering_key": self.ordering_key,
            "sender": self.sender,
            "seq": self.seq,
            "previous_seq": self.previous_seq,
            "created_at": self.created_at.isoformat(),
            "payload": self.payload,
        }

    def encode(self) -> bytes:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def decode(cls, data: bytes | str) -> Envelope:
        try:
            raw = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise JichiError(e.MALFORMED_MESSAGE) from exc
        return cls.from_dict(raw)

    @classmethod
    def from_dict(cls, raw: Any) -> Envelope:
        if not isinstance(raw, dict):
            raise JichiError(e.MALFORMED_MESSAGE)
        version = raw.get("v")
        if version != VERSION:
            raise _invalid("v", f"対応する版は {VERSION} です", f"supported version is {VERSION}")
        created = raw.get("created_at")
        if not isinstance(created, str):
            raise _invalid("created_at", "日時がありません", "missing timestamp")
        try:
            created_at = datetime.fromisoformat(created)
        except ValueError as exc:
            raise _invalid("created_at", "ISO 8601 の日時ではありません", "not ISO 8601") from exc
        fields = ("message_id", "topic", "ordering_key", "sender", "seq", "payload")
        for name in fields:
            if name not in raw:
                raise _invalid(name, "項目がありません", "missing")
        return cls(
            message_id=raw["message_id"],
            topic=raw["topic"],
            ordering_key=raw["ordering_key"],
            sender=raw["sender"],
            seq=raw["seq"],
            payload=raw["payload"],
            created_at=created_at,
            previous_seq=raw.get("previous_seq"),
        )


def validate(env: Envelope) -> None:
    """Every field, checked once, wherever the envelope was built."""
    if not isinstance(env.message_id, str):
        raise _invalid("message_id", "文字列ではありません", "not a string")
    try:
        uuid.UUID(env.message_id)
    except ValueError as exc:
        raise _invalid("message_id", "UUID ではありません", "not a UUID") from exc
    if not isinstance(env.topic, str):
        raise _invalid("topic", "文字列ではありません", "not a string")
    check_topic(env.topic)
    key = env.ordering_key
    if not isinstance(key, str) or not key or len(key) > 40:
        raise _invalid("ordering_key", "1〜40文字の文字列", "a string of 1 to 40 characters")
    if not isinstance(env.sender, str) or not _LG_CODE.match(env.sender):
        raise _invalid("sender", "6桁の団体コード", "a six-digit local government code")
    if not _positive_int(env.seq):
        raise _invalid("seq", "正の整数", "a positive integer")
    previous = env.previous_seq
    if previous is not None and not (_positive_int(previous) and previous < env.seq):
        raise _invalid("previous_seq", "seq より小さい正の整数", "a positive integer below seq")
    if not isinstance(env.payload, dict):
        raise _invalid("payload", "JSON のオブジェクトではありません", "not a JSON object")
    if not isinstance(env.created_at, datetime) or env.created_at.tzinfo is None:
        raise _invalid("created_at", "時差付きの日時ではありません", "not timezone-aware")


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
