"""One way to get a database engine, from ``JICHI_DATABASE_URL``.

SQLite is the zero-set-up default so that a municipality can try jichi with nothing
installed; PostgreSQL is what production and the test suite run.  The factory makes
both behave the same where it matters: foreign keys enforced, SQLite in WAL mode so a
reader (the counter's search) never waits for a writer (a batch import), and one
driver name (psycopg 3) whatever spelling of a PostgreSQL URL an operator pastes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

ENV_VAR = "JICHI_DATABASE_URL"
DEFAULT_SQLITE_FILE = "jichi.db"


def database_url(url: str | None = None) -> str:
    """The URL to use: explicit argument, then the environment, then ./jichi.db."""
    chosen = url or os.environ.get(ENV_VAR)
    if not chosen:
        return f"sqlite:///{Path.cwd() / DEFAULT_SQLITE_FILE}"
    return normalize_url(chosen)


def normalize_url(url: str) -> str:
    """Map every PostgreSQL spelling onto the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """Build an engine; nothing is built at import time (one composition root)."""
    resolved = database_url(url)
    if is_sqlite(resolved):
        engine = create_engine(resolved, **kwargs)
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(resolved, **kwargs)


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction that will write: commits on success, rolls back on any error.

    On SQLite it starts with BEGIN IMMEDIATE, taking the write lock up front, so two
    writers queue (busy_timeout) instead of failing when a reader upgrades to writer.
    """
    with engine.connect() as connection:
        connection.info["begin_immediate"] = True
        try:
            with connection.begin():
                yield connection
        finally:
            connection.info.pop("begin_immediate", None)


TENANT_SETTING = "jichi.lg_code"
"""The PostgreSQL setting the row-level security policies of migration 0017 compare with."""


def tenant_engine(engine: Engine, lg_code: str) -> Engine:
    """An engine (sharing ``engine``'s pool) whose every transaction is bound to ``lg_code``.

    On PostgreSQL each transaction starts with ``set_config('jichi.lg_code', code, true)``
    (``SET LOCAL``: it ends with the transaction, so a pooled connection never carries
    it into another's work), and the row-level security policies of migration 0017 then
    show and accept only that municipality's rows, whatever a query forgot.  On SQLite
    (no RLS) it is the same engine: the stores' own ``lg_code`` filters are the wall.
    A superuser, or a role with BYPASSRLS, is not subject to RLS: the web process must
    connect as an ordinary role for this wall to hold (docs/guide/security.md).
    """
    if engine.dialect.name != "postgresql":
        return engine
    bound = engine.execution_options(jichi_tenant=lg_code)

    def _bind_tenant(connection: Connection) -> None:
        connection.exec_driver_sql(
            "SELECT set_config(%(name)s, %(code)s, true)",
            {"name": TENANT_SETTING, "code": lg_code},
        )

    event.listen(bound, "begin", _bind_tenant)
    return bound


def row_security_bypassed(engine: Engine) -> bool:
    """Whether this engine's PostgreSQL role escapes row-level security (superuser or
    BYPASSRLS), so the 0017 wall does not hold for it; False on SQLite (no RLS at all)."""
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as connection:
        bypass = connection.exec_driver_sql(
            "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
        ).scalar()
    return bool(bypass)


def _begin_sqlite(connection: Connection) -> None:
    # pysqlite's own transaction handling is off (see _configure_sqlite); we begin here.
    mode = "IMMEDIATE" if connection.info.get("begin_immediate") else "DEFERRED"
    connection.exec_driver_sql(f"BEGIN {mode}")


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        # WAL is a property of the file; an in-memory database keeps 'memory'.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()
