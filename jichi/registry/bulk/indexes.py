"""An import into an empty registry builds the tables' secondary indexes after the load.

Each imported person adds a row to four tables with fifteen secondary indexes between
them (search by name, reading, address and birth; resident-code and individual-number
uniqueness; household; event and archive by notification).  Maintaining them row by row
costs the server more than storing the rows (docs/performance.md, "Bulk import"), and
the cost grows once they outgrow the buffer cache; building each once, sorted, at the
end costs a fraction of it.  Indexes are table-wide, so this is done only when the four
tables are empty for every municipality, and only on PostgreSQL.

Safety comes from PostgreSQL's transactional DDL: the importer holds ONE transaction for
the whole load (:class:`jichi.registry.bulk.importer._Importer`): it locks the tables,
checks they are empty, drops the indexes, writes every batch, recreates the indexes from
the definitions it read (``pg_get_indexdef``, ``pg_get_constraintdef``: exactly what the
migrations made, nothing restated here to drift) and commits.  A failure or a crash
anywhere rolls everything back, indexes included, to the empty registry it found; a
re-run starts from there and gives the same report.  While the tables are locked the
uniqueness of resident codes and individual numbers is checked in memory against what
this import wrote (the only rows there are), and look-ups by person and household still
use the primary keys, which stay.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Connection

FILLED_TABLES = ("resident", "household", "registry_event", "import_archive")
LOCK_TIMEOUT = "10s"  # a session holding the tables: fall back to batches, do not wait
BUILD_MEMORY_MB = 256  # maintenance_work_mem for the builds (raised, never lowered)


@dataclass(frozen=True)
class DeferredIndex:
    table: str  # the table, as regclass text
    name: str  # the index (or constraint) name, quoted as needed
    definition: str  # CREATE INDEX … or the constraint's definition
    constraint: bool  # a UNIQUE constraint: ALTER TABLE … ADD CONSTRAINT

    def drop_sql(self) -> str:
        if self.constraint:
            return f"ALTER TABLE {self.table} DROP CONSTRAINT {self.name}"
        return f"DROP INDEX {self.name}"

    def create_sql(self) -> str:
        if self.constraint:
            return f"ALTER TABLE {self.table} ADD CONSTRAINT {self.name} {self.definition}"
        return self.definition


_APPLICABLE = sa.text(
    "SELECT coalesce(current_setting('jichi.lg_code', true), '') = '' "
    "AND bool_and(pg_has_role(c.relowner, 'USAGE')) "
    "FROM pg_class c WHERE c.oid = ANY(CAST(:tables AS regclass[]))"
)
_ANY_ROW = " OR ".join(f"EXISTS (SELECT 1 FROM {t})" for t in FILLED_TABLES)
_SECONDARY = sa.text(
    "SELECT t.oid::regclass::text AS table_name, "
    "  coalesce(quote_ident(con.conname), i.indexrelid::regclass::text) AS name, "
    "  coalesce(pg_get_constraintdef(con.oid), pg_get_indexdef(i.indexrelid)) AS definition, "
    "  con.oid IS NOT NULL AS is_constraint "
    "FROM pg_index i "
    "JOIN pg_class t ON t.oid = i.indrelid "
    "LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid "
    "WHERE t.oid = ANY(CAST(:tables AS regclass[])) AND NOT i.indisprimary "
    "  AND (con.oid IS NULL OR con.contype = 'u') "
    "ORDER BY t.relname, name"
)


def defer_indexes(conn: Connection) -> list[DeferredIndex] | None:
    """In ``conn``'s transaction: if the registry is empty, drop its secondary indexes.

    Returns what was dropped (to :func:`rebuild_indexes` before the commit), or ``None``
    when the import must run batch by batch: not PostgreSQL, a session bound to one
    municipality (row security would hide the others' rows), tables this role does not
    own, a table not empty, or the tables held by another session.
    """
    if conn.dialect.name != "postgresql":
        return None
    tables = list(FILLED_TABLES)
    if not conn.execute(_APPLICABLE, {"tables": tables}).scalar():
        return None
    try:
        with conn.begin_nested():
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            conn.exec_driver_sql(f"LOCK TABLE {', '.join(FILLED_TABLES)} IN ACCESS EXCLUSIVE MODE")
    except sa.exc.OperationalError:
        return None  # the savepoint rolled back, lock_timeout with it
    conn.exec_driver_sql("SET LOCAL lock_timeout TO DEFAULT")
    if conn.exec_driver_sql(f"SELECT {_ANY_ROW}").scalar():
        return None
    deferred = [
        DeferredIndex(row.table_name, row.name, row.definition, row.is_constraint)
        for row in conn.execute(_SECONDARY, {"tables": tables})
    ]
    for index in deferred:
        conn.exec_driver_sql(index.drop_sql())
    return deferred


def rebuild_indexes(conn: Connection, deferred: list[DeferredIndex]) -> None:
    """Recreate what :func:`defer_indexes` dropped, then refresh the planner's statistics."""
    current = conn.exec_driver_sql(
        "SELECT setting::bigint / 1024 FROM pg_settings WHERE name = 'maintenance_work_mem'"
    ).scalar_one()
    if current < BUILD_MEMORY_MB:
        conn.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY_MB}MB'")
    for index in deferred:
        conn.exec_driver_sql(index.create_sql())
    conn.exec_driver_sql("ANALYZE " + ", ".join(FILLED_TABLES))
