"""Counting: ``tally_entry`` (two entries by two staff), ``count_observation``, ``lot_record``.

Observations are append-only (what was known at what time): a correction is a newer
row, and an UPDATE is refused by a trigger on both databases, so the result as of any
moment can be re-read.  Votes are exact fractions written as text ("1112" or
"36700/33"): 按分 decimals are never rounded in storage.  A lot (くじ) is entered by
the 選挙長's staff and stored; code never draws one.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Moment = sa.DateTime(timezone=True)
APPEND_ONLY = "count_observation is append-only: record a newer observation instead"


def upgrade() -> None:
    op.create_table(
        "tally_entry",
        sa.Column("election_id", sa.String(36), primary_key=True),
        sa.Column("counting_district", sa.String(40), primary_key=True),
        sa.Column("round", sa.Integer, primary_key=True),
        sa.Column("staff_id", sa.String(40), nullable=False),
        sa.Column("lines", sa.Text, nullable=False),
        sa.Column("entered_at", Moment, nullable=False),
        sa.ForeignKeyConstraint(["election_id"], ["election.election_id"], ondelete="CASCADE"),
    )
    op.create_table(
        "count_observation",
        sa.Column("observation_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("election_id", sa.String(36), nullable=False),
        sa.Column("counting_district", sa.String(40), nullable=False),
        sa.Column("line", sa.String(140), nullable=False),
        sa.Column("votes", sa.String(60), nullable=False),
        sa.Column("observed_at", Moment, nullable=False),
        sa.ForeignKeyConstraint(["election_id"], ["election.election_id"], ondelete="CASCADE"),
    )
    op.create_index(
        "ix_count_observation_time", "count_observation", ["election_id", "observed_at"]
    )
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION count_observation_append_only() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}' "
            "USING ERRCODE = 'insufficient_privilege'; END $$"
        )
        op.execute(
            "CREATE TRIGGER count_observation_no_update BEFORE UPDATE ON count_observation "
            "FOR EACH ROW EXECUTE FUNCTION count_observation_append_only()"
        )
    else:
        op.execute(
            "CREATE TRIGGER count_observation_no_update BEFORE UPDATE ON count_observation "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )
    op.create_table(
        "lot_record",
        sa.Column("election_id", sa.String(36), primary_key=True),
        sa.Column("purpose", sa.String(60), primary_key=True),
        sa.Column("contenders", sa.Text, nullable=False),
        sa.Column("drawn", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(40), nullable=False),
        sa.Column("recorded_at", Moment, nullable=False),
        sa.ForeignKeyConstraint(["election_id"], ["election.election_id"], ondelete="CASCADE"),
    )


def downgrade() -> None:
    op.drop_table("lot_record")
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS count_observation_no_update ON count_observation")
        op.execute("DROP FUNCTION IF EXISTS count_observation_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS count_observation_no_update")
    op.drop_index("ix_count_observation_time", table_name="count_observation")
    op.drop_table("count_observation")
    op.drop_table("tally_entry")
