"""Municipality nodes: tasks, 転出証明書情報 kept for card moves, card move-ins pending.

- ``node_task``: work the network leaves for a clerk — a 実態調査 after a move-out
  with no 転入通知, a 転入通知 that matches nobody, one for a person who never filed a
  転出届.  ``(lg_code, kind, subject_key)`` is unique, so a sweep or a redelivered
  message never opens the same task twice.
- ``card_move_out``: the old municipality's 転出証明書情報 for a 転入届の特例 move
  (法24条の2): one row per person of the move-out, with who holds a card and how it
  was filed (counter or online), and when the data was provided to the new one.
- ``pending_move_in``: the new municipality's card move-in waiting for that data:
  the counter's input, its status and the reason, and the outcome (継続利用).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "node_task",
        sa.Column("task_id", sa.String(36), primary_key=True),
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("subject_key", sa.String(100), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=True),
        sa.Column("code", sa.String(10), nullable=False),
        sa.Column("reason_ja", sa.Text, nullable=False),
        sa.Column("reason_en", sa.Text, nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("due_on", sa.Date, nullable=True),
        sa.Column("created_at", Moment, nullable=False),
        sa.Column("closed_at", Moment, nullable=True),
        sa.Column("closed_by", sa.String(100), nullable=True),
        sa.UniqueConstraint("lg_code", "kind", "subject_key", name="uq_node_task_subject"),
    )
    op.create_index("ix_node_task_open", "node_task", ["lg_code", "closed_at", "kind"])
    op.create_table(
        "card_move_out",
        sa.Column("notification_id", sa.String(36), primary_key=True),
        sa.Column("person_id", sa.String(36), primary_key=True),
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("resident_code", sa.String(11), nullable=True),
        sa.Column("destination_lg_code", sa.String(6), nullable=False),
        sa.Column("planned_date", sa.Date, nullable=False),
        sa.Column("filed_on", sa.Date, nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("card_holder", sa.Boolean, nullable=False),
        sa.Column("created_at", Moment, nullable=False),
        sa.Column("provided_at", Moment, nullable=True),
        sa.Column("provided_to", sa.String(6), nullable=True),
    )
    op.create_index("ix_card_move_out_code", "card_move_out", ["resident_code"])
    op.create_table(
        "pending_move_in",
        sa.Column("request_id", sa.String(36), primary_key=True),
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("from_lg_code", sa.String(6), nullable=False),
        sa.Column("resident_code", sa.String(11), nullable=False),
        sa.Column("draft", sa.JSON, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("code", sa.String(10), nullable=False),
        sa.Column("reason_ja", sa.Text, nullable=False),
        sa.Column("reason_en", sa.Text, nullable=False),
        sa.Column("notification_id", sa.String(36), nullable=True),
        sa.Column("person_ids", sa.JSON, nullable=False),
        sa.Column("outcome", sa.JSON, nullable=False),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("requested_at", Moment, nullable=False),
        sa.Column("updated_at", Moment, nullable=False),
    )
    op.create_index("ix_pending_move_in_status", "pending_move_in", ["lg_code", "status"])


def downgrade() -> None:
    op.drop_index("ix_pending_move_in_status", table_name="pending_move_in")
    op.drop_table("pending_move_in")
    op.drop_index("ix_card_move_out_code", table_name="card_move_out")
    op.drop_table("card_move_out")
    op.drop_index("ix_node_task_open", table_name="node_task")
    op.drop_table("node_task")
