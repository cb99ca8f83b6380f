"""Backup and restore of one database with the tools its engine ships (ADR 0026).

PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore`` (Debian's postgresql-client),
the tools every PostgreSQL operator already knows, so a jichi backup can be inspected,
restored in part or restored without jichi at all.  A restore empties the ``public`` schema
and replays the dump in **one** ``psql --single-transaction`` (``pg_restore --file=-`` piped
in): ``pg_restore --clean`` cannot drop the constraints of a hash-partitioned table's
partitions (the center's identity tables, migration 0065: "cannot drop inherited
constraint"), and a restore that fails halfway must leave the database as it was.

SQLite: the online backup API (``sqlite3.Connection.backup``), which copies a consistent
snapshot while the node keeps writing, unlike a file copy.

The backup holds what the database holds: the individual numbers stay encrypted by
the master secret, which is *not* in the backup and must be kept (and restored) on
its own (docs/guide/operations.md).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
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
        _replace_schema(path, url)


EMPTY_SCHEMA = b"DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n"


def _replace_schema(path: Path, url: str) -> None:
    """``public`` dropped and the dump replayed in one transaction: all of it, or nothing."""
    for tool in ("pg_restore", "psql"):
        if shutil.which(tool) is None:
            raise JichiError(TOOL_MISSING, field="url", tool=tool)
    env, dbname = _target(url)
    with tempfile.TemporaryFile() as dump_err, tempfile.TemporaryFile() as psql_err:
        script = subprocess.Popen(
            ["pg_restore", "--no-owner", "--file=-", str(path)],
            stdout=subprocess.PIPE,
            stderr=dump_err,
            env=env,
        )
        replay = subprocess.Popen(
            ["psql", "--no-psqlrc", "--quiet", "--single-transaction",
             "--variable=ON_ERROR_STOP=1", f"--dbname={dbname}", "--file=-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_err,
            env=env,
        )  # fmt: skip
        assert script.stdout is not None and replay.stdin is not None
        try:
            replay.stdin.write(EMPTY_SCHEMA)
            shutil.copyfileobj(script.stdout, replay.stdin)
        except BrokenPipeError:
            pass  # psql stopped on an error: its exit code and stderr say which
        finally:
            replay.stdin.close()
            script.stdout.close()
        failures = [
            (tool, code, err)
            for tool, code, err in (
                ("pg_restore", script.wait(), dump_err),
                ("psql", replay.wait(), psql_err),
            )
            if code != 0
        ]
        if failures:
            tool, code, err = failures[0]
            err.seek(0)
            lines = err.read().decode(errors="replace").strip().splitlines()
            detail = [line for line in lines if "ERROR" in line][:1] or lines[-1:] or [""]
            raise JichiError(TOOL_FAILED, field="url", tool=tool, code=code, detail=detail[0][:200])


def _target(url: str) -> tuple[dict[str, str], str]:
    """The tools' environment (the password, never in argv) and the libpq URL."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    target = parsed.set(drivername="postgresql", password=None)
    return env, target.render_as_string(hide_password=False)


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
    env, dbname = _target(url)
    command = [tool, *args, dbname]
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()[-1:] or [""]
        raise JichiError(
            TOOL_FAILED, field="url", tool=tool, code=done.returncode, detail=detail[0][:200]
        )
