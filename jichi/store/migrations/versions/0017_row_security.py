"""Row-level security on the municipal tables (PostgreSQL): the second tenant wall.

The application binds every actor to the served municipality and puts ``lg_code`` into
every query (``jichi.security.tenancy``); this is the wall under it, for the query that
forgets.  Each municipal table gets one policy, for every command:

    coalesce(current_setting('jichi.lg_code', true), '') IN ('', lg_code)

``jichi.store.engine.tenant_engine`` sets ``jichi.lg_code`` with ``SET LOCAL`` at the
start of each transaction of a web process serving one municipality; a row of another
municipality is then neither visible nor writable.  When the setting is empty (the
migrations, the CLI, the center, the network node, which work across municipalities or
on one named per command) the policy admits every row: the wall is only as good as the
process that sets it.  ``FORCE`` makes it hold for the tables' owner too, but a
superuser or a ``BYPASSRLS`` role is never subject to RLS, so the web process must
connect as an ordinary role (docs/guide/security.md, テナント分離).

Not covered, on purpose: ``audit_log`` (one hash chain across municipalities: appending
reads the previous row, whoever wrote it; its reads are scoped in code), ``staff`` and
``api_token`` (sign-in checks the municipality itself, and staff ids are global), and
the center's tables (the center serves every municipality), ``mynumber_event`` (it holds
the center's rows too, with no municipality) and the JPKI tables (the responder answers
for every municipality's certificates).  A table in the list that
does not exist yet (another context not migrated) is skipped, so the order of this
revision among the others does not matter.  SQLite has no RLS: nothing to do.

Revision ID: 0017
Revises: 0035
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY = "jichi_tenant"
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
CHECK = "coalesce(current_setting('jichi.lg_code', true), '') IN ('', lg_code)"


def _covered() -> list[str]:
    inspector = sa.inspect(op.get_bind())
    names = set(inspector.get_table_names())
    return [
        t
        for t in TABLES
        if t in names and "lg_code" in {c["name"] for c in inspector.get_columns(t)}
    ]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _covered():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {POLICY} ON {table} USING ({CHECK}) WITH CHECK ({CHECK})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _covered():
        op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
