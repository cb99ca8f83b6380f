"""Audit log: a MAC per row, with a key the database does not hold.

The SHA-256 chain of 0002 finds edits made by someone who does not recompute it, but an
insider with database access can recompute every hash.  ``mac`` is HMAC-SHA256 over the
row (seq, prev_hash, hash and every field) with a key derived from ``JICHI_SECRET_KEY``
(``jichi.security.keys``), which is never stored, so a rewritten row cannot carry a
valid one.

Rows written before this migration keep ``mac`` NULL: ``jichi audit verify`` reports them
as unauthenticated legacy rows and accepts them only before the first authenticated row
(a NULL after it is a failure).  Adding a nullable column fires no UPDATE trigger.

Revision ID: 0019
Revises: 0016
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("mac", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_log", recreate="never") as batch:
        batch.drop_column("mac")
