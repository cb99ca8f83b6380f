"""Political funds: the accountant's draft report (下書き), and income by source in the totals.

``funds_draft`` holds one organisation's report for one year while its accountant enters it
step by step on the funds app's pages: the fields as typed (strings), so a half-typed
amount is shown back as it was; nothing in it is filed or public.  The six ``income_*``
columns of ``funds_public_total`` split a published year's income by source (個人・法人・
政治団体の寄附, パーティー, 交付金, その他) for the public search's chart; they are written
with the rest of the totals at publication.  Existing rows get 0 (no report is re-read).

Revision ID: 0064
Revises: 0068
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0064"
down_revision: str | None = "0068"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOURCES = (
    "income_individual",
    "income_corporate",
    "income_political",
    "income_party",
    "income_grants",
    "income_other",
)


def upgrade() -> None:
    op.create_table(
        "funds_draft",
        sa.Column("organization_id", sa.String(100), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("organization_id", "year", name="pk_funds_draft"),
    )
    for name in SOURCES:
        op.add_column(
            "funds_public_total",
            sa.Column(name, sa.BigInteger, nullable=False, server_default="0"),
        )


def downgrade() -> None:
    with op.batch_alter_table("funds_public_total", recreate="auto") as batch:
        for name in reversed(SOURCES):
            batch.drop_column(name)
    op.drop_table("funds_draft")
