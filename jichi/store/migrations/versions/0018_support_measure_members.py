"""Support measures cover household members; the center knows who is protected.

A 支援措置 covered only the one person, so a third party obtained the copy of the
protected person's household head or child at the same address (issue 9).  A measure
now covers the members chosen at registration, kept here as a JSON list of person ids;
NULL (every existing measure) means the default: every member of the protected
person's household at the same address.

The center answered an agency with a protected person's address, since it did not
know: ``center_identity.protected`` (and, per update, ``center_identity_history.
protected``, NULL when the update did not say) carries the flag, never the details.

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("support_measure", sa.Column("members", sa.JSON, nullable=True))
    op.add_column(
        "center_identity",
        sa.Column("protected", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.add_column("center_identity_history", sa.Column("protected", sa.Boolean, nullable=True))


def downgrade() -> None:
    for table, column in (
        ("center_identity_history", "protected"),
        ("center_identity", "protected"),
        ("support_measure", "members"),
    ):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
