"""The persisted 投票区 table (0034): replaced whole on each import, read for a build."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.elections.districts import DistrictRow, DistrictTable
from jichi.elections.tables import polling_district_range as t

__all__ = ["DEFAULT_DISTRICT", "load", "replace"]

DEFAULT_DISTRICT = DistrictRow(line=0, code="1", name="（全域）", town="")
"""With no table imported the whole municipality is one 投票区 (公選法17条1項)."""


def replace(
    conn: Connection, lg_code: str, table: DistrictTable, *, now: datetime | None = None
) -> int:
    """Replace ``lg_code``'s table with ``table`` (already checked); returns the row count."""
    now = now or datetime.now(UTC)
    conn.execute(t.delete().where(t.c.lg_code == lg_code))
    if table.rows:
        conn.execute(
            t.insert(),
            [
                {
                    "lg_code": lg_code,
                    "line": row.line,
                    "code": row.code,
                    "name": row.name,
                    "town": row.town,
                    "block_from": row.block_from,
                    "block_to": row.block_to,
                    "imported_at": now,
                }
                for row in table.rows
            ],
        )
    return len(table.rows)


def load(conn: Connection, lg_code: str) -> DistrictTable | None:
    """The imported table, or ``None`` when the commission has not split the municipality."""
    rows = [
        DistrictRow(
            line=r.line,
            code=r.code,
            name=r.name,
            town=r.town,
            block_from=r.block_from,
            block_to=r.block_to,
        )
        for r in conn.execute(sa.select(t).where(t.c.lg_code == lg_code).order_by(t.c.line))
    ]
    return DistrictTable(tuple(rows)) if rows else None
