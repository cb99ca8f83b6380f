"""The resident's portal: login challenges and 来庁予定 (visit reservations) — ADR 0025.

``portal_challenge`` holds one row per login challenge (a digest of the nonce, never the
nonce itself), its municipality, expiry and the moment it was used: a challenge is good
for one presentation only.  ``visit_reservation`` is the 来庁予定 an online 転出 books at
the new municipality; it is personal data of both the old and the new municipality, so
its row-security policy admits either (``lg_code`` is the old one, ``destination_lg_code``
the new one) and nobody else.

Revision ID: 0056
Revises: 0061
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0056"
down_revision: str | None = "0061"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY = "jichi_tenant"
SETTING = "coalesce(current_setting('jichi.lg_code', true), '')"
CHALLENGE_CHECK = f"{SETTING} IN ('', lg_code)"
RESERVATION_CHECK = f"{SETTING} IN ('', lg_code, destination_lg_code)"


def upgrade() -> None:
    op.create_table(
        "portal_challenge",
        sa.Column("challenge_hash", sa.String(64), nullable=False),
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("challenge_hash", name="pk_portal_challenge"),
    )
    op.create_index("ix_portal_challenge_expires_at", "portal_challenge", ["expires_at"])
    op.create_table(
        "visit_reservation",
        sa.Column("reservation_id", sa.String(36), nullable=False),
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("destination_lg_code", sa.String(6), nullable=False),
        sa.Column("notification_id", sa.String(64), nullable=False),
        sa.Column("filer_person_id", sa.String(64), nullable=False),
        sa.Column("resident_code", sa.String(11), nullable=False),
        sa.Column("visit_on", sa.Date, nullable=False),
        sa.Column("planned_date", sa.Date, nullable=False),
        sa.Column("persons", sa.JSON, nullable=False),
        sa.Column("destination", sa.JSON, nullable=False),
        sa.Column("move_in_request_id", sa.String(36), nullable=True),
        sa.Column("signer_serial", sa.String(40), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("reservation_id", name="pk_visit_reservation"),
    )
    op.create_index(
        "ix_visit_reservation_destination_lg_code",
        "visit_reservation",
        ["destination_lg_code", "visit_on"],
    )
    if op.get_bind().dialect.name == "postgresql":
        for table, check in (
            ("portal_challenge", CHALLENGE_CHECK),
            ("visit_reservation", RESERVATION_CHECK),
        ):
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY {POLICY} ON {table} USING ({check}) WITH CHECK ({check})")


def downgrade() -> None:
    op.drop_index("ix_visit_reservation_destination_lg_code", table_name="visit_reservation")
    op.drop_table("visit_reservation")
    op.drop_index("ix_portal_challenge_expires_at", table_name="portal_challenge")
    op.drop_table("portal_challenge")
