"""The counter day: 受付 with a 窓口番号 per municipality per day, and its steps.

``reception`` is one visitor's 受付 (its number is unique per municipality and JST day);
``reception_step`` is every move through the work queues (who, when, from, to).  Both
hold one municipality's personal data, so both are put under the row-level security
policy of 0017 here (docs/adr/0022-counter-day.md).

Revision ID: 0024
Revises: 0055
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0055"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY = "jichi_tenant"
CHECK = "coalesce(current_setting('jichi.lg_code', true), '') IN ('', lg_code)"
TABLES = ("reception", "reception_step")


def upgrade() -> None:
    op.create_table(
        "reception",
        sa.Column("reception_id", sa.String(36), primary_key=True),
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("ticket_number", sa.Integer, nullable=False),
        sa.Column("purpose", sa.String(40), nullable=False),
        sa.Column("visitor_name", sa.String(200), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.UniqueConstraint("lg_code", "received_on", "ticket_number", name="uq_reception_ticket"),
    )
    op.create_index("ix_reception_day_state", "reception", ["lg_code", "received_on", "state"])
    op.create_table(
        "reception_step",
        sa.Column("reception_id", sa.String(36), nullable=False),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("from_state", sa.String(20), nullable=False),
        sa.Column("to_state", sa.String(20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(100), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("reception_id", "step", name="pk_reception_step"),
    )
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY {POLICY} ON {table} USING ({CHECK}) WITH CHECK ({CHECK})")


def downgrade() -> None:
    op.drop_table("reception_step")
    op.drop_index("ix_reception_day_state", table_name="reception")
    op.drop_table("reception")
