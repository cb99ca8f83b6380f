"""One-time request numbers (処理通番 / 取得番号, 番号法21条の2) and their redemption.

The municipality's 団体内統合宛名 side knows the person; the agency does not, and must
never receive the individual number or the 住民票コード.  So the municipality asks the
hub for a request number *for one agency* (:func:`issue`); the hub keeps only the
number's SHA-256, the agency it is for and the hub's subject of the person.  The agency
redeems it once (:func:`redeem`) for its 機関別符号; a second use is HUB-041, a stale one
HUB-042, and a number issued for another agency is HUB-040 (the same answer as an
unknown one, so nobody learns a number exists).  The number is random (no regularity
from which anything can be read) and is not persisted (facts §4.2).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.kernel.errors import JichiError
from jichi.kernel.identifiers import IdKind, validate
from jichi.mynumber.hub import errors as e
from jichi.mynumber.hub.catalogue import Catalogue
from jichi.mynumber.hub.keys import HubKey
from jichi.mynumber.hub.tables import hub_request_number
from jichi.mynumber.hub.tokens import token_of

DIGITS = 20


def _digest(number: str) -> str:
    return hashlib.sha256(number.encode("ascii")).hexdigest()


def issue(
    conn: Connection,
    key: HubKey,
    catalogue: Catalogue,
    *,
    resident_code: str,
    agency_id: str,
    lg_code: str,
    at: datetime,
    ttl: timedelta,
) -> str:
    """A fresh request number for ``agency_id`` to get its token of this person."""
    code = validate(IdKind.RESIDENT_CODE, resident_code, field="resident_code").value
    lg = validate(IdKind.LG_CODE, lg_code, field="lg_code").value
    catalogue.agency(agency_id)
    number = f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
    conn.execute(
        sa.insert(hub_request_number).values(
            number_hash=_digest(number),
            agency_id=agency_id,
            subject=key.subject(code),
            lg_code=lg,
            issued_at=at,
            expires_at=at + ttl,
        )
    )
    return number


def redeem(conn: Connection, key: HubKey, agency_id: str, number: str, *, at: datetime) -> str:
    """The agency's token for the person behind ``number``; the number is then spent."""
    t = hub_request_number.c
    clean = number.strip()
    row = None
    if clean.isdigit() and len(clean) == DIGITS:
        row = conn.execute(
            sa.select(t.subject, t.agency_id, t.expires_at, t.used_at).where(
                t.number_hash == _digest(clean)
            )
        ).first()
    if row is None or row.agency_id != agency_id:
        raise JichiError(e.REQUEST_NUMBER_UNKNOWN, field="request_number")
    if row.used_at is not None:
        raise JichiError(e.REQUEST_NUMBER_USED, field="request_number")
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=at.tzinfo)
    if expires < at:
        raise JichiError(
            e.REQUEST_NUMBER_EXPIRED, field="request_number", expires_at=expires.isoformat()
        )
    spent = conn.execute(
        sa.update(hub_request_number)
        .where(t.number_hash == _digest(clean), t.used_at.is_(None))
        .values(used_at=at)
    )
    if spent.rowcount != 1:  # a concurrent redemption won
        raise JichiError(e.REQUEST_NUMBER_USED, field="request_number")
    return token_of(conn, key, agency_id, str(row.subject), at)
