"""The public funds API's keys and every public API's per-minute request counts.

``funds_api_key`` keeps only SHA-256 digests (jichi.funds.api_keys); ``request_quota``
holds one row per caller per minute (jichi.security.rate_limit) — hashed callers, no
client address in clear.  Neither holds personal data of residents.

Revision ID: 0043
Revises: 0017
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0043"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "funds_api_key",
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("per_minute", sa.Integer, nullable=False),
        sa.Column("issued_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key_hash", name="pk_funds_api_key"),
    )
    op.create_table(
        "request_quota",
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("scope", "key_hash", "window_start", name="pk_request_quota"),
    )


def downgrade() -> None:
    op.drop_table("request_quota")
    op.drop_table("funds_api_key")
