"""選挙人名簿: ``voter_roll_entry``, one entry per person per municipality.

Registration date and kind (定時登録 / 選挙時登録) with its base date, the 表示 and
抹消 with their reasons, and the period convention each decision used (UNCONFIRMED
day arithmetic, so recorded).  Eligibility is not stored: it is derived from dates.

Revision ID: 0030
Revises: 0016
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "voter_roll_entry",
        sa.Column("lg_code", sa.String(6), primary_key=True),
        sa.Column("person_id", sa.String(36), primary_key=True),
        sa.Column("registered_on", sa.Date, nullable=False),
        sa.Column("registration_kind", sa.String(20), nullable=False),
        sa.Column("base_date", sa.Date, nullable=False),
        sa.Column("marked_on", sa.Date, nullable=True),
        sa.Column("mark_reason", sa.String(40), nullable=True),
        sa.Column("struck_on", sa.Date, nullable=True),
        sa.Column("strike_reason", sa.String(200), nullable=True),
        sa.Column("convention", sa.String(40), nullable=False),
        sa.Column("updated_at", Moment, nullable=False),
    )
    op.create_index("ix_voter_roll_entry_active", "voter_roll_entry", ["lg_code", "struck_on"])


def downgrade() -> None:
    op.drop_index("ix_voter_roll_entry_active", table_name="voter_roll_entry")
    op.drop_table("voter_roll_entry")
