"""本人確認コード: one-time codes with which a resident signs in to see their record.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "resident_access_code",
        sa.Column("code_id", sa.String(36), primary_key=True),
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("issued_by", sa.String(100), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_resident_access_code_live", "resident_access_code", ["lg_code", "used_at", "expires_at"]
    )
    op.create_index("ix_resident_access_code_person", "resident_access_code", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_resident_access_code_person", table_name="resident_access_code")
    op.drop_index("ix_resident_access_code_live", table_name="resident_access_code")
    op.drop_table("resident_access_code")
