"""JPKI: the certificates the CA issued (署名用 / 利用者証明用), never deleted.

Revision ID: 0052
Revises: 0016 (chained after 0041 on this branch so `upgrade head` has one head)
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0052"
down_revision: str | None = "0051"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "jpki_certificate",
        sa.Column("serial", sa.String(40), nullable=False),
        sa.Column("profile", sa.String(8), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("token_label", sa.String(64), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revocation_reason", sa.Integer, nullable=True),
        sa.Column("revocation_ground", sa.String(40), nullable=True),
        sa.Column("revocation_event_id", sa.String(64), nullable=True),
        sa.Column("renews", sa.String(40), nullable=True),
        sa.Column("superseded_by", sa.String(40), nullable=True),
        sa.Column("substitutions", sa.JSON, nullable=False),
        sa.Column("der", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("serial", name="pk_jpki_certificate"),
    )
    op.create_index(
        "ix_jpki_certificate_person", "jpki_certificate", ["person_id", "profile", "status"]
    )
    op.create_index(
        "ix_jpki_certificate_revoked", "jpki_certificate", ["profile", "status", "revoked_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_jpki_certificate_revoked", table_name="jpki_certificate")
    op.drop_index("ix_jpki_certificate_person", table_name="jpki_certificate")
    op.drop_table("jpki_certificate")
