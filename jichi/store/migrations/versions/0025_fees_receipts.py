"""The counter day: the fee table, each certificate's fee, 領収書 and 誤交付の取消.

``fee_schedule`` is a municipality's 手数料 per certificate kind (set by its 手数料条例;
the demo's are examples).  ``certificate_charge`` is the fee (or the exemption and its
reason) of one issued certificate, with the requester type, the 本人確認書類 and the
委任状 seen; ``receipt`` a 領収書 over some of them; ``certificate_void`` a certificate
issued by mistake and voided, with its refund.  All under row-level security (0017).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY = "jichi_tenant"
CHECK = "coalesce(current_setting('jichi.lg_code', true), '') IN ('', lg_code)"
TABLES = ("fee_schedule", "certificate_charge", "receipt", "certificate_void")
Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "fee_schedule",
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("fee_yen", sa.Integer, nullable=False),
        sa.Column("updated_at", Moment, nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("lg_code", "kind", name="pk_fee_schedule"),
    )
    op.create_table(
        "certificate_charge",
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("serial", sa.String(200), nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("reception_id", sa.String(36), nullable=True),
        sa.Column("standard_fee_yen", sa.Integer, nullable=False),
        sa.Column("fee_yen", sa.Integer, nullable=False),
        sa.Column("exemption", sa.String(40), nullable=False),
        sa.Column("exemption_note", sa.Text, nullable=False),
        sa.Column("requester_type", sa.String(20), nullable=False),
        sa.Column("id_document", sa.String(40), nullable=False),
        sa.Column("power_of_attorney", sa.Boolean, nullable=False),
        sa.Column("receipt_number", sa.String(40), nullable=True),
        sa.Column("charged_at", Moment, nullable=False),
        sa.Column("clerk", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("lg_code", "serial", name="pk_certificate_charge"),
    )
    op.create_index("ix_certificate_charge_day", "certificate_charge", ["lg_code", "issued_on"])
    op.create_table(
        "receipt",
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("receipt_number", sa.String(40), nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("reception_id", sa.String(36), nullable=True),
        sa.Column("total_yen", sa.Integer, nullable=False),
        sa.Column("issued_at", Moment, nullable=False),
        sa.Column("clerk", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("lg_code", "receipt_number", name="pk_receipt"),
        sa.UniqueConstraint("lg_code", "issued_on", "seq", name="uq_receipt_seq"),
    )
    op.create_table(
        "certificate_void",
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("serial", sa.String(200), nullable=False),
        sa.Column("voided_on", sa.Date, nullable=False),
        sa.Column("voided_at", Moment, nullable=False),
        sa.Column("voided_by", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("refund_yen", sa.Integer, nullable=False),
        sa.Column("replacement_serial", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("lg_code", "serial", name="pk_certificate_void"),
    )
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY {POLICY} ON {table} USING ({CHECK}) WITH CHECK ({CHECK})")


def downgrade() -> None:
    op.drop_table("certificate_void")
    op.drop_table("receipt")
    op.drop_index("ix_certificate_charge_day", table_name="certificate_charge")
    op.drop_table("certificate_charge")
    op.drop_table("fee_schedule")
