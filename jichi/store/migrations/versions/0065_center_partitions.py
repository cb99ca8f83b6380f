"""The center's identity tables partitioned by HASH of the resident code (PostgreSQL).

At national size (125,000,000 people, ``docs/scale.md``) one ``center_identity`` table
and its history would be single B-trees and single heaps of tens of gigabytes: every
VACUUM, index rebuild, ``pg_dump`` or re-clustering is all-or-nothing.  Hash partitions
of the resident code cut both tables into equal parts (ADR 0035) while every read and
write the center does by code still reaches exactly one partition: the planner prunes
``resident_code = …`` and ``= ANY(…)`` at plan time, and the hot path's join on
``unnest`` prunes at run time (a test runs EXPLAIN to keep it so).

- ``center_identity``: ``PARTITION BY HASH (resident_code)``; the primary key is the
  code, which is the partition key, so nothing else changes.  The basic-four and
  number-hash indexes are partitioned indexes (one per partition).
- ``center_identity_history``: ``PARTITION BY HASH (resident_code)`` too, since the
  center recomputes a person's current row from all of that person's history rows.
  PostgreSQL requires a unique constraint to contain the partition key, so the primary
  key becomes ``(resident_code, history_id)`` — it replaces the index
  ``ix_center_identity_history_code`` on the same two columns — and the unique message
  id becomes ``(message_id, resident_code)``: a message is about one person, and the
  inbox (``network_inbox``) is what keeps a message from being filed twice.
  ``history_id`` still comes from the same sequence, and the append-only trigger is
  re-created on the partitioned table.

The number of partitions is read from ``JICHI_CENTER_PARTITIONS`` when the migration
runs (default 16, 1 to 1,024); it is fixed from then on (changing it means moving every
row again).  Existing rows are copied into the partitioned tables.

SQLite (a municipality's node, tests): nothing changes; it has no partitioning and no
need of it.  Downgrade turns the tables back into plain ones, rows kept.

Revision ID: 0065
Revises: 0064
Create Date: 2026-12-04
"""

import os
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0065"
down_revision: str | None = "0064"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARTITIONS_ENV = "JICHI_CENTER_PARTITIONS"
DEFAULT_PARTITIONS = 16
MAX_PARTITIONS = 1024
SEQUENCE = "center_identity_history_history_id_seq"
Moment = sa.DateTime(timezone=True)


def partitions() -> int:
    """The partition count from the environment; a bad value stops the migration."""
    raw = os.environ.get(PARTITIONS_ENV, "").strip()
    if not raw:
        return DEFAULT_PARTITIONS
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PARTITIONS:
        raise ValueError(f"{PARTITIONS_ENV} must be a whole number from 1 to {MAX_PARTITIONS}")
    return int(raw)


def _identity_columns() -> list[sa.Column[object]]:
    """The 本人確認情報 items (as in 0011), the same in the current and history rows."""
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


def _identity(partitioned: bool) -> None:
    extra: dict[str, Any] = (
        {"postgresql_partition_by": "HASH (resident_code)"} if partitioned else {}
    )
    op.create_table(
        "center_identity",
        sa.Column("resident_code", sa.String(11), nullable=False),
        *_identity_columns(),
        sa.Column("history_id", sa.BigInteger, nullable=False),
        sa.Column("updated_at", Moment, nullable=False),
        sa.Column("protected", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("resident_code", name="center_identity_pkey"),
        **extra,
    )
    op.create_index(
        "ix_center_identity_basic_four", "center_identity", ["date_of_birth", "sex", "name_key"]
    )
    op.create_index("ix_center_identity_number", "center_identity", ["individual_number_hash"])


def _history(partitioned: bool) -> None:
    """History keyed for partitioning (code first) or as 0011 made it (history id)."""
    key = ("resident_code", "history_id") if partitioned else ("history_id",)
    unique = ("message_id", "resident_code") if partitioned else ("message_id",)
    extra: dict[str, Any] = (
        {"postgresql_partition_by": "HASH (resident_code)"} if partitioned else {}
    )
    op.create_table(
        "center_identity_history",
        sa.Column(
            "history_id",
            sa.BigInteger,
            nullable=False,
            autoincrement=False,
            server_default=sa.text(f"nextval('{SEQUENCE}'::regclass)"),
        ),
        sa.Column("resident_code", sa.String(11), nullable=False),
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.Column("notification_id", sa.String(36), nullable=True),
        sa.Column("sender", sa.String(6), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        *_identity_columns(),
        sa.Column("received_at", Moment, nullable=False),
        sa.Column("protected", sa.Boolean, nullable=True),
        sa.PrimaryKeyConstraint(*key, name="center_identity_history_pkey"),
        sa.UniqueConstraint(*unique, name="center_identity_history_message_id_key"),
        **extra,
    )
    op.execute(f"ALTER SEQUENCE {SEQUENCE} OWNED BY center_identity_history.history_id")
    if not partitioned:
        op.create_index(
            "ix_center_identity_history_code",
            "center_identity_history",
            ["resident_code", "history_id"],
        )
    op.execute(
        "CREATE TRIGGER center_identity_history_no_change BEFORE UPDATE OR DELETE"
        " ON center_identity_history FOR EACH ROW EXECUTE FUNCTION center_append_only()"
    )


def _set_aside(table: str) -> str:
    """Rename ``table`` and its indexes (constraints follow) out of the way; the new name."""
    old = f"{table}_unmoved"
    bind = op.get_bind()
    names = bind.execute(
        sa.text(
            "SELECT indexname FROM pg_indexes"
            " WHERE schemaname = current_schema() AND tablename = :t"
        ),
        {"t": table},
    ).scalars()
    for name in list(names):
        op.execute(f'ALTER INDEX "{name}" RENAME TO "{name[:50]}_unmoved"')
    op.execute(f"ALTER TABLE {table} RENAME TO {old}")
    return old


def _partitions(table: str, count: int) -> None:
    width = len(str(count - 1))
    for remainder in range(count):
        op.execute(
            f"CREATE TABLE {table}_p{remainder:0{width}d} PARTITION OF {table}"
            f" FOR VALUES WITH (MODULUS {count}, REMAINDER {remainder})"
        )


def _move(old: str, table: str) -> None:
    """Copy every row into the new table, column by name, then drop the old one."""
    bind = op.get_bind()
    columns = [c["name"] for c in sa.inspect(bind).get_columns(table)]
    listed = ", ".join(columns)
    op.execute(f"INSERT INTO {table} ({listed}) SELECT {listed} FROM {old}")
    op.execute(f"DROP TABLE {old}")


def _rebuild(partitioned: bool) -> None:
    count = partitions() if partitioned else 0
    identity_old = _set_aside("center_identity")
    _identity(partitioned)
    if partitioned:
        _partitions("center_identity", count)
    _move(identity_old, "center_identity")
    op.execute(f"ALTER SEQUENCE {SEQUENCE} OWNED BY NONE")  # survives the old table's drop
    history_old = _set_aside("center_identity_history")
    op.execute(f"DROP TRIGGER center_identity_history_no_change ON {history_old}")
    _history(partitioned)
    if partitioned:
        _partitions("center_identity_history", count)
    _move(history_old, "center_identity_history")
    op.execute("ANALYZE center_identity")
    op.execute("ANALYZE center_identity_history")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite: plain tables, as they were
    _rebuild(partitioned=True)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _rebuild(partitioned=False)
