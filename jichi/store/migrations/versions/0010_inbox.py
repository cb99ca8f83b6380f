"""住基ネット: the inbox that applies each received message at most once, in order.

Also an index on the outbox by ordering key, for the relay's look-up of the previous
message of a chain.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("message_id", sa.String(36), primary_key=True),
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("ordering_key", sa.String(40), nullable=False),
        sa.Column("seq", BigId, nullable=False),
        sa.Column("previous_seq", BigId, nullable=True),
        sa.Column("envelope", sa.JSON, nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_inbox_chain", "inbox", ["lg_code", "topic", "ordering_key", "seq"])
    op.create_index(
        "ix_inbox_waiting", "inbox", ["lg_code", "topic", "ordering_key", "previous_seq"]
    )
    op.create_index("ix_outbox_chain", "outbox", ["ordering_key", "topic", "seq"])


def downgrade() -> None:
    op.drop_index("ix_outbox_chain", table_name="outbox")
    op.drop_index("ix_inbox_waiting", table_name="inbox")
    op.drop_index("ix_inbox_chain", table_name="inbox")
    op.drop_table("inbox")
