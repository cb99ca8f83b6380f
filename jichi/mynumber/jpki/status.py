"""A certificate's status as the CA's own records say (the source OCSP and the API use)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from jichi.mynumber.jpki import store


@dataclass(frozen=True)
class Status:
    answer: str  # good / revoked / unknown
    revoked_at: datetime | None = None
    reason: int | None = None  # RFC 5280 code


def lookup(conn: sa.Connection, serial: int, profile: str | None = None) -> Status:
    row = store.get(conn, store.serial_hex(serial))
    if row is None or (profile is not None and row.profile != profile):
        return Status("unknown")
    if row.status == "revoked":
        return Status("revoked", row.revoked_at, row.revocation_reason)
    return Status("good")
