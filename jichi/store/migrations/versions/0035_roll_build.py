"""A built roll: ``voter_roll_build`` and its entries (district, 選挙人番号, status).

Each build freezes the roll at one date with each voter's 投票区 and number, so two
builds can be compared (added, 表示, 抹消 and why).

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "voter_roll_build",
        sa.Column("build_id", sa.String(36), primary_key=True),
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("built_at", Moment, nullable=False),
        sa.Column("built_by", sa.String(100), nullable=False),
    )
    op.create_table(
        "voter_roll_build_entry",
        sa.Column("build_id", sa.String(36), primary_key=True),
        sa.Column("person_id", sa.String(36), primary_key=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("district", sa.String(40), nullable=True),
        sa.Column("number", sa.Integer, nullable=True),
        sa.Column("sex", sa.String(6), nullable=True),
        sa.Column("date_of_birth", sa.Date, nullable=True),
        sa.ForeignKeyConstraint(["build_id"], ["voter_roll_build.build_id"], ondelete="CASCADE"),
    )


def downgrade() -> None:
    op.drop_table("voter_roll_build_entry")
    op.drop_table("voter_roll_build")
