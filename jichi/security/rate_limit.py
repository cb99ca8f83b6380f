"""利用回数の制限 for public APIs: requests per key per minute, counted in the database.

A public API (the political-funds search) is open to anyone, but not to a scraper that
would take the server from everyone else.  Each request counts one against its caller —
an API key when one is sent, else the client address — in a fixed one-minute window in
``request_quota`` (migration 0043), so every web process shares the count.  Over the
limit, SEC-031 (HTTP 429) says when to come back.  Keys are hashed: no client address is
stored in clear, and rows of past windows are dropped as new ones start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import Column, DateTime, Integer, String, Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from jichi.kernel.errors import JichiError, define
from jichi.store.metadata import metadata

RATE_LIMITED = define(
    "SEC-031",
    "短時間に多くの要求があったため、しばらく受け付けません。{seconds}秒ほど待ってからもう一度お試しください。",
    "rate limit reached; retry in about {seconds} seconds",
    http_status=429,
    params=("seconds",),
)

WINDOW = timedelta(minutes=1)

request_quota = Table(
    "request_quota",
    metadata,
    Column("scope", String(20), primary_key=True),
    Column("key_hash", String(64), primary_key=True),
    Column("window_start", DateTime(timezone=True), primary_key=True),
    Column("used", Integer, nullable=False),
)


@dataclass(frozen=True)
class Usage:
    """What one request left of its caller's minute (for the X-RateLimit-* headers)."""

    limit: int
    remaining: int
    reset_seconds: int


def _window_of(now: datetime) -> datetime:
    at = now.astimezone(UTC)
    return at.replace(second=0, microsecond=0)


def take(conn: sa.Connection, scope: str, key_hash: str, *, limit: int, now: datetime) -> Usage:
    """Count one request of ``key_hash``; SEC-031 once ``limit`` were used this minute.

    One upsert per request, atomic on both databases (``INSERT … ON CONFLICT DO UPDATE …
    RETURNING``), so two processes never both take the last request of a minute.
    """
    window = _window_of(now)
    reset = max(1, int((window + WINDOW - now.astimezone(UTC)).total_seconds()))
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = insert(request_quota).values(
        scope=scope, key_hash=key_hash, window_start=window, used=1
    )
    upsert = statement.on_conflict_do_update(
        index_elements=["scope", "key_hash", "window_start"],
        set_={"used": request_quota.c.used + 1},
    ).returning(request_quota.c.used)
    used = int(conn.execute(upsert).scalar_one())
    if used == 1:  # the first of a new window: forget this key's earlier minutes
        q = request_quota.c
        conn.execute(
            request_quota.delete().where(
                q.scope == scope, q.key_hash == key_hash, q.window_start < window
            )
        )
    if used > limit:
        raise JichiError(RATE_LIMITED, field="rate_limit", seconds=reset)
    return Usage(limit=limit, remaining=limit - used, reset_seconds=reset)
