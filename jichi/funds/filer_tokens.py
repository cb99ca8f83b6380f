"""Filing tokens (提出用トークン) the authority issues to an organisation's accountant.

The accountant (会計責任者) of a political organisation is not staff: they sign in to the
funds app with the organisation id and a token the authority handed over (``jichi funds
filer-token ORG``).  Only the SHA-256 digest is stored, as for staff API tokens, so the
table alone lets no one sign in; a token is revocable, and one organisation's token opens
only that organisation's reports.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from jichi.funds.tables import funds_filer_token
from jichi.kernel.errors import JichiError, define

TOKEN_PREFIX = "jichi_filer_"
MAX_ORGANIZATION_ID = 100

FILER_UNAUTHENTICATED = define(
    "FND-080",
    "政治団体の ID または提出用トークンが正しくありません。"
    "受付機関から交付されたものを入力してください。",
    "organization id or filing token not valid (or revoked)",
    http_status=401,
)
BAD_ORGANIZATION_ID = define(
    "FND-081",
    "政治団体の ID は半角英数字と「-」「_」「.」の100文字以内で入力してください。",
    "an organization id is 1 to 100 of A-Z, a-z, 0-9, '-', '_' and '.'",
)


def validate_organization_id(value: str, *, field: str = "organization_id") -> str:
    """The strict form of an organisation id (ASCII, no spaces, bounded)."""
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
    if not value or len(value) > MAX_ORGANIZATION_ID or not set(value) <= allowed:
        raise JichiError(BAD_ORGANIZATION_ID, field=field)
    return value


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue(engine: Engine, organization_id: str, *, by: str, now: datetime | None = None) -> str:
    """A new token for the organisation's accountant; shown once, only its digest is kept."""
    validate_organization_id(organization_id)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(
            funds_filer_token.insert().values(
                token_hash=digest(token),
                organization_id=organization_id,
                issued_by=by,
                created_at=now or datetime.now(UTC),
            )
        )
    return token


def authenticate(conn: Connection, organization_id: str, token: str) -> str:
    """The organisation id when the token is a live one of that organisation, else FND-080."""
    t = funds_filer_token.c
    row = conn.execute(
        sa.select(t.organization_id).where(t.token_hash == digest(token), t.revoked_at.is_(None))
    ).first()
    if row is None or not hmac.compare_digest(
        row.organization_id.encode(), organization_id.encode("utf-8", "surrogatepass")
    ):
        raise JichiError(FILER_UNAUTHENTICATED, field="token")
    return str(row.organization_id)


def is_live(conn: Connection, organization_id: str, token_digest: str) -> bool:
    """Whether a signed-in filer's token (by digest) is still live: revocation bites at once."""
    t = funds_filer_token.c
    row = conn.execute(
        sa.select(t.organization_id).where(
            t.token_hash == token_digest,
            t.organization_id == organization_id,
            t.revoked_at.is_(None),
        )
    ).first()
    return row is not None


def revoke(engine: Engine, organization_id: str, *, now: datetime | None = None) -> int:
    """Revoke every live token of the organisation (e.g. the accountant changed); how many."""
    t = funds_filer_token.c
    with engine.begin() as conn:
        result = conn.execute(
            funds_filer_token.update()
            .where(t.organization_id == organization_id, t.revoked_at.is_(None))
            .values(revoked_at=now or datetime.now(UTC))
        )
    return int(result.rowcount)
