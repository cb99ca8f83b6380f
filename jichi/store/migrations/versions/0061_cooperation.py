"""Wide-area cooperation (広域連携) as data: arrangements and their members over time.

Not under row security: the arrangements are public facts (告示, 規約) that every member's
process reads to know what it may do; they hold no personal data.

Revision ID: 0061
Revises: 0060
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0061"
down_revision: str | None = "0060"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cooperation",
        sa.Column("arrangement_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date, nullable=True),
        sa.Column("services", sa.JSON, nullable=False),
        sa.Column("rules_of", sa.String(20), nullable=False),
        sa.Column("basis", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("arrangement_id", name="pk_cooperation"),
    )
    op.create_table(
        "cooperation_member",
        sa.Column("arrangement_id", sa.String(64), nullable=False),
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date, nullable=True),
        sa.PrimaryKeyConstraint(
            "arrangement_id", "lg_code", "role", "valid_from", name="pk_cooperation_member"
        ),
    )


def downgrade() -> None:
    op.drop_table("cooperation_member")
    op.drop_table("cooperation")
