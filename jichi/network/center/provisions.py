"""The provision log (本人確認情報の提供の記録) and the resident's view of it.

Every answer the center gives about a person — match or not, one or ten thousand at a
time — is one row, written in the same transaction as the read that produced it: if
the log cannot be written, nothing is answered.  A row names the agency, the purpose
it gave, the time, the kind of query, the resident code concerned (``NULL`` when a
basic-four query found nobody, so no code was involved) and the result.  The table is
append-only (triggers in migration 0011).  The request's personal data (name, address
asked for) is not kept: the log says *who read whose data*, not what they typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.network.center.tables import center_agency, center_provision

_CHUNK = 1_000


class Provision(NamedTuple):
    """One logged read, as the log keeps it."""

    item: int
    query_kind: str
    resident_code: str | None
    result: str


@dataclass(frozen=True)
class ProvisionView:
    """One line of 'who read my data', for the resident."""

    provided_at: datetime
    agency: str
    legal_ground: str
    purpose: str
    query_kind: str
    result: str


def log_provisions(
    conn: Connection,
    *,
    request_id: str,
    agency_id: str,
    purpose: str,
    provided_at: datetime,
    provisions: Sequence[Provision],
) -> None:
    """Write one row per provision (in chunks: one statement per chunk, not per row)."""
    rows: list[dict[str, Any]] = [
        {
            "request_id": request_id,
            "item": p.item,
            "agency_id": agency_id,
            "purpose": purpose,
            "query_kind": p.query_kind,
            "resident_code": p.resident_code,
            "result": p.result,
            "provided_at": provided_at,
        }
        for p in provisions
    ]
    for start in range(0, len(rows), _CHUNK):
        conn.execute(center_provision.insert(), rows[start : start + _CHUNK])


def provisions_for(conn: Connection, resident_code: str) -> list[ProvisionView]:
    """Who read this person's identity info, when and for what; newest first."""
    p, a = center_provision.c, center_agency.c
    rows = conn.execute(
        sa.select(p.provided_at, a.name, a.legal_ground, p.purpose, p.query_kind, p.result)
        .join(center_agency, a.agency_id == p.agency_id)
        .where(p.resident_code == resident_code)
        .order_by(p.provided_at.desc(), p.provision_id.desc())
    ).all()
    return [ProvisionView(*row) for row in rows]


def count_provisions(conn: Connection, **where: Any) -> int:
    """How many rows match, e.g. ``count_provisions(conn, request_id=...)`` (operators, tests)."""
    clauses = [center_provision.c[name] == value for name, value in where.items()]
    query = sa.select(sa.func.count()).select_from(center_provision).where(*clauses)
    return int(conn.execute(query).scalar_one())
