"""Attempt throttle: failed sign-ins and /me access-code attempts, counted across processes.

One row per failed attempt, keyed by what was attempted (``scope``: ``sign_in`` or
``access_code``) and a SHA-256 of who or what it was attempted for (a staff id, a client
address, the municipality), so no staff id or address is stored in clear.  A success
deletes the rows of its key; old rows are deleted as new ones come.  Counting rows (not a
counter column) needs no upsert, which SQLite and PostgreSQL spell differently.

Revision ID: 0021
Revises: 0023 (re-chained on merge)
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attempt_throttle",
        sa.Column(
            "attempt_id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_attempt_throttle_key", "attempt_throttle", ["scope", "key_hash", "at"])


def downgrade() -> None:
    op.drop_index("ix_attempt_throttle_key", table_name="attempt_throttle")
    op.drop_table("attempt_throttle")
