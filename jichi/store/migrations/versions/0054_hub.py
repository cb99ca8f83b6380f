"""Exchange hub: catalogue, agency credentials, PIA records, request numbers, tokens.

No row security: the hub is a national system serving every agency (see
``jichi.mynumber.hub.tables``); its tables carry no municipality's rows to wall off.

Revision ID: 0054
Revises: 0043
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0054"
down_revision: str | None = "0043"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "hub_catalogue",
        sa.Column("catalogue_id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("version", sa.String(200), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("loaded_at", Moment, nullable=False),
        sa.Column("loaded_by", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("catalogue_id", name="pk_hub_catalogue"),
    )
    op.create_table(
        "hub_agency_credential",
        sa.Column("credential_id", sa.String(36), nullable=False),
        sa.Column("agency_id", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("issued_at", Moment, nullable=False),
        sa.Column("revoked_at", Moment, nullable=True),
        sa.PrimaryKeyConstraint("credential_id", name="pk_hub_agency_credential"),
        sa.UniqueConstraint("token_hash", name="uq_hub_agency_credential_token_hash"),
    )
    op.create_table(
        "hub_pia",
        sa.Column("pia_id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("agency_id", sa.String(64), nullable=False),
        sa.Column("scope_kind", sa.String(8), nullable=False),
        sa.Column("scope_id", sa.String(64), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("evaluated_on", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=False),
        sa.Column("recorded_at", Moment, nullable=False),
        sa.Column("withdrawn_at", Moment, nullable=True),
        sa.PrimaryKeyConstraint("pia_id", name="pk_hub_pia"),
    )
    op.create_index("ix_hub_pia_scope", "hub_pia", ["agency_id", "scope_kind", "scope_id"])
    op.create_table(
        "hub_request_number",
        sa.Column("number_hash", sa.String(64), nullable=False),
        sa.Column("agency_id", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("issued_at", Moment, nullable=False),
        sa.Column("expires_at", Moment, nullable=False),
        sa.Column("used_at", Moment, nullable=True),
        sa.PrimaryKeyConstraint("number_hash", name="pk_hub_request_number"),
    )
    op.create_table(
        "hub_agency_token",
        sa.Column("agency_id", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("issued_at", Moment, nullable=False),
        sa.PrimaryKeyConstraint("agency_id", "subject", name="pk_hub_agency_token"),
    )
    op.create_index(
        "uq_hub_agency_token_token", "hub_agency_token", ["agency_id", "token"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_hub_agency_token_token", table_name="hub_agency_token")
    op.drop_table("hub_agency_token")
    op.drop_table("hub_request_number")
    op.drop_index("ix_hub_pia_scope", table_name="hub_pia")
    op.drop_table("hub_pia")
    op.drop_table("hub_agency_credential")
    op.drop_table("hub_catalogue")
