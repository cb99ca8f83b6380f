"""Certificates: the issuance log, with each PDF's SHA-256 and verification code.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "certificate",
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("serial", sa.String(200), nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("request_id", sa.String(100), nullable=False),
        sa.Column("subject_person_ids", sa.JSON, nullable=False),
        sa.Column("items", sa.JSON, nullable=False),
        sa.Column("whole_household", sa.Boolean, nullable=False),
        sa.Column("requester_type", sa.String(20), nullable=False),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("request_form_number", sa.String(100), nullable=False),
        sa.Column("clerk", sa.String(100), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pdf_sha256", sa.String(64), nullable=False),
        sa.Column("verification_code", sa.String(32), nullable=False),
        sa.Column("page_count", sa.Integer, nullable=False),
        sa.Column("alerts", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("lg_code", "serial", name="pk_certificate"),
        sa.UniqueConstraint("request_id", name="uq_certificate_request_id"),
        sa.UniqueConstraint("verification_code", name="uq_certificate_verification_code"),
        sa.UniqueConstraint("lg_code", "issued_on", "seq", name="uq_certificate_lg_code"),
    )


def downgrade() -> None:
    op.drop_table("certificate")
