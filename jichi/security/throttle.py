"""試行回数の制限: failed sign-ins and access-code guesses, counted in the database.

A six-digit code or a password can be guessed by trying (70–160 tries a second were
measured against /me).  Each failure is a row in ``attempt_throttle`` (migration 0021),
so every web process sees the same count; after ``failures`` failures of one key within
``window`` the next attempt is refused with SEC-030 (HTTP 429) before the password or
code is even checked.  A success clears its key.  Keys are hashed: no staff id or client
address is stored in clear.

Settings (environment, read by :meth:`ThrottlePolicy.from_env`):
``JICHI_THROTTLE_FAILURES`` (default 5 per key), ``JICHI_THROTTLE_WINDOW_SECONDS``
(default 900) and ``JICHI_THROTTLE_GLOBAL_FAILURES`` (default 200: all failures of one
scope in one municipality, against guessing spread over many addresses).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, String, Table

from jichi.kernel.errors import JichiError, define
from jichi.kernel.inputs import env_int
from jichi.store.metadata import metadata

TOO_MANY_ATTEMPTS = define(
    "SEC-030",
    "失敗した回数が多すぎるため、しばらく受け付けません。{minutes}分ほど待ってからもう一度お試しください。",
    "too many failed attempts; try again in about {minutes} minutes",
    http_status=429,
    params=("minutes",),
)

SIGN_IN = "sign_in"
ACCESS_CODE = "access_code"

attempt_throttle = Table(
    "attempt_throttle",
    metadata,
    Column(
        "attempt_id",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("scope", String(20), nullable=False),
    Column("key_hash", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_attempt_throttle_key", "scope", "key_hash", "at"),
)


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failures of one key (and of all keys) a window allows."""

    failures: int = 5
    window: timedelta = timedelta(minutes=15)
    global_failures: int = 200

    @classmethod
    def from_env(cls) -> ThrottlePolicy:
        return cls(
            failures=env_int("JICHI_THROTTLE_FAILURES", 5),
            window=timedelta(seconds=env_int("JICHI_THROTTLE_WINDOW_SECONDS", 900)),
            global_failures=env_int("JICHI_THROTTLE_GLOBAL_FAILURES", 200),
        )


def key_of(*parts: str) -> str:
    """The stored key: a hash of what the attempts are counted for."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "replace")).hexdigest()


class Throttle:
    """Counts failures of ``scope`` per key; every method runs in the caller's connection."""

    def __init__(self, scope: str, policy: ThrottlePolicy | None = None) -> None:
        self.scope = scope
        self.policy = policy or ThrottlePolicy.from_env()

    def check(
        self, conn: sa.Connection, keys: Sequence[str], *, everyone: str, now: datetime
    ) -> None:
        """SEC-030 if any key, or ``everyone`` (all keys together), has failed too often."""
        since = now.astimezone(UTC) - self.policy.window
        t = attempt_throttle.c
        counts: dict[str, int] = dict(
            conn.execute(
                sa.select(t.key_hash, sa.func.count())
                .where(
                    t.scope == self.scope,
                    t.key_hash.in_([*keys, everyone]),
                    t.at > since,
                )
                .group_by(t.key_hash)
            ).all()
        )
        over = any(counts.get(k, 0) >= self.policy.failures for k in keys)
        if over or counts.get(everyone, 0) >= self.policy.global_failures:
            minutes = max(1, int(self.policy.window.total_seconds() // 60))
            raise JichiError(TOO_MANY_ATTEMPTS, field="throttle", minutes=minutes)

    def failed(
        self, conn: sa.Connection, keys: Sequence[str], *, everyone: str, now: datetime
    ) -> None:
        """Count one failure against each key and against ``everyone``; drop expired rows."""
        at = now.astimezone(UTC)
        t = attempt_throttle.c
        conn.execute(
            attempt_throttle.delete().where(t.scope == self.scope, t.at <= at - self.policy.window)
        )
        conn.execute(
            attempt_throttle.insert(),
            [{"scope": self.scope, "key_hash": k, "at": at} for k in (*keys, everyone)],
        )

    def succeeded(self, conn: sa.Connection, keys: Sequence[str]) -> None:
        """A right password or code: its keys start again from zero."""
        t = attempt_throttle.c
        conn.execute(
            attempt_throttle.delete().where(t.scope == self.scope, t.key_hash.in_(list(keys)))
        )
