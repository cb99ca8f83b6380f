"""Import archive: what a registry import kept from each source row beyond the record.

One row per imported person: the source system's own ids, the line it came from, a hash of
the row as read, and every source column jichi has no item for (``columns``), so nothing
of a vendor's file is silently dropped and ``jichi registry export`` can write it back.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "import_archive",
        sa.Column("person_id", sa.String(36), primary_key=True),
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("notification_id", sa.String(36), nullable=False),
        sa.Column("source_line", sa.Integer, nullable=False),
        sa.Column("source_id", sa.Text, nullable=False),
        sa.Column("household_source_id", sa.Text, nullable=False),
        sa.Column("columns", sa.JSON, nullable=False),
        sa.Column("row_sha256", sa.String(64), nullable=False),
        sa.Column("recorded_at", Moment, nullable=False),
    )
    op.create_index("ix_import_archive_lg", "import_archive", ["lg_code"])
    op.create_index("ix_import_archive_notification", "import_archive", ["notification_id"])


def downgrade() -> None:
    op.drop_index("ix_import_archive_notification", table_name="import_archive")
    op.drop_index("ix_import_archive_lg", table_name="import_archive")
    op.drop_table("import_archive")
