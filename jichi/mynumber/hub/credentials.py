"""Agencies' credentials to call the hub: random bearer values, only their SHA-256 kept.

The same pattern as the center's agencies (:mod:`jichi.network.center.agencies`): a copy
of the database gives nobody a working credential; each one is revoked on its own.
A credential names an agency of the catalogue in force and is not the 機関別符号 —
or it is the portal's (:data:`PORTAL_ID`, マイナポータル = 情報提供等記録開示システム), which
may read a person's やりとり履歴 and nothing else: it is no agency, so the agencies' API
refuses it, and an agency's credential never reads a history (ADR 0032).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.kernel.clock import now as clock_now
from jichi.kernel.errors import JichiError
from jichi.mynumber.hub import errors as e
from jichi.mynumber.hub.catalogue import Catalogue
from jichi.mynumber.hub.tables import hub_agency_credential

PREFIX = "jichi_hub_"
# Not a catalogue slug (those start with [a-z0-9]), so no catalogue can name an agency so.
PORTAL_ID = "@portal"


def digest(credential: str) -> str:
    return hashlib.sha256(credential.encode("utf-8")).hexdigest()


def issue(
    conn: Connection, catalogue: Catalogue, agency_id: str, *, at: datetime | None = None
) -> str:
    """A new credential for an agency of the catalogue; shown once."""
    catalogue.agency(agency_id)
    return _insert(conn, agency_id, at)


def issue_portal(conn: Connection, *, at: datetime | None = None) -> str:
    """A new credential for the portal (reads histories only); shown once."""
    return _insert(conn, PORTAL_ID, at)


def _insert(conn: Connection, agency_id: str, at: datetime | None) -> str:
    credential = PREFIX + secrets.token_urlsafe(32)
    conn.execute(
        sa.insert(hub_agency_credential).values(
            credential_id=str(uuid.uuid4()),
            agency_id=agency_id,
            token_hash=digest(credential),
            issued_at=at or clock_now(),
        )
    )
    return credential


def revoke(conn: Connection, credential: str, *, at: datetime | None = None) -> bool:
    t = hub_agency_credential.c
    result = conn.execute(
        sa.update(hub_agency_credential)
        .where(t.token_hash == digest(credential), t.revoked_at.is_(None))
        .values(revoked_at=at or clock_now())
    )
    return bool(result.rowcount)


def authenticate(conn: Connection, credential: str | None) -> str:
    """The agency id of a live agency credential, else HUB-011 (the portal's too)."""
    holder = _holder(conn, credential)
    if holder is None or holder == PORTAL_ID:
        raise JichiError(e.UNAUTHENTICATED)
    return holder


def authenticate_portal(conn: Connection, credential: str | None) -> None:
    """Pass for a live portal credential, else HUB-013 (an agency's is refused too)."""
    if _holder(conn, credential) != PORTAL_ID:
        raise JichiError(e.NOT_THE_PORTAL)


def _holder(conn: Connection, credential: str | None) -> str | None:
    if credential and credential.startswith(PREFIX) and len(credential) <= 200:
        t = hub_agency_credential.c
        agency_id = conn.execute(
            sa.select(t.agency_id).where(t.token_hash == digest(credential), t.revoked_at.is_(None))
        ).scalar()
        if agency_id is not None:
            return str(agency_id)
    return None
