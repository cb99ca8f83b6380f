"""Political funds' public search: the published lines and the totals per organisation and year,
refreshed at each filing in the same transaction (not nightly).

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0041"
down_revision: str | None = "0040"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "funds_public_line",
        sa.Column("organization_id", sa.String(100), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("organization_name", sa.Text, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("donor_kind", sa.String(20), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_key", sa.Text, nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("occupation", sa.Text, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("given_on", sa.Date, nullable=False),
        sa.PrimaryKeyConstraint("organization_id", "year", "seq", name="pk_funds_public_line"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # A name is matched by prefix (LIKE 'key%'): text_pattern_ops serves it whatever the
        # database collation; the INCLUDE columns let the page be chosen from the index alone.
        op.execute(
            "CREATE INDEX ix_funds_public_line_name_key ON funds_public_line "
            "(name_key text_pattern_ops) INCLUDE (amount, organization_id, year, seq)"
        )
    else:
        op.create_index(
            "ix_funds_public_line_name_key",
            "funds_public_line",
            ["name_key", "amount", "organization_id", "year", "seq"],
        )
    op.create_index(
        "ix_funds_public_line_amount",
        "funds_public_line",
        ["amount", "organization_id", "year", "seq"],
    )
    op.create_table(
        "funds_public_total",
        sa.Column("organization_id", sa.String(100), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("organization_name", sa.Text, nullable=False),
        sa.Column("income_total", sa.BigInteger, nullable=False),
        sa.Column("donations", sa.BigInteger, nullable=False),
        sa.Column("donations_listed", sa.BigInteger, nullable=False),
        sa.Column("donations_unlisted", sa.BigInteger, nullable=False),
        sa.Column("anonymous", sa.BigInteger, nullable=False),
        sa.Column("party_tickets_listed", sa.BigInteger, nullable=False),
        sa.Column("expenditure_total", sa.BigInteger, nullable=False),
        sa.Column("lines", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("organization_id", "year", name="pk_funds_public_total"),
    )


def downgrade() -> None:
    op.drop_table("funds_public_total")
    op.drop_index("ix_funds_public_line_amount", table_name="funds_public_line")
    op.drop_index("ix_funds_public_line_name_key", table_name="funds_public_line")
    op.drop_table("funds_public_line")
