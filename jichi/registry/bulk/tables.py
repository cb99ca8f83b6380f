"""The archive of what an import kept but did not map (migration 0004)."""

from __future__ import annotations

import sqlalchemy as sa

from jichi.store.metadata import metadata

import_archive = sa.Table(
    "import_archive",
    metadata,
    sa.Column("person_id", sa.String(36), primary_key=True),
    sa.Column("lg_code", sa.String(6), nullable=False),
    sa.Column("notification_id", sa.String(36), nullable=False),
    sa.Column("source_line", sa.Integer, nullable=False),
    sa.Column("source_id", sa.Text, nullable=False),
    sa.Column("household_source_id", sa.Text, nullable=False),
    sa.Column("columns", sa.JSON, nullable=False),
    sa.Column("row_sha256", sa.String(64), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)
"""Per imported person: source ids, source line, row hash and archived columns (0004)."""
