"""広域交付, 転出確定通知 and the clerk's note on a closed task.

- ``remote_copy``: the issuing municipality's 広域交付 (住基法12条の4) requests: what
  the counter asked for, its status (``pending`` until the holding municipality
  answers, then ``ready``, ``refused`` or ``failed``; ``issued`` once printed) with the
  reason, the items the holding municipality sent (the issuing one holds no record to
  re-make the copy from) and the certificate's 発行番号.
- ``move_out_confirmation``: the new municipality's record of each 転出確定通知
  (令13条3項) the old municipality sent back after its 転入通知.
- ``node_task.closed_note``: what the clerk wrote when closing a task.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "remote_copy",
        sa.Column("request_id", sa.String(36), primary_key=True),
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("holder_lg_code", sa.String(6), nullable=False),
        sa.Column("draft", sa.JSON, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("code", sa.String(10), nullable=False),
        sa.Column("refusal", sa.String(40), nullable=False),
        sa.Column("reason_ja", sa.Text, nullable=False),
        sa.Column("reason_en", sa.Text, nullable=False),
        sa.Column("certificate_serial", sa.String(200), nullable=True),
        sa.Column("data", sa.JSON, nullable=True),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("requested_at", Moment, nullable=False),
        sa.Column("updated_at", Moment, nullable=False),
    )
    op.create_index("ix_remote_copy_status", "remote_copy", ["lg_code", "status"])
    op.create_table(
        "move_out_confirmation",
        sa.Column("lg_code", sa.String(6), primary_key=True),
        sa.Column("from_lg_code", sa.String(6), primary_key=True),
        sa.Column("their_person_id", sa.String(36), primary_key=True),
        sa.Column("person_id", sa.String(36), nullable=True),
        sa.Column("resident_code", sa.String(11), nullable=True),
        sa.Column("notification_id", sa.String(36), nullable=True),
        sa.Column("how", sa.String(30), nullable=False),
        sa.Column("removed_on", sa.Date, nullable=True),
        sa.Column("received_at", Moment, nullable=False),
    )
    op.create_index(
        "ix_move_out_confirmation_person", "move_out_confirmation", ["lg_code", "person_id"]
    )
    op.add_column("node_task", sa.Column("closed_note", sa.Text, nullable=True))


def downgrade() -> None:
    op.drop_column("node_task", "closed_note")
    op.drop_index("ix_move_out_confirmation_person", table_name="move_out_confirmation")
    op.drop_table("move_out_confirmation")
    op.drop_index("ix_remote_copy_status", table_name="remote_copy")
    op.drop_table("remote_copy")
