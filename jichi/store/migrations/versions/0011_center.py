"""住基ネット 全国センター: identity info with history, resident codes, agencies, provisions.

- ``center_identity``: the current 本人確認情報 per resident code (one row a person).
- ``center_identity_history``: every update received, append-only; the current row is
  derived from it, so out-of-order arrival across municipalities converges.
- ``center_code_block`` / ``center_resident_code``: resident codes handed out in
  blocks; the primary key on the code is what makes a code never issued twice.
- ``center_agency`` / ``center_agency_token``: agencies that may read identity info,
  their legal ground and purposes; only hashes of their bearer tokens.
- ``center_provision``: one row for every provision (本人確認情報の提供), append-only.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Moment = sa.DateTime(timezone=True)

APPEND_ONLY = ("center_identity_history", "center_provision")


def _identity_columns() -> list[sa.Column[object]]:
    """The 本人確認情報 items, the same in the current row and in each history row."""
    return [
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("effective_date", sa.Date, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_kana", sa.Text, nullable=False),
        sa.Column("name_key", sa.Text, nullable=False),
        sa.Column("date_of_birth", sa.Date, nullable=False),
        sa.Column("sex", sa.String(6), nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("address_key", sa.Text, nullable=False),
        sa.Column("has_individual_number", sa.Boolean, nullable=False),
        sa.Column("individual_number_hash", sa.String(64), nullable=True),
        sa.Column("individual_number_enc", sa.Text, nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "center_identity",
        sa.Column("resident_code", sa.String(11), primary_key=True),
        *_identity_columns(),
        sa.Column("history_id", BigId, nullable=False),
        sa.Column("updated_at", Moment, nullable=False),
    )
    op.create_index(
        "ix_center_identity_basic_four",
        "center_identity",
        ["date_of_birth", "sex", "name_key"],
    )
    op.create_index("ix_center_identity_number", "center_identity", ["individual_number_hash"])
    op.create_table(
        "center_identity_history",
        sa.Column("history_id", BigId, primary_key=True, autoincrement=True),
        sa.Column("resident_code", sa.String(11), nullable=False),
        sa.Column("message_id", sa.String(36), nullable=False, unique=True),
        sa.Column("notification_id", sa.String(36), nullable=True),
        sa.Column("sender", sa.String(6), nullable=False),
        sa.Column("seq", BigId, nullable=False),
        *_identity_columns(),
        sa.Column("received_at", Moment, nullable=False),
    )
    op.create_index(
        "ix_center_identity_history_code",
        "center_identity_history",
        ["resident_code", "history_id"],
    )
    op.create_table(
        "center_code_block",
        sa.Column("block_id", sa.String(36), primary_key=True),
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("allocated_at", Moment, nullable=False),
        sa.Column("allocated_by", sa.String(100), nullable=False),
    )
    op.create_table(
        "center_resident_code",
        sa.Column("resident_code", sa.String(11), primary_key=True),
        sa.Column("block_id", sa.String(36), nullable=False),
        sa.Column("lg_code", sa.String(6), nullable=False),
    )
    op.create_index("ix_center_resident_code_block", "center_resident_code", ["block_id"])
    op.create_table(
        "center_agency",
        sa.Column("agency_id", sa.String(36), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("lg_code", sa.String(6), nullable=True),
        sa.Column("legal_ground", sa.Text, nullable=False),
        sa.Column("purposes", sa.JSON, nullable=False),
        sa.Column("items", sa.JSON, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", Moment, nullable=False),
    )
    op.create_table(
        "center_agency_token",
        sa.Column("token_id", sa.String(36), primary_key=True),
        sa.Column("agency_id", sa.String(36), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("issued_at", Moment, nullable=False),
        sa.Column("revoked_at", Moment, nullable=True),
    )
    op.create_index("ix_center_agency_token_agency", "center_agency_token", ["agency_id"])
    op.create_table(
        "center_provision",
        sa.Column("provision_id", BigId, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.String(36), nullable=False),
        sa.Column("item", sa.Integer, nullable=False),
        sa.Column("agency_id", sa.String(36), nullable=False),
        sa.Column("purpose", sa.String(100), nullable=False),
        sa.Column("query_kind", sa.String(20), nullable=False),
        sa.Column("resident_code", sa.String(11), nullable=True),
        sa.Column("result", sa.String(20), nullable=False),
        sa.Column("provided_at", Moment, nullable=False),
    )
    op.create_index(
        "ix_center_provision_code", "center_provision", ["resident_code", "provided_at"]
    )
    op.create_index("ix_center_provision_agency", "center_provision", ["agency_id", "provided_at"])
    _append_only()


def _append_only() -> None:
    """History and provision log are evidence: never edited, never deleted."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION center_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END;
            $$ LANGUAGE plpgsql
            """
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}"
                " FOR EACH ROW EXECUTE FUNCTION center_append_only()"
            )
        return
    for table in APPEND_ONLY:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
        op.execute("DROP FUNCTION IF EXISTS center_append_only()")
    else:
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    op.drop_table("center_provision")
    op.drop_table("center_agency_token")
    op.drop_table("center_agency")
    op.drop_table("center_resident_code")
    op.drop_table("center_code_block")
    op.drop_table("center_identity_history")
    op.drop_table("center_identity")
