"""Portal tables (migration 0056): login challenges (来庁予定 lives in the network's flows)."""

from __future__ import annotations

import sqlalchemy as sa

from jichi.store.metadata import metadata

portal_challenge = sa.Table(
    "portal_challenge",
    metadata,
    sa.Column("challenge_hash", sa.String(64), primary_key=True),  # SHA-256 hex of the text
    sa.Column("lg_code", sa.String(6), nullable=False),
    sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index("ix_portal_challenge_expires_at", "expires_at"),
)
