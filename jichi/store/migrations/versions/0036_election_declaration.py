"""Elections: ``election_declaration``, the moment a result became 確定 (no longer 速報).

One row per election, written once by the commission when every counting district that
entered a tally has been reconciled (four eyes); before it the published page says 速報.
It holds no personal data (an election id, a moment and a staff id), so it is not under
row-level security, like the other election tables.

Staff ids are up to 100 characters (0005) but the polling and counting tables kept 40 for
who checked in, entered a tally or recorded a lot; now that staff sign in to do these on
the commission's pages, those columns take 100 too (PostgreSQL enforces the length;
SQLite does not, so there is nothing to alter there).

Revision ID: 0036
Revises: 0056 (re-chained after main's head at the merge)
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0036"
down_revision: str | None = "0056"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAFF_COLUMNS = (
    ("check_in", "clerk_id"),
    ("tally_entry", "staff_id"),
    ("lot_record", "recorded_by"),
)


def upgrade() -> None:
    op.create_table(
        "election_declaration",
        sa.Column("election_id", sa.String(36), primary_key=True),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("declared_by", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(["election_id"], ["election.election_id"], ondelete="CASCADE"),
    )
    if op.get_context().dialect.name == "postgresql":
        for table, column in STAFF_COLUMNS:
            op.alter_column(table, column, type_=sa.String(100), existing_nullable=False)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for table, column in STAFF_COLUMNS:
            op.alter_column(table, column, type_=sa.String(40), existing_nullable=False)
    op.drop_table("election_declaration")
