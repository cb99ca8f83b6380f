"""Search: address keys fold numbers and units (五丁目 = ５丁目 = 5-), as the identity gate does.

The key used to fold only widths and variant kanji, so a clerk typing 「的場五丁目」 did
not find a record written 「的場5丁目」.  The key is now ``jichi.kernel.address.fold_address``
of 町字 + 番地 + 方書; this recomputes it for every resident and household.  It is a
search key only: no stored address changes.

The function is imported from the application on purpose: the key must be exactly what
the running code computes.  Should ``fold_address`` change again, a new migration
recomputes the keys the same way.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27
"""

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from jichi.kernel.address import fold_address
from jichi.kernel.text import name_search_key

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000


Fold = Callable[[str], str]


def _key(address: Any, fold: Fold) -> str:
    address = address or {}
    parts = (address.get("town"), address.get("block"), address.get("building"))
    return fold("".join(part or "" for part in parts))


def _recompute(table: str, id_column: str, json_column: str, path: str | None, fold: Fold) -> None:
    bind = op.get_bind()
    t = sa.table(
        table,
        sa.column(id_column, sa.Text),
        sa.column(json_column, sa.JSON),
        sa.column("address_key", sa.Text),
    )
    update = (
        t.update().where(t.c[id_column] == sa.bindparam("k")).values(address_key=sa.bindparam("v"))
    )
    last = ""
    while True:
        rows = bind.execute(
            sa.select(t.c[id_column], t.c[json_column])
            .where(t.c[id_column] > last)
            .order_by(t.c[id_column])
            .limit(BATCH)
        ).all()
        if not rows:
            return
        bind.execute(
            update,
            [{"k": i, "v": _key(data.get(path) if path else data, fold)} for i, data in rows],
        )
        last = rows[-1][0]


def upgrade() -> None:
    _recompute("household", "household_id", "address", None, fold_address)
    _recompute("resident", "person_id", "record", "address", fold_address)


def downgrade() -> None:
    """Back to the old key: width and variant folding only."""
    _recompute("household", "household_id", "address", None, name_search_key)
    _recompute("resident", "person_id", "record", "address", name_search_key)
