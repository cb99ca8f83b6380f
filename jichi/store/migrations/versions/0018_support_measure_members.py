"""Support measures cover household members: the members a measure names.

A 支援措置 covered only the one person, so a third party obtained the copy of the
protected person's household head or child at the same address (issue 9).  A measure
now covers the members chosen at registration, kept here as a JSON list of person ids;
NULL (every existing measure) means the default: every member of the protected
person's household at the same address.

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
    with op.batch_alter_table("support_measure") as batch:
        batch.add_column(sa.Column("members", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("support_measure") as batch:
        batch.drop_column("members")
