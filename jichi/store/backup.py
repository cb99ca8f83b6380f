"""Backup and restore of one database with the tools its engine ships (ADR 0026).

PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean --if-exists
--single-transaction`` (Debian's postgresql-client), the tools every PostgreSQL
operator already knows, so a jichi backup can be inspected, restored in part or
restored without jichi at all.  SQLite: the online backup API (``sqlite3.Connection.
backup``), which copies a consistent snapshot while the node keeps writing, unlike a
file copy.

The backup holds what the database holds: the individual numbers stay encrypted by
the master secret, which is *not* in the backup and must be kept (and restored) on
its own (docs/guide/operations.md).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from jichi.kernel.errors import JichiError, define
from jichi.store.engine import is_sqlite, normalize_url

TOOL_MISSING = define(
    "BAK-001",
    "{tool} が見つかりません（Debian の postgresql-client を入れてください）。",
    "{tool} is not installed (Debian package postgresql-client)",
    http_status=500,
    params=("tool",),
)
TOOL_FAILED = define(
    "BAK-002",
    "{tool} が失敗しました（終了コード {code}）。",
    "{tool} failed with exit code {code}: {detail}",
    http_status=500,
    params=("tool", "code", "detail"),
)
NO_BACKUP = define(
    "BAK-003",
    "バックアップファイル {path} がありません。",
    "no backup file at {path}",
    http_status=400,
    params=("path",),
)
IN_MEMORY = define(
    "BAK-004",
    "メモリ上の SQLite データベースはバックアップ・復元できません。",
    "an in-memory SQLite database cannot be backed up or restored",
    http_status=400,
)


def backup(url: str, to: Path) -> Path:
    """Write a consistent backup of the database at ``url`` to ``to``; returns ``to``."""
    url = normalize_url(url)
    to.parent.mkdir(parents=True, exist_ok=True)
    if is_sqlite(url):
        with _sqlite(url) as source, sqlite3.connect(to) as target:
            source.backup(target)
        _close(source, target)
    else:
        _run("pg_dump", url, "--format=custom", "--no-owner", f"--file={to}")
    return to


def restore(path: Path, url: str) -> None:
    """Replace the database at ``url`` by the backup at ``path`` (everything in it)."""
    if not path.is_file():
        raise JichiError(NO_BACKUP, field="path", path=str(path))
    url = normalize_url(url)
    if is_sqlite(url):
        with sqlite3.connect(path) as source, _sqlite(url) as target:
            source.backup(target)
        _close(source, target)
    else:
        _run(
            "pg_restore",
            url,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            str(path),
        )


def _sqlite(url: str) -> sqlite3.Connection:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise JichiError(IN_MEMORY, field="url")
    return sqlite3.connect(database)


def _close(*connections: sqlite3.Connection) -> None:
    for connection in connections:  # ``with`` commits; it does not close
        connection.close()


def _run(tool: str, url: str, *args: str) -> None:
    """Run a PostgreSQL tool on ``url``; the password goes in the environment, never argv."""
    if shutil.which(tool) is None:
        raise JichiError(TOOL_MISSING, field="url", tool=tool)
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    target = parsed.set(drivername="postgresql", password=None)
    dbname = target.render_as_string(hide_password=False)
    flag = "--dbname=" if tool == "pg_restore" else ""
    command = [tool, *args, f"{flag}{dbname}"]
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()[-1:] or [""]
        raise JichiError(
            TOOL_FAILED, field="url", tool=tool, code=done.returncode, detail=detail[0][:200]
        )
