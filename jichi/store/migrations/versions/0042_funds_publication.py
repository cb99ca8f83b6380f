"""Political funds: the authority's publication (公表, 政治資金規正法20条) of each report version,
and the filing tokens of organisations' accountants (会計責任者).

A filed version is no longer searchable until the authority publishes it: ``published_at`` and
``published_by`` (a staff id) stay NULL until then.  Adding nullable columns rewrites no row.
``funds_filer_token`` keeps only the SHA-256 digest of each token, like ``api_token``.

Revision ID: 0042
Revises: 0021
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0042"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "funds_report", sa.Column("published_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("funds_report", sa.Column("published_by", sa.String(100), nullable=True))
    op.create_table(
        "funds_filer_token",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("organization_id", sa.String(100), nullable=False),
        sa.Column("issued_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name="pk_funds_filer_token"),
    )
    op.create_index("ix_funds_filer_token_organization", "funds_filer_token", ["organization_id"])


def downgrade() -> None:
    op.drop_index("ix_funds_filer_token_organization", table_name="funds_filer_token")
    op.drop_table("funds_filer_token")
    with op.batch_alter_table("funds_report", recreate="auto") as batch:
        batch.drop_column("published_by")
        batch.drop_column("published_at")
