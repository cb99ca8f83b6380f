"""Staff accounts and API tokens: every request acts as one person of one municipality.

Tokens are random and stored only as SHA-256 digests, so a copy of the database gives
nobody a working token.  Passwords (for the counter's sign-in page) use scrypt from the
standard library.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.kernel.errors import JichiError, define
from jichi.security.actor import Actor, Role
from jichi.store.metadata import metadata

TOKEN_PREFIX = "jichi_"

staff = sa.Table(
    "staff",
    metadata,
    sa.Column("staff_id", sa.String(100), primary_key=True),
    sa.Column("lg_code", sa.String(6), nullable=False),
    sa.Column("display_name", sa.Text, nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("password_hash", sa.Text, nullable=True),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

api_token = sa.Table(
    "api_token",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("staff_id", sa.String(100), nullable=False),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
)

UNAUTHENTICATED = define(
    "AUTH-001",
    "ログインが必要です。もう一度ログインしてください。",
    "authentication required: missing, expired or revoked token",
    http_status=401,
)
FORBIDDEN = define(
    "AUTH-002",
    "この操作を行う権限がありません（{role}）。",
    "role {role} may not perform {action}",
    http_status=403,
    params=("role", "action"),
)
STAFF_EXISTS = define(
    "AUTH-003",
    "職員 ID「{staff_id}」は既に登録されています。",
    "staff id {staff_id} already exists",
    http_status=409,
    params=("staff_id",),
)
UNKNOWN_STAFF = define(
    "AUTH-004",
    "職員 ID「{staff_id}」は登録されていません。",
    "no staff member {staff_id}",
    http_status=404,
    params=("staff_id",),
)


def create_staff(
    conn: Connection,
    staff_id: str,
    lg_code: str,
    role: Role | str,
    display_name: str,
    *,
    password: str | None = None,
    now: datetime | None = None,
) -> Actor:
    exists = conn.execute(sa.select(staff.c.staff_id).where(staff.c.staff_id == staff_id)).first()
    if exists is not None:
        raise JichiError(STAFF_EXISTS, field="staff_id", staff_id=staff_id)
    role = Role(role)
    conn.execute(
        staff.insert().values(
            staff_id=staff_id,
            lg_code=lg_code,
            display_name=display_name,
            role=role.value,
            password_hash=hash_password(password) if password else None,
            active=True,
            created_at=now or datetime.now(UTC),
        )
    )
    return Actor(staff_id, lg_code, role.value)


def issue_token(
    conn: Connection,
    staff_id: str,
    *,
    label: str = "",
    ttl: timedelta = timedelta(hours=12),
    now: datetime | None = None,
) -> str:
    """A new bearer token; only its digest is kept."""
    found = conn.execute(sa.select(staff.c.staff_id).where(staff.c.staff_id == staff_id)).first()
    if found is None:
        raise JichiError(UNKNOWN_STAFF, field="staff_id", staff_id=staff_id)
    moment = now or datetime.now(UTC)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    conn.execute(
        api_token.insert().values(
            token_hash=_digest(token),
            staff_id=staff_id,
            label=label,
            created_at=moment,
            expires_at=moment + ttl,
        )
    )
    return token


def authenticate(conn: Connection, token: str, *, now: datetime | None = None) -> Actor:
    moment = now or datetime.now(UTC)
    row = conn.execute(
        sa.select(staff.c.staff_id, staff.c.lg_code, staff.c.role, api_token.c.expires_at)
        .join(api_token, api_token.c.staff_id == staff.c.staff_id)
        .where(
            api_token.c.token_hash == _digest(token),
            api_token.c.revoked_at.is_(None),
            staff.c.active.is_(True),
        )
    ).first()
    if row is None or _aware(row.expires_at) <= moment:
        raise JichiError(UNAUTHENTICATED)
    return Actor(row.staff_id, row.lg_code, row.role)


def revoke_token(conn: Connection, token: str, *, now: datetime | None = None) -> None:
    conn.execute(
        api_token.update()
        .where(api_token.c.token_hash == _digest(token))
        .values(revoked_at=now or datetime.now(UTC))
    )


def check_password(conn: Connection, staff_id: str, password: str) -> Actor:
    row = conn.execute(
        sa.select(staff).where(staff.c.staff_id == staff_id, staff.c.active.is_(True))
    ).first()
    if row is None or not row.password_hash or not verify_password(password, row.password_hash):
        raise JichiError(UNAUTHENTICATED)
    return Actor(row.staff_id, row.lg_code, row.role)


def require_role(actor: Actor, action: str, *roles: Role) -> None:
    if actor.role not in {r.value for r in roles}:
        raise JichiError(FORBIDDEN, field="role", role=actor.role, action=action)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1)
    return hmac.compare_digest(candidate.hex(), digest)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
