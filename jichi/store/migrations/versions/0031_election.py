"""Elections: ``election``, ``election_party`` and ``election_candidate``.

An election has a kind (衆院小選挙区 … 市区町村議会, with 補欠 as a flag), a district,
seats and the 公示/告示 day and polling day.  Candidates carry their party, the 衆院比例
list rank (shared only by 重複立候補者) and the 参院比例 特定枠 order.

Revision ID: 0031
Revises: 0040 (re-chained on merge)
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0041"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "election",
        sa.Column("election_id", sa.String(36), primary_key=True),
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("by_election", sa.Boolean, nullable=False),
        sa.Column("district", sa.String(100), nullable=False),
        sa.Column("seats", sa.Integer, nullable=False),
        sa.Column("announced_on", sa.Date, nullable=False),
        sa.Column("polling_day", sa.Date, nullable=False),
        sa.Column("created_at", Moment, nullable=False),
    )
    op.create_table(
        "election_party",
        sa.Column("election_id", sa.String(36), primary_key=True),
        sa.Column("party", sa.String(100), primary_key=True),
        sa.ForeignKeyConstraint(["election_id"], ["election.election_id"], ondelete="CASCADE"),
    )
    op.create_table(
        "election_candidate",
        sa.Column("election_id", sa.String(36), primary_key=True),
        sa.Column("candidate_id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("party", sa.String(100), nullable=True),
        sa.Column("list_rank", sa.Integer, nullable=True),
        sa.Column("dual", sa.Boolean, nullable=False),
        sa.Column("priority_order", sa.Integer, nullable=True),
        sa.ForeignKeyConstraint(["election_id"], ["election.election_id"], ondelete="CASCADE"),
    )


def downgrade() -> None:
    op.drop_table("election_candidate")
    op.drop_table("election_party")
    op.drop_table("election")
