"""Staff accounts and API tokens: every request acts as one person of one municipality.

Tokens are random and stored only as SHA-256 digests, so a copy of the database gives
nobody a working token.  Passwords (for the counter's sign-in page) use scrypt from the
standard library.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.kernel.clock import now as clock_now
from jichi.kernel.errors import JichiError, define
from jichi.security.actor import Actor, Role
from jichi.security.audit import AuditEntry, append
from jichi.security.keys import AuditKey
from jichi.security.tenancy import Tenant, admit
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
            created_at=now or clock_now(),
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
    moment = now or clock_now()
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


def authenticate(
    conn: Connection, token: str, *, served: Tenant | str | None, now: datetime | None = None
) -> Actor:
    """The staff member a live token belongs to, admitted to the ``served`` municipality.

    ``served`` is required (no default) so no caller can forget the tenant: a token of
    municipality A is refused on B's server (AUTH-010) even though it is a valid token.
    """
    moment = now or clock_now()
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
    return admit(Actor(row.staff_id, row.lg_code, row.role), served)


def home_municipality(
    conn: Connection, *, token: str | None = None, staff_id: str | None = None
) -> str | None:
    """The lg_code of the staff member a token or id names (None if nobody).

    For the CLI, which acts on the staff member's own municipality when a command names
    none: the caller then passes it as ``served`` and the usual checks still run.
    """
    query = sa.select(staff.c.lg_code)
    if token is not None:
        query = query.join(api_token, api_token.c.staff_id == staff.c.staff_id).where(
            api_token.c.token_hash == _digest(token)
        )
    elif staff_id is not None:
        query = query.where(staff.c.staff_id == staff_id)
    else:
        return None
    found: str | None = conn.execute(query).scalar()
    return found


def revoke_token(conn: Connection, token: str, *, now: datetime | None = None) -> None:
    conn.execute(
        api_token.update()
        .where(api_token.c.token_hash == _digest(token))
        .values(revoked_at=now or clock_now())
    )


def check_password(
    conn: Connection, staff_id: str, password: str, *, served: Tenant | str | None
) -> Actor:
    """The staff member, if the password is right and they belong to ``served``.

    The municipality is checked only after the password, so a wrong password never
    tells anyone which municipality an id belongs to.
    """
    row = conn.execute(
        sa.select(staff).where(staff.c.staff_id == staff_id, staff.c.active.is_(True))
    ).first()
    if row is None or not row.password_hash or not verify_password(password, row.password_hash):
        raise JichiError(UNAUTHENTICATED)
    return admit(Actor(row.staff_id, row.lg_code, row.role), served)


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


# --- Account administration (bootstrap, disable, revoke): every change is audited. -------

ADMIN_EXISTS = define(
    "AUTH-020",
    "団体 {lg_code} には既に管理者がいます。職員は管理者が jichi staff add で追加します。",
    "municipality {lg_code} already has an admin: further staff are added by an admin",
    http_status=409,
    params=("lg_code",),
)
LAST_ADMIN = define(
    "AUTH-021",
    "団体で最後の管理者（{staff_id}）は停止できません。先に別の管理者を登録してください。",
    "{staff_id} is the municipality's last active admin and cannot be disabled",
    http_status=409,
    params=("staff_id",),
)
INVALID_STAFF_ID = define(
    "AUTH-022",
    "職員 ID は英小文字・数字・「.」「_」「-」の 1〜100 文字で入力してください。",
    "a staff id is 1 to 100 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit",
    http_status=422,
)
UNKNOWN_TOKEN = define(
    "AUTH-023",
    "職員「{staff_id}」の有効なトークン {token_id} はありません。",
    "staff member {staff_id} has no live token {token_id}",
    http_status=404,
    params=("staff_id", "token_id"),
)
OTHER_MUNICIPALITY_STAFF = define(
    "AUTH-024",
    "他の団体の職員（{staff_id}）は操作できません。",
    "staff member {staff_id} belongs to another municipality",
    http_status=403,
    params=("staff_id",),
)

_STAFF_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
SYSTEM_ACTOR_PREFIX = "system:"
"""Audit actors that are not staff (an operator's process) start with this; a staff id
cannot contain ``:`` (:func:`validate_staff_id`), so one can never pass for the other."""


def validate_staff_id(staff_id: str) -> str:
    """Refuse ids that could be mistaken for a system actor or break a log line."""
    if not _STAFF_ID.fullmatch(staff_id):
        raise JichiError(INVALID_STAFF_ID, field="staff_id")
    return staff_id


def token_id(token: str) -> str:
    """A short public name for a token (the start of its digest): listable, not usable."""
    return _digest(token)[:12]


def has_admin(conn: Connection, lg_code: str) -> bool:
    """Whether the municipality has ever had an admin account (active or not)."""
    found = conn.execute(
        sa.select(staff.c.staff_id).where(
            staff.c.lg_code == lg_code, staff.c.role == Role.ADMIN.value
        )
    ).first()
    return found is not None


def bootstrap_admin(
    conn: Connection,
    staff_id: str,
    lg_code: str,
    display_name: str,
    *,
    password: str,
    audit_key: AuditKey,
    now: datetime | None = None,
) -> Actor:
    """The municipality's first admin; refused (AUTH-020) once it has one.

    This is the one account created without a credential: whoever holds the database
    at installation creates it, and from then on only an admin adds staff.
    """
    validate_staff_id(staff_id)
    _lock_staff(conn)
    if has_admin(conn, lg_code):
        raise JichiError(ADMIN_EXISTS, field="municipality", lg_code=lg_code)
    actor = create_staff(
        conn, staff_id, lg_code, Role.ADMIN, display_name, password=password, now=now
    )
    _audit(conn, actor, "staff.bootstrap", staff_id, {"role": Role.ADMIN.value}, now, audit_key)
    return actor


def add_staff(
    conn: Connection,
    by: Actor,
    staff_id: str,
    role: Role | str,
    display_name: str,
    *,
    password: str | None,
    audit_key: AuditKey,
    now: datetime | None = None,
) -> Actor:
    """An admin adds a staff member to the admin's own municipality (audited)."""
    _require_admin(by, "staff.add")
    validate_staff_id(staff_id)
    actor = create_staff(conn, staff_id, by.lg_code, role, display_name, password=password, now=now)
    _audit(conn, by, "staff.add", staff_id, {"role": actor.role}, now, audit_key)
    return actor


def issue_token_for(
    conn: Connection,
    by: Actor,
    staff_id: str,
    *,
    label: str = "",
    ttl: timedelta = timedelta(hours=12),
    audit_key: AuditKey,
    now: datetime | None = None,
) -> str:
    """A token for oneself, or (admin) for a staff member of the same municipality."""
    target = _staff_of(conn, by, staff_id, "staff.token")
    if not target.active:
        raise JichiError(UNAUTHENTICATED)
    value = issue_token(conn, staff_id, label=label, ttl=ttl, now=now)
    detail = {"token_id": token_id(value), "hours": int(ttl.total_seconds() // 3600)}
    _audit(conn, by, "staff.token", staff_id, detail, now, audit_key)
    return value


def disable_staff(
    conn: Connection,
    by: Actor,
    staff_id: str,
    *,
    audit_key: AuditKey,
    now: datetime | None = None,
) -> int:
    """Stop an account at once: password and every token refused; how many tokens died.

    The last active admin cannot be disabled (AUTH-021): the municipality would have
    nobody left to manage accounts, and bootstrap stays closed once an admin existed.
    """
    _require_admin(by, "staff.disable")
    target = _staff_of(conn, by, staff_id, "staff.disable")
    if target.role == Role.ADMIN.value and target.active:
        others = conn.execute(
            sa.select(sa.func.count())
            .select_from(staff)
            .where(
                staff.c.lg_code == target.lg_code,
                staff.c.role == Role.ADMIN.value,
                staff.c.active.is_(True),
                staff.c.staff_id != staff_id,
            )
        ).scalar_one()
        if not others:
            raise JichiError(LAST_ADMIN, field="staff_id", staff_id=staff_id)
    conn.execute(staff.update().where(staff.c.staff_id == staff_id).values(active=False))
    revoked = _revoke(conn, staff_id, None, now)
    _audit(conn, by, "staff.disable", staff_id, {"tokens_revoked": revoked}, now, audit_key)
    return revoked


def revoke_staff_tokens(
    conn: Connection,
    by: Actor,
    staff_id: str,
    *,
    token: str | None = None,
    audit_key: AuditKey,
    now: datetime | None = None,
) -> int:
    """Revoke one token (its value or :func:`token_id`) or, with ``token=None``, all.

    A staff member may revoke their own tokens; an admin anyone's in the municipality.
    """
    _staff_of(conn, by, staff_id, "staff.revoke_token")
    which = (
        None if token is None else (token_id(token) if token.startswith(TOKEN_PREFIX) else token)
    )
    revoked = _revoke(conn, staff_id, which, now)
    if which is not None and not revoked:
        raise JichiError(UNKNOWN_TOKEN, field="token", staff_id=staff_id, token_id=which)
    detail = {"token_id": which or "all", "tokens_revoked": revoked}
    _audit(conn, by, "staff.revoke_token", staff_id, detail, now, audit_key)
    return revoked


def _revoke(conn: Connection, staff_id: str, which: str | None, now: datetime | None) -> int:
    live = conn.execute(
        sa.select(api_token.c.token_hash).where(
            api_token.c.staff_id == staff_id, api_token.c.revoked_at.is_(None)
        )
    ).scalars()
    hashes = [h for h in live if which is None or h.startswith(which)]
    if which is not None and len(hashes) > 1:
        hashes = []  # an ambiguous prefix revokes nothing: the caller names one token
    if hashes:
        conn.execute(
            api_token.update()
            .where(api_token.c.token_hash.in_(hashes))
            .values(revoked_at=now or clock_now())
        )
    return len(hashes)


def _require_admin(by: Actor, action: str) -> None:
    require_role(by, action, Role.ADMIN)


def _staff_of(conn: Connection, by: Actor, staff_id: str, action: str) -> sa.Row[Any]:
    """The target account, which must be the actor's own or (admin) in the same municipality."""
    row = conn.execute(sa.select(staff).where(staff.c.staff_id == staff_id)).first()
    if row is None:
        raise JichiError(UNKNOWN_STAFF, field="staff_id", staff_id=staff_id)
    if row.lg_code != by.lg_code:
        raise JichiError(OTHER_MUNICIPALITY_STAFF, field="staff_id", staff_id=staff_id)
    if staff_id != by.staff_id:
        _require_admin(by, action)
    return row


def _lock_staff(conn: Connection) -> None:
    """Serialise bootstraps on PostgreSQL so two cannot both see 'no admin yet'."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("LOCK TABLE staff IN SHARE ROW EXCLUSIVE MODE"))


def _audit(
    conn: Connection,
    by: Actor,
    action: str,
    staff_id: str,
    detail: dict[str, Any],
    now: datetime | None,
    audit_key: AuditKey,
) -> None:
    entry = AuditEntry(
        lg_code=by.lg_code,
        at=now or clock_now(),
        actor=by.staff_id,
        actor_role=by.role,
        action=action,
        detail={"staff_id": staff_id, **detail},
    )
    append(conn, entry, audit_key)
