"""DV等支援措置: one restriction record that every channel checks (U9).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "support_measure",
        sa.Column("measure_id", sa.String(36), primary_key=True),
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("other_parties", sa.JSON, nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("ended_on", sa.Date, nullable=True),
        sa.Column("basis", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_support_measure_person", "support_measure", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_support_measure_person", table_name="support_measure")
    op.drop_table("support_measure")
