"""My Number: numbers ever issued (the center's), their changes, and the event outbox.

A number is never deleted (番号法8条2項: never reissued), only ``superseded``; it is
stored encrypted and found by a keyed blind index, and the resident code only as a
blind index.  ``mynumber_event`` carries domain events to listeners and the relay.

Revision ID: 0050
Revises: 0016 (chained after 0041 in this branch so the tests have one head)
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0050"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "individual_number_issued",
        sa.Column("number_hash", sa.String(64), primary_key=True),
        sa.Column("number_enc", sa.Text, nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("counter", sa.Integer, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("issued_at", Moment, nullable=False),
        sa.Column("issued_by", sa.String(100), nullable=False),
        sa.Column("superseded_at", Moment, nullable=True),
        sa.Column("superseded_by", sa.String(64), nullable=True),
    )
    op.create_index("ix_individual_number_issued_code", "individual_number_issued", ["code_hash"])
    op.create_index(
        "uq_individual_number_active_code",
        "individual_number_issued",
        ["code_hash"],
        unique=True,
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_table(
        "individual_number_change",
        sa.Column("seq", BigId, primary_key=True, autoincrement=True),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("old_hash", sa.String(64), nullable=False),
        sa.Column("new_hash", sa.String(64), nullable=False),
        sa.Column("origin", sa.String(12), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("changed_at", Moment, nullable=False),
        sa.Column("changed_by", sa.String(100), nullable=False),
    )
    op.create_index("ix_individual_number_change_code", "individual_number_change", ["code_hash"])
    op.create_table(
        "mynumber_event",
        sa.Column("seq", BigId, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("lg_code", sa.String(6), nullable=True),
        sa.Column("topic", sa.String(80), nullable=False),
        sa.Column("card_id", sa.String(36), nullable=True),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("occurred_on", sa.Date, nullable=False),
        sa.Column("recorded_at", Moment, nullable=False),
        sa.Column("sent_at", Moment, nullable=True),
    )
    op.create_index("ix_mynumber_event_unsent", "mynumber_event", ["sent_at", "seq"])
    op.create_index("ix_mynumber_event_card", "mynumber_event", ["lg_code", "card_id"])


def downgrade() -> None:
    op.drop_index("ix_mynumber_event_card", table_name="mynumber_event")
    op.drop_index("ix_mynumber_event_unsent", table_name="mynumber_event")
    op.drop_table("mynumber_event")
    op.drop_index("ix_individual_number_change_code", table_name="individual_number_change")
    op.drop_table("individual_number_change")
    op.drop_index("uq_individual_number_active_code", table_name="individual_number_issued")
    op.drop_index("ix_individual_number_issued_code", table_name="individual_number_issued")
    op.drop_table("individual_number_issued")
