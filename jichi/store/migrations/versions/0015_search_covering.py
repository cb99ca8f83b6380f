"""Search: indexes that serve a prefix search and the reading order together.

A name search filters on a prefix of ``name_key`` but lists people in reading order
(``kana_key``).  With the old indexes PostgreSQL had two bad choices for a common prefix
(佐 matches 2 % of a city): walk the reading-order index and filter (0.7 s on a million
residents) or fetch every match's row, 1.2 kB of JSON each, to sort them.  With
``status``, ``kana_key`` and ``person_id`` in the index, the matches are found and sorted
from the index alone and only the page's rows are fetched (``jichi.registry.queries``).
PostgreSQL keeps them as INCLUDE columns of the ``text_pattern_ops`` index; SQLite has
no INCLUDE, so they follow the key there.

A reading search lists in reading order, so one index can do both — if its order is
the order asked for.  On PostgreSQL the listing order becomes COLLATE "C" (code points,
as SQLite compares), the reading-order index is rebuilt in it, and a reading prefix is
a range of it; the separate ``text_pattern_ops`` reading index is no longer needed.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COVERED = ("status", "kana_key", "person_id")
INDEXES = (("ix_resident_name", "name_key"), ("ix_resident_address", "address_key"))


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        # Listing order in code points whatever the database's collation; a reading
        # prefix becomes a range of this index, so the text_pattern_ops one goes.
        op.drop_index("ix_resident_order", table_name="resident")
        op.drop_index("ix_resident_kana", table_name="resident")
        op.execute(
            'CREATE INDEX ix_resident_order ON resident (lg_code, kana_key COLLATE "C", '
            'person_id COLLATE "C")'
        )
    for name, column in INDEXES:
        op.drop_index(name, table_name="resident")
        if postgres:
            op.execute(
                f"CREATE INDEX {name} ON resident (lg_code, {column} text_pattern_ops) "
                f"INCLUDE ({', '.join(COVERED)})"
            )
        else:
            op.create_index(name, "resident", ["lg_code", column, *COVERED])


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.drop_index("ix_resident_order", table_name="resident")
        op.create_index("ix_resident_order", "resident", ["lg_code", "kana_key", "person_id"])
        op.execute("CREATE INDEX ix_resident_kana ON resident (lg_code, kana_key text_pattern_ops)")
    for name, column in INDEXES:
        op.drop_index(name, table_name="resident")
        if postgres:
            op.execute(f"CREATE INDEX {name} ON resident (lg_code, {column} text_pattern_ops)")
        else:
            op.create_index(name, "resident", ["lg_code", column])
