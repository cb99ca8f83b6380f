"""Who may read identity info from the center, on which legal ground, for what.

An agency (国の機関・法人 in 住基法別表第一, a prefecture, or a municipality) has a
legal ground, the purposes it may name in a request, and the items it may receive.  It
calls the API with a bearer token; only the SHA-256 of a token is stored, so a copy of
the database gives nobody a working token.  Tokens do not expire on their own (a
server-to-server credential), but are revoked one by one.

Kinds: ``agency`` verifies identities; ``municipality`` may also forward a resident's
request to see who read their data (the resident view), for persons it holds.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.kernel.clock import now as clock_now
from jichi.kernel.errors import JichiError
from jichi.kernel.identifiers import IdKind, validate
from jichi.network.center import errors as e
from jichi.network.center.tables import center_agency, center_agency_credential

TOKEN_PREFIX = "jichi_center_"
KINDS = ("agency", "municipality")
ITEMS = ("name", "name_kana", "date_of_birth", "sex", "address", "status", "change", "lg_code")
"""What a provision may contain besides the match result and the resident code.

``status`` is whether the person is a resident (active) or removed (転出・死亡 …);
``change`` is the reason and effective date of the last update (異動事由・異動日);
``lg_code`` is the municipality holding the person.  The individual number is never
provided by this API."""
DEFAULT_ITEMS = ("name", "date_of_birth", "sex", "address", "status", "change")


@dataclass(frozen=True)
class Agency:
    agency_id: str
    name: str
    kind: str
    lg_code: str | None
    legal_ground: str
    purposes: tuple[str, ...]
    items: tuple[str, ...]


def add_agency(
    conn: Connection,
    name: str,
    *,
    legal_ground: str,
    purposes: Sequence[str],
    items: Sequence[str] = DEFAULT_ITEMS,
    kind: str = "agency",
    lg_code: str | None = None,
    now: datetime | None = None,
) -> Agency:
    """Register an agency; its id is returned with it (tokens are issued separately)."""
    name = name.strip()
    if not name or len(name) > 200:
        raise _invalid("name", "1〜200文字", "1 to 200 characters")
    if not legal_ground.strip():
        raise _invalid("legal_ground", "根拠法令を入力してください", "a legal ground is required")
    if kind not in KINDS:
        raise _invalid("kind", " / ".join(KINDS), " or ".join(KINDS))
    clean = tuple(dict.fromkeys(p.strip() for p in purposes if p.strip()))
    if not clean or any(len(p) > 100 for p in clean):
        raise _invalid("purposes", "1〜100文字の目的を1つ以上", "one or more, 100 chars max")
    unknown = [i for i in items if i not in ITEMS]
    if unknown:
        raise _invalid("items", f"使える項目: {', '.join(ITEMS)}", f"allowed: {', '.join(ITEMS)}")
    if kind == "municipality":
        if not lg_code:
            raise _invalid("lg_code", "市区町村には団体コードが必要です", "required")
        lg_code = validate(IdKind.LG_CODE, lg_code, field="lg_code").value
    agency = Agency(
        str(uuid.uuid4()), name, kind, lg_code, legal_ground.strip(), clean, tuple(items)
    )
    conn.execute(
        center_agency.insert().values(
            agency_id=agency.agency_id,
            name=agency.name,
            kind=agency.kind,
            lg_code=agency.lg_code,
            legal_ground=agency.legal_ground,
            purposes=list(agency.purposes),
            items=list(agency.items),
            active=True,
            created_at=now or clock_now(),
        )
    )
    return agency


def get_agency(conn: Connection, agency_id: str) -> Agency:
    query = sa.select(center_agency).where(center_agency.c.agency_id == agency_id)
    row = conn.execute(query).first()
    if row is None:
        raise JichiError(e.UNKNOWN_AGENCY, field="agency_id", agency_id=agency_id)
    return _agency(row)


def list_agencies(conn: Connection) -> list[Agency]:
    rows = conn.execute(sa.select(center_agency).order_by(center_agency.c.name)).all()
    return [_agency(row) for row in rows]


def issue_token(conn: Connection, agency_id: str, *, now: datetime | None = None) -> str:
    """A new bearer token for the agency; shown once, only its digest is kept."""
    get_agency(conn, agency_id)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    conn.execute(
        center_agency_credential.insert().values(
            token_id=str(uuid.uuid4()),
            agency_id=agency_id,
            token_hash=digest(token),
            issued_at=now or clock_now(),
        )
    )
    return token


def revoke_token(conn: Connection, token: str, *, now: datetime | None = None) -> bool:
    """Revoke one token; whether it was live."""
    t = center_agency_credential.c
    result = conn.execute(
        center_agency_credential.update()
        .where(t.token_hash == digest(token), t.revoked_at.is_(None))
        .values(revoked_at=now or clock_now())
    )
    return bool(result.rowcount)


def authenticate(conn: Connection, token: str | None) -> Agency:
    """The active agency a live token belongs to, or ``CEN-002``."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        raise JichiError(e.UNAUTHENTICATED)
    t = center_agency_credential.c
    row = conn.execute(
        sa.select(center_agency)
        .join(center_agency_credential, t.agency_id == center_agency.c.agency_id)
        .where(
            t.token_hash == digest(token),
            t.revoked_at.is_(None),
            center_agency.c.active.is_(True),
        )
    ).first()
    if row is None:
        raise JichiError(e.UNAUTHENTICATED)
    return _agency(row)


def require_purpose(agency: Agency, purpose: str) -> None:
    if purpose not in agency.purposes:
        raise JichiError(e.PURPOSE_NOT_PERMITTED, field="purpose", purpose=purpose[:100])


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _agency(row: sa.Row[object]) -> Agency:
    m = row._mapping
    return Agency(
        m["agency_id"],
        m["name"],
        m["kind"],
        m["lg_code"],
        m["legal_ground"],
        tuple(m["purposes"]),
        tuple(m["items"]),
    )


def _invalid(name: str, reason: str, reason_en: str) -> JichiError:
    return JichiError(e.INVALID_AGENCY, field=name, reason=reason, reason_en=reason_en)


def revoke_agency_tokens(
    conn: Connection, agency_id: str, *, token: str | None = None, now: datetime | None = None
) -> int:
    """Revoke one of the agency's tokens (its value) or, with ``token=None``, all of them.

    An unknown agency is refused; a value that is not a live token of this agency
    revokes nothing (0), so another agency's token can never be touched through it.
    """
    get_agency(conn, agency_id)
    t = center_agency_credential.c
    where = [t.agency_id == agency_id, t.revoked_at.is_(None)]
    if token is not None:
        where.append(t.token_hash == digest(token))
    result = conn.execute(
        center_agency_credential.update().where(*where).values(revoked_at=now or clock_now())
    )
    return int(result.rowcount)


def disable_agency(conn: Connection, agency_id: str, *, now: datetime | None = None) -> int:
    """Stop an agency at once (every token refused, it stays listed); tokens revoked."""
    get_agency(conn, agency_id)
    conn.execute(
        center_agency.update().where(center_agency.c.agency_id == agency_id).values(active=False)
    )
    return revoke_agency_tokens(conn, agency_id, now=now)
