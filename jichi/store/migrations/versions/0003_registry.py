"""Registry: event log, resident and household projections, notifications, outbox.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "household",
        sa.Column("household_id", sa.String(36), primary_key=True),
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("address", sa.JSON, nullable=False),
        sa.Column("address_key", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", Moment, nullable=False),
    )
    op.create_index("ix_household_lg_address", "household", ["lg_code", "address_key"])
    op.create_table(
        "resident",
        sa.Column("person_id", sa.String(36), primary_key=True),
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("household_id", sa.String(36), nullable=False),
        sa.Column("relationship", sa.String(40), nullable=False),
        sa.Column("name_key", sa.Text, nullable=False),
        sa.Column("family_key", sa.Text, nullable=False),
        sa.Column("kana_key", sa.Text, nullable=False),
        sa.Column("date_of_birth", sa.Date, nullable=False),
        sa.Column("sex", sa.String(6), nullable=False),
        sa.Column("address_key", sa.Text, nullable=False),
        sa.Column("resident_code", sa.String(11), nullable=True),
        sa.Column("individual_number_hash", sa.String(64), nullable=True),
        sa.Column("individual_number_enc", sa.Text, nullable=True),
        sa.Column("record", sa.JSON, nullable=False),
        sa.Column("restricted", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", Moment, nullable=False),
    )
    op.create_index("ix_resident_household", "resident", ["household_id"])
    # Prefix search: PostgreSQL needs text_pattern_ops for LIKE 'x%' under any collation.
    pattern = op.get_bind().dialect.name == "postgresql"
    for name, column in (
        ("ix_resident_name", "name_key"),
        ("ix_resident_family", "family_key"),
        ("ix_resident_kana", "kana_key"),
        ("ix_resident_address", "address_key"),
    ):
        if pattern:
            op.execute(f"CREATE INDEX {name} ON resident (lg_code, {column} text_pattern_ops)")
        else:
            op.create_index(name, "resident", ["lg_code", column])
    op.create_index("ix_resident_order", "resident", ["lg_code", "kana_key", "person_id"])
    op.create_index("ix_resident_birth", "resident", ["lg_code", "date_of_birth"])
    # One current record per resident code and per individual number in a municipality.
    op.create_index(
        "uq_resident_code_active",
        "resident",
        ["lg_code", "resident_code"],
        unique=True,
        sqlite_where=sa.text("status = 'active' AND resident_code IS NOT NULL"),
        postgresql_where=sa.text("status = 'active' AND resident_code IS NOT NULL"),
    )
    op.create_index(
        "uq_resident_number_active",
        "resident",
        ["lg_code", "individual_number_hash"],
        unique=True,
        sqlite_where=sa.text("status = 'active' AND individual_number_hash IS NOT NULL"),
        postgresql_where=sa.text("status = 'active' AND individual_number_hash IS NOT NULL"),
    )
    op.create_table(
        "registry_event",
        sa.Column("seq", BigId, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("notification_id", sa.String(36), nullable=False),
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("effective_date", sa.Date, nullable=False),
        sa.Column("notified_date", sa.Date, nullable=False),
        sa.Column("recorded_at", Moment, nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("changes", sa.JSON, nullable=False),
        sa.Column("corrects", sa.String(36), nullable=True),
        sa.Column("late", sa.Boolean, nullable=False),
    )
    op.create_index("ix_registry_event_person", "registry_event", ["person_id", "seq"])
    op.create_index("ix_registry_event_notification", "registry_event", ["notification_id"])
    op.create_table(
        "notification",
        sa.Column("notification_id", sa.String(36), primary_key=True),
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("effective_date", sa.Date, nullable=False),
        sa.Column("notified_date", sa.Date, nullable=False),
        sa.Column("recorded_at", Moment, nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("request", sa.JSON, nullable=False),
        sa.Column("late", sa.Boolean, nullable=False),
        sa.Column("flags", sa.JSON, nullable=False),
        sa.Column("idempotency_key", sa.String(100), nullable=True, unique=True),
    )
    op.create_table(
        "outbox",
        sa.Column("seq", BigId, primary_key=True, autoincrement=True),
        sa.Column("message_id", sa.String(36), nullable=False, unique=True),
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("ordering_key", sa.String(40), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_at", Moment, nullable=False),
        sa.Column("sent_at", Moment, nullable=True),
    )
    op.create_index("ix_outbox_unsent", "outbox", ["sent_at", "seq"])
    # Events are immutable: a correction is a new event, never an edit.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION registry_event_immutable() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'registry_event is append-only'; END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER registry_event_no_change BEFORE UPDATE OR DELETE ON registry_event"
            " FOR EACH ROW EXECUTE FUNCTION registry_event_immutable()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER registry_event_no_{action.lower()} BEFORE {action} "
                "ON registry_event BEGIN SELECT RAISE(ABORT, 'registry_event is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS registry_event_no_change ON registry_event")
        op.execute("DROP FUNCTION IF EXISTS registry_event_immutable()")
    else:
        op.execute("DROP TRIGGER IF EXISTS registry_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS registry_event_no_delete")
    op.drop_table("outbox")
    op.drop_table("notification")
    op.drop_table("registry_event")
    op.drop_table("resident")
    op.drop_table("household")
