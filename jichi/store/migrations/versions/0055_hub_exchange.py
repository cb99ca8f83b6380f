"""Exchange hub: the providers' 副本 and the exchange log (番号法23条, kept 7 years).

Revision ID: 0055
Revises: 0054
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0055"
down_revision: str | None = "0054"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Moment = sa.DateTime(timezone=True)
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "hub_offered_copy",
        sa.Column("agency_id", sa.String(64), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("value", sa.JSON, nullable=False),
        sa.Column("updated_at", Moment, nullable=False),
        sa.PrimaryKeyConstraint("agency_id", "token", "item_id", name="pk_hub_offered_copy"),
    )
    op.create_table(
        "hub_exchange_log",
        sa.Column("log_id", BigId, autoincrement=True, nullable=False),
        sa.Column("exchange_id", sa.String(36), nullable=False),
        sa.Column("side", sa.String(10), nullable=False),
        sa.Column("requester_id", sa.String(64), nullable=False),
        sa.Column("provider_id", sa.String(64), nullable=False),
        sa.Column("affair_id", sa.String(64), nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("person_key", sa.String(64), nullable=False),
        sa.Column("requested_at", Moment, nullable=False),
        sa.Column("provided_at", Moment, nullable=True),
        sa.Column("result", sa.String(20), nullable=False),
        sa.Column("withhold", sa.Boolean, nullable=False),
        sa.Column("keep_until", Moment, nullable=False),
        sa.PrimaryKeyConstraint("log_id", name="pk_hub_exchange_log"),
    )
    op.create_index("ix_hub_exchange_log_person", "hub_exchange_log", ["side", "person_key"])
    op.create_index("ix_hub_exchange_log_exchange", "hub_exchange_log", ["exchange_id"])
    op.create_index("ix_hub_exchange_log_keep", "hub_exchange_log", ["keep_until"])


def downgrade() -> None:
    op.drop_index("ix_hub_exchange_log_keep", table_name="hub_exchange_log")
    op.drop_index("ix_hub_exchange_log_exchange", table_name="hub_exchange_log")
    op.drop_index("ix_hub_exchange_log_person", table_name="hub_exchange_log")
    op.drop_table("hub_exchange_log")
    op.drop_table("hub_offered_copy")
