"""JPKI: registered verifiers (検証者, 公的個人認証法17条・36条) and every status query.

Revision ID: 0053
Revises: 0052
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0053"
down_revision: str | None = "0052"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "jpki_verifier",
        sa.Column("verifier_id", sa.String(64), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("verifier_id", name="pk_jpki_verifier"),
        sa.UniqueConstraint("token_hash", name="uq_jpki_verifier_token_hash"),
    )
    op.create_table(
        "jpki_status_query",
        sa.Column("query_id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verifier_id", sa.String(64), nullable=False),
        sa.Column("serial", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("answer", sa.String(10), nullable=False),
        sa.PrimaryKeyConstraint("query_id", name="pk_jpki_status_query"),
    )
    op.create_index("ix_jpki_status_query_serial", "jpki_status_query", ["serial", "at"])


def downgrade() -> None:
    op.drop_index("ix_jpki_status_query_serial", table_name="jpki_status_query")
    op.drop_table("jpki_status_query")
    op.drop_table("jpki_verifier")
