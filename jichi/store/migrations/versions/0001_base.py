"""Base: installation metadata and the dated list of local governments.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "jichi_meta",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    # Codes are never reused and mergers create new ones, so every row is dated.
    op.create_table(
        "local_government",
        sa.Column("code", sa.String(6), primary_key=True),
        sa.Column("prefecture_code", sa.String(2), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_kana", sa.Text, nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("parent_code", sa.String(6), nullable=True),
        sa.Column("northern_territories", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("valid_from", sa.Date, nullable=True),
        sa.Column("valid_to", sa.Date, nullable=True),
        sa.CheckConstraint("length(code) = 6", name="ck_local_government_code_length"),
    )
    op.create_index("ix_local_government_prefecture", "local_government", ["prefecture_code"])


def downgrade() -> None:
    op.drop_index("ix_local_government_prefecture", table_name="local_government")
    op.drop_table("local_government")
    op.drop_table("jichi_meta")
