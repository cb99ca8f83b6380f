"""The hub's own table of 機関別符号: the only place a person's tokens meet.

**Hub-internal.** Nothing here is reachable by an agency: :mod:`agency_api` resolves an
agency's *own* token to the subject and never returns another agency's token, and the
exchange calls :func:`token_of` for the provider inside the hub (import-linter keeps the
web and CLI edges to :mod:`agency_api` and the hub's service).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from jichi.mynumber.hub.keys import HubKey
from jichi.mynumber.hub.tables import hub_agency_token


def token_of(conn: Connection, key: HubKey, agency_id: str, subject: str, at: datetime) -> str:
    """``agency_id``'s token of ``subject``, derived and stored the first time."""
    t = hub_agency_token.c
    found = conn.execute(
        sa.select(t.token).where(t.agency_id == agency_id, t.subject == subject)
    ).scalar()
    if found is not None:
        return str(found)
    token = key.token(agency_id, subject)
    try:
        with conn.begin_nested():
            conn.execute(
                sa.insert(hub_agency_token).values(
                    agency_id=agency_id, subject=subject, token=token, issued_at=at
                )
            )
    except IntegrityError:  # a concurrent first use stored the same derived value
        pass
    return token


def subject_of(conn: Connection, agency_id: str, token: str) -> str | None:
    """The subject behind ``agency_id``'s own token, or None (another agency's: None)."""
    t = hub_agency_token.c
    found = conn.execute(
        sa.select(t.subject).where(t.agency_id == agency_id, t.token == token)
    ).scalar()
    return None if found is None else str(found)
