"""My Number: the cards of a municipality (マイナンバーカード), one row per card.

``data`` is the whole card (state, validity, move clocks, PIN hashes and counters);
``state`` and ``lapses_on`` are indexed copies, so the daily deadline run
(``jichi mynumber expire``) reads only the cards whose deadline has come.

Revision ID: 0051
Revises: 0050
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0051"
down_revision: str | None = "0050"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mynumber_card",
        sa.Column("lg_code", sa.String(6), primary_key=True),
        sa.Column("card_id", sa.String(36), primary_key=True),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("lapses_on", sa.Date, nullable=True),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", Moment, nullable=False),
    )
    op.create_index("ix_mynumber_card_person", "mynumber_card", ["lg_code", "person_id"])
    op.create_index("ix_mynumber_card_due", "mynumber_card", ["lg_code", "lapses_on"])


def downgrade() -> None:
    op.drop_index("ix_mynumber_card_due", table_name="mynumber_card")
    op.drop_index("ix_mynumber_card_person", table_name="mynumber_card")
    op.drop_table("mynumber_card")
