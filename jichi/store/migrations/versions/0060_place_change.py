"""Mergers carried out on live registries (issue 15 item 2), and the successor's view.

``place_change`` records each merger; ``place_change_party`` one row per predecessor code
(transitively: a successor of a successor holds the first one's books too).  The
registry keeps every event under the code it was written for, so the successor reads the
predecessors' events: the row-security policy of 0017 is replaced by one that also shows
(never accepts for writing) the rows of a served code's predecessors.  Writing stays
bound to the served code exactly as before (``WITH CHECK`` unchanged).

Revision ID: 0060
Revises: 0027
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0060"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY = "jichi_tenant"
# The tables 0017 covers (a migration imports nothing from the application).
TABLES = (
    "household",
    "resident",
    "registry_event",
    "notification",
    "outbox",
    "support_measure",
    "certificate",
    "resident_access_code",
    "issuance_notification_registration",
    "issuance_notice",
    "import_archive",
    "inbox",
    "node_task",
    "card_move_out",
    "pending_move_in",
    "remote_copy",
    "move_out_confirmation",
    "voter_roll_entry",
    "certificate_serial",
    "mynumber_card",
)
SETTING = "coalesce(current_setting('jichi.lg_code', true), '')"
CHECK = f"{SETTING} IN ('', lg_code)"
READ = (
    f"{CHECK} OR lg_code IN (SELECT predecessor_code FROM place_change_party"
    f" WHERE successor_code = {SETTING})"
)


def _covered() -> list[str]:
    inspector = sa.inspect(op.get_bind())
    names = set(inspector.get_table_names())
    return [
        t
        for t in TABLES
        if t in names and "lg_code" in {c["name"] for c in inspector.get_columns(t)}
    ]


def upgrade() -> None:
    op.create_table(
        "place_change",
        sa.Column("change_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("effective_date", sa.Date, nullable=False),
        sa.Column("successor_code", sa.String(6), nullable=False),
        sa.Column("successor", sa.JSON, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("summary", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("change_id", name="pk_place_change"),
    )
    op.create_table(
        "place_change_party",
        sa.Column("change_id", sa.String(36), nullable=False),
        sa.Column("predecessor_code", sa.String(6), nullable=False),
        sa.Column("successor_code", sa.String(6), nullable=False),
        sa.Column("effective_date", sa.Date, nullable=False),
        sa.PrimaryKeyConstraint("change_id", "predecessor_code", name="pk_place_change_party"),
    )
    op.create_index(
        "ix_place_change_party_successor_code", "place_change_party", ["successor_code"]
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _covered():
        op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
        op.execute(f"CREATE POLICY {POLICY} ON {table} USING ({READ}) WITH CHECK ({CHECK})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _covered():
            op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
            op.execute(f"CREATE POLICY {POLICY} ON {table} USING ({CHECK}) WITH CHECK ({CHECK})")
    op.drop_index("ix_place_change_party_successor_code", table_name="place_change_party")
    op.drop_table("place_change_party")
    op.drop_table("place_change")
