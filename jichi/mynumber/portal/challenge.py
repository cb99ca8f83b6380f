"""Login challenges: a server nonce, short-lived, good for one presentation (ADR 0025).

The text the card signs is ``jichi-portal-login:{lg_code}:{nonce}``: the municipality is
inside the signed bytes, so a signature made for another municipality's portal is
useless here.  Only the SHA-256 digest of the text is stored.  :func:`consume` marks the
challenge used *before* the signature is checked: a wrong signature still burns it, so
a captured challenge can be presented at most once, whatever happens.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.kernel.errors import JichiError
from jichi.mynumber.portal import errors as e
from jichi.mynumber.portal.tables import portal_challenge

PREFIX = "jichi-portal-login"
DEFAULT_LIFETIME = timedelta(minutes=5)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def issue(
    conn: Connection, lg_code: str, now: datetime, lifetime: timedelta = DEFAULT_LIFETIME
) -> str:
    """A fresh challenge text for ``lg_code``'s portal; stored as a digest.

    The login page is public, so each view also deletes the challenges that expired:
    the table holds at most what was issued within one lifetime.
    """
    purge(conn, now)
    text = f"{PREFIX}:{lg_code}:{secrets.token_urlsafe(32)}"
    conn.execute(
        sa.insert(portal_challenge).values(
            challenge_hash=_digest(text),
            lg_code=lg_code,
            issued_at=now,
            expires_at=now + lifetime,
            used_at=None,
        )
    )
    return text


def consume(conn: Connection, lg_code: str, text: str, now: datetime) -> None:
    """Mark the challenge used; PTL-001 unknown, PTL-003 replayed, PTL-002 expired."""
    row = conn.execute(
        sa.select(portal_challenge).where(
            portal_challenge.c.challenge_hash == _digest(text),
            portal_challenge.c.lg_code == lg_code,
        )
    ).first()
    if row is None:
        raise JichiError(e.CHALLENGE_UNKNOWN, field="challenge")
    if row.used_at is not None:
        raise JichiError(e.CHALLENGE_USED, field="challenge")
    marked = conn.execute(
        sa.update(portal_challenge)
        .where(
            portal_challenge.c.challenge_hash == row.challenge_hash,
            portal_challenge.c.used_at.is_(None),
        )
        .values(used_at=now)
    )
    if marked.rowcount != 1:  # a concurrent presentation won the race
        raise JichiError(e.CHALLENGE_USED, field="challenge")
    expires = _aware(row.expires_at)
    if now > expires:
        minutes = int((expires - _aware(row.issued_at)).total_seconds() // 60)
        raise JichiError(e.CHALLENGE_EXPIRED, field="challenge", minutes=minutes)


def purge(conn: Connection, before: datetime) -> int:
    """Delete challenges that expired before ``before`` (housekeeping)."""
    result = conn.execute(sa.delete(portal_challenge).where(portal_challenge.c.expires_at < before))
    return int(result.rowcount or 0)
