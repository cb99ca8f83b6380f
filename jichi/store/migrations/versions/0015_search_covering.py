"""Search: the name and address indexes cover what a search sorts and filters by.

A name search filters on a prefix of ``name_key`` but lists people in reading order
(``kana_key``).  With the old indexes PostgreSQL had two bad choices for a common prefix
(佐 matches 2 % of a city): walk the reading-order index and filter (0.7 s on a million
residents) or fetch every match's row, 1.2 kB of JSON each, to sort them.  With
``status``, ``kana_key`` and ``person_id`` in the index, the matches are found and sorted
from the index alone and only the page's rows are fetched (``jichi.registry.queries``).
PostgreSQL keeps them as INCLUDE columns of the ``text_pattern_ops`` index; SQLite has
no INCLUDE, so they follow the key there.

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
    for name, column in INDEXES:
        op.drop_index(name, table_name="resident")
        if postgres:
            op.execute(f"CREATE INDEX {name} ON resident (lg_code, {column} text_pattern_ops)")
        else:
            op.create_index(name, "resident", ["lg_code", column])
