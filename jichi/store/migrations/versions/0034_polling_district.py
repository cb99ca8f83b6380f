"""投票区 table: ``polling_district_range``, the commission's 町字・番地 ranges.

One row per line of the imported CSV (district code and name, 町字, 番地 from–to);
an import replaces a municipality's rows in one transaction.

Revision ID: 0034
Revises: 0042
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | None = "0042"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "polling_district_range",
        sa.Column("lg_code", sa.String(6), primary_key=True),
        sa.Column("line", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("town", sa.String(200), nullable=False),
        sa.Column("block_from", sa.String(100), nullable=False),
        sa.Column("block_to", sa.String(100), nullable=False),
        sa.Column("imported_at", Moment, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("polling_district_range")
