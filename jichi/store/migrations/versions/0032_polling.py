"""Polling: ``polling_station`` and ``check_in`` (one row per voter per election).

The primary key (election_id, voter_id) is what makes a voter vote once: of two
stations checking in the same voter at the same moment, the database lets exactly one
insert win, and the other reads the winner's row (who, where, when).  A station's
``offline_since`` is the visible state of offline mode (double-vote risk).

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "polling_station",
        sa.Column("election_id", sa.String(36), primary_key=True),
        sa.Column("station_id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("polling_district", sa.String(40), nullable=False),
        sa.Column("offline_since", Moment, nullable=True),
        sa.ForeignKeyConstraint(["election_id"], ["election.election_id"], ondelete="CASCADE"),
    )
    op.create_table(
        "check_in",
        sa.Column("election_id", sa.String(36), primary_key=True),
        sa.Column("voter_id", sa.String(36), primary_key=True),
        sa.Column("station_id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("clerk_id", sa.String(40), nullable=False),
        sa.Column("checked_in_at", Moment, nullable=False),
        sa.Column("hour_slot", sa.String(13), nullable=False),
        sa.Column("polling_district", sa.String(40), nullable=False),
        sa.Column("sex", sa.String(10), nullable=False),
        sa.Column("age_band", sa.String(10), nullable=False),
        sa.Column("offline", sa.Boolean, nullable=False),
        sa.Column("recorded_at", Moment, nullable=False),
        sa.ForeignKeyConstraint(["election_id"], ["election.election_id"], ondelete="CASCADE"),
    )
    op.create_index("ix_check_in_station", "check_in", ["election_id", "station_id"])


def downgrade() -> None:
    op.drop_index("ix_check_in_station", table_name="check_in")
    op.drop_table("check_in")
    op.drop_table("polling_station")
