"""Search by given name alone: an index on the given name's part of the name key.

``name_key`` is the folded whole name (氏 then 名) and ``family_key`` the folded surname,
so the given name's key is ``substr(name_key, length(family_key) + 1)`` — no new column,
nothing to backfill, and it can never disagree with the name key.  Like the whole-name
index of 0015, the index carries status, reading and person id, so a given-name prefix is
matched and ordered from the index (``jichi.registry.queries.given_key`` writes the same
expression).  Both databases index expressions; PostgreSQL's is ``text_pattern_ops`` so a
``LIKE '太郎%'`` is a range of it.

Revision ID: 0027
Revises: 0025
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0027"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GIVEN = "substr(name_key, length(family_key) + 1)"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE INDEX ix_resident_given ON resident (lg_code, ({GIVEN}) text_pattern_ops) "
            "INCLUDE (status, kana_key, person_id)"
        )
    else:
        op.execute(
            f"CREATE INDEX ix_resident_given ON resident "
            f"(lg_code, {GIVEN}, status, kana_key, person_id)"
        )


def downgrade() -> None:
    op.drop_index("ix_resident_given", table_name="resident")
