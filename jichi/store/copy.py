"""Insert many rows at once: ``COPY`` on PostgreSQL, ``executemany`` elsewhere.

A bulk import writes hundreds of thousands of rows into several tables; PostgreSQL's
``COPY FROM STDIN`` takes them several times faster than batched ``INSERT``s because
the server parses no statement per row.  The rows still go through each column
type's own bind processor (the JSON serialiser, date handling), so what is stored is
what :meth:`sqlalchemy.Table.insert` would have stored, and it happens inside the
caller's transaction: a failure rolls the ``COPY`` back with everything else.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg import sql
from sqlalchemy import Connection


class JsonText(str):
    """A JSON column's value already serialised (e.g. by pydantic's ``model_dump_json``).

    Serialising a record once and storing the text in two columns saves a bulk import
    a second serialisation per row; ``insert_rows`` passes it through unchanged.
    """


def insert_rows(conn: Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts keyed by column name, all with the same keys) into ``table``."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(table.insert(), [_parsed(row) for row in rows])
        return
    names = list(rows[0])
    processors = _processors(conn, table, names)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(n) for n in names)
    )
    dbapi = conn.connection.dbapi_connection
    if not isinstance(dbapi, psycopg.Connection):
        raise TypeError("COPY needs the psycopg driver (postgresql+psycopg://)")
    with dbapi.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(
                [
                    value if _raw(value) or (process := processors[i]) is None else process(value)
                    for i, value in enumerate(row[n] for n in names)
                ]
            )


def _raw(value: Any) -> bool:
    return value is None or type(value) is JsonText


def _processors(
    conn: Connection, table: sa.Table, names: list[str]
) -> list[Callable[[Any], Any] | None]:
    dialect = conn.dialect
    return [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]


def _parsed(row: Mapping[str, Any]) -> Mapping[str, Any]:
    """The row with any :class:`JsonText` parsed back, for a driver that serialises itself."""
    if not any(type(v) is JsonText for v in row.values()):
        return row
    return {k: json.loads(v) if type(v) is JsonText else v for k, v in row.items()}


def copy_text(conn: Connection, table: sa.Table, names: Sequence[str], data: bytes) -> None:
    """``COPY`` rows already in its text format (tab-separated, one line per row).

    For rows formatted elsewhere (a bulk import's worker processes,
    :mod:`jichi.registry.bulk.prepare`); PostgreSQL only, in the caller's transaction.
    """
    if not data:
        return
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(n) for n in names)
    )
    dbapi = conn.connection.dbapi_connection
    if not isinstance(dbapi, psycopg.Connection):
        raise TypeError("COPY needs the psycopg driver (postgresql+psycopg://)")
    with dbapi.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(data)
