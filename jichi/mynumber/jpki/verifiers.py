"""Registered verifiers (署名検証者・利用者証明検証者) and the log of every status query.

Status goes only to verifiers who notified in advance (公的個人認証法17条・36条).  A
verifier holds a random bearer token; only its SHA-256 is stored.  Every status answer
— OCSP or verify — is logged with the certificate, the verifier and the time.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from jichi.kernel.errors import JichiError
from jichi.mynumber.jpki import errors as e
from jichi.mynumber.jpki.tables import jpki_status_query, jpki_verifier


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def register(conn: sa.Connection, name: str, *, at: datetime | None = None) -> tuple[str, str]:
    """Register a verifier; returns (verifier_id, token). The token is shown once."""
    verifier_id = str(uuid.uuid4())
    token = secrets.token_urlsafe(32)
    conn.execute(
        sa.insert(jpki_verifier).values(
            verifier_id=verifier_id,
            name=name,
            token_hash=_digest(token),
            registered_at=at or datetime.now(UTC),
            active=True,
        )
    )
    return verifier_id, token


def deactivate(conn: sa.Connection, verifier_id: str) -> None:
    conn.execute(
        sa.update(jpki_verifier)
        .where(jpki_verifier.c.verifier_id == verifier_id)
        .values(active=False)
    )


def authenticate(conn: sa.Connection, token: str | None) -> str:
    """The verifier id of an active token, else :data:`errors.UNKNOWN_VERIFIER`."""
    if token:
        row = conn.execute(
            sa.select(jpki_verifier.c.verifier_id).where(
                jpki_verifier.c.token_hash == _digest(token), jpki_verifier.c.active.is_(True)
            )
        ).first()
        if row is not None:
            return str(row.verifier_id)
    raise JichiError(e.UNKNOWN_VERIFIER, field="verifier_token")


def log_query(
    conn: sa.Connection,
    verifier_id: str,
    serial: str,
    answer: str,
    *,
    channel: str,
    at: datetime | None = None,
) -> None:
    conn.execute(
        sa.insert(jpki_status_query).values(
            at=at or datetime.now(UTC),
            verifier_id=verifier_id,
            serial=serial,
            channel=channel,
            answer=answer,
        )
    )


def queries_for(conn: sa.Connection, serial: str) -> list[dict[str, object]]:
    rows = conn.execute(
        sa.select(jpki_status_query)
        .where(jpki_status_query.c.serial == serial)
        .order_by(jpki_status_query.c.query_id)
    )
    return [dict(r._mapping) for r in rows]


def bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None
