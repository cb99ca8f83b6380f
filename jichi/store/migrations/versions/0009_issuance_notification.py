"""本人通知制度 (事前登録型): registrations and the notices written when a copy is issued.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "issuance_notification_registration",
        sa.Column("registration_id", sa.String(36), primary_key=True),
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("ended_on", sa.Date, nullable=True),
        sa.Column("end_reason", sa.String(20), nullable=True),
        sa.Column("renews", sa.String(36), nullable=True),
        sa.Column("registered_by", sa.String(100), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_issuance_notification_registration_person",
        "issuance_notification_registration",
        ["lg_code", "person_id"],
    )
    op.create_table(
        "issuance_notice",
        sa.Column("notice_id", sa.String(36), primary_key=True),
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("registration_id", sa.String(36), nullable=False),
        sa.Column("certificate_serial", sa.String(200), nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("document_kind", sa.String(40), nullable=False),
        sa.Column("document_label", sa.String(100), nullable=False),
        sa.Column("copies", sa.Integer, nullable=False),
        sa.Column("requester_class", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_issuance_notice_person", "issuance_notice", ["lg_code", "person_id"])


def downgrade() -> None:
    op.drop_index("ix_issuance_notice_person", table_name="issuance_notice")
    op.drop_table("issuance_notice")
    op.drop_index(
        "ix_issuance_notification_registration_person",
        table_name="issuance_notification_registration",
    )
    op.drop_table("issuance_notification_registration")
