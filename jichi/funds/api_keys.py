"""公開 API の利用キー: keys the authority hands to heavy users of the public funds search.

Everything the public search answers is what the law publishes, so the API stays open
without a key — at a low rate per client address.  A researcher, a newspaper or a
watchdog that needs more asks the authority for a key (``jichi funds api-key issue``),
sent as ``X-API-Key``; each key has its own requests per minute and can be revoked.  Only
the SHA-256 digest is stored, as for filing tokens, and a key reveals nothing of who
holds it to anyone reading the table but the authority's own note.

Settings (environment): ``JICHI_FUNDS_PUBLIC_PER_MINUTE`` (default 60, per client
address without a key) and ``JICHI_FUNDS_KEY_PER_MINUTE`` (default 600, for new keys).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from jichi.funds.tables import funds_api_key
from jichi.kernel.errors import JichiError, define
from jichi.kernel.inputs import env_int

KEY_PREFIX = "jichi_pub_"
MAX_HOLDER = 200

API_KEY_INVALID = define(
    "FND-100",
    "API キーが正しくないか、取り消されています。"
    "キーを送らずに利用するか、受付機関に確認してください。",
    "API key not valid (or revoked)",
    http_status=401,
)
BAD_HOLDER = define(
    "FND-101",
    "利用者名は1文字以上200文字以内で入力してください。",
    "the key holder's name must be 1 to 200 characters",
)
BAD_RATE = define(
    "FND-102",
    "1分あたりの回数は1以上100000以下の整数で指定してください。",
    "per-minute limit must be an integer from 1 to 100000",
)


def public_per_minute() -> int:
    """Requests per minute for a client address without a key."""
    return env_int("JICHI_FUNDS_PUBLIC_PER_MINUTE", 60, digits=6)


def key_per_minute() -> int:
    """The default requests per minute of a newly issued key."""
    return env_int("JICHI_FUNDS_KEY_PER_MINUTE", 600, digits=6)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class ApiKey:
    key_hash: str
    holder: str
    per_minute: int


def issue(
    engine: Engine,
    holder: str,
    *,
    by: str,
    per_minute: int | None = None,
    now: datetime | None = None,
) -> str:
    """A new key for ``holder`` (shown once; only its digest is kept)."""
    holder = holder.strip()
    if not holder or len(holder) > MAX_HOLDER:
        raise JichiError(BAD_HOLDER, field="holder")
    rate = key_per_minute() if per_minute is None else per_minute
    if not 1 <= rate <= 100_000:
        raise JichiError(BAD_RATE, field="per_minute")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(
            funds_api_key.insert().values(
                key_hash=digest(key),
                holder=holder,
                per_minute=rate,
                issued_by=by,
                created_at=now or datetime.now(UTC),
            )
        )
    return key


def authenticate(conn: Connection, key: str) -> ApiKey:
    """The live key sent as ``X-API-Key``, else FND-100 (never silently the anonymous rate)."""
    if not key.startswith(KEY_PREFIX) or len(key) > 100:
        raise JichiError(API_KEY_INVALID, field="X-API-Key")
    k = funds_api_key.c
    row = conn.execute(
        sa.select(k.key_hash, k.holder, k.per_minute).where(
            k.key_hash == digest(key), k.revoked_at.is_(None)
        )
    ).first()
    if row is None:
        raise JichiError(API_KEY_INVALID, field="X-API-Key")
    return ApiKey(row.key_hash, row.holder, int(row.per_minute))


def revoke(engine: Engine, key: str, *, now: datetime | None = None) -> bool:
    """Revoke one key (given in full, as its holder reported it lost); whether it was live."""
    k = funds_api_key.c
    with engine.begin() as conn:
        result = conn.execute(
            funds_api_key.update()
            .where(k.key_hash == digest(key), k.revoked_at.is_(None))
            .values(revoked_at=now or datetime.now(UTC))
        )
    return bool(result.rowcount)


def listed(engine: Engine) -> list[dict[str, object]]:
    """Every key's holder, rate and dates (never the key), newest first."""
    k = funds_api_key.c
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(k.key_hash, k.holder, k.per_minute, k.created_at, k.revoked_at).order_by(
                k.created_at.desc()
            )
        ).all()
    return [
        {
            "id": r.key_hash[:12],
            "holder": r.holder,
            "per_minute": int(r.per_minute),
            "created_at": r.created_at.isoformat(),
            "revoked": r.revoked_at is not None,
        }
        for r in rows
    ]
