"""``jichi db``: create and upgrade the database schema."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from sqlalchemy import Engine

from jichi.store import migrate
from jichi.store.engine import database_url, make_engine

app = typer.Typer(help="データベースの作成・更新 (Alembic migrations)", no_args_is_help=True)

URL_HELP = "データベース URL（省略時は JICHI_DATABASE_URL、なければ ./jichi.db）"


@app.command("upgrade")
def upgrade(
    revision: str = typer.Argument("head", help="目標のリビジョン"),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """スキーマを最新（または指定のリビジョン）に更新します."""
    with _engine(url) as engine:
        migrate.upgrade(engine, revision)
        done = migrate.current_revision(engine)
    typer.echo(f"upgraded to {done} ({_safe(database_url(url))})")


@app.command("downgrade")
def downgrade(
    revision: str = typer.Argument(..., help="戻すリビジョン（base で全削除）"),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """スキーマを指定のリビジョンまで戻します."""
    with _engine(url) as engine:
        migrate.downgrade(engine, revision)
        done = migrate.current_revision(engine)
    typer.echo(f"downgraded to {done}")


@app.command("current")
def current(url: str | None = typer.Option(None, "--url", help=URL_HELP)) -> None:
    """現在のリビジョンを表示します."""
    with _engine(url) as engine:
        now, head = migrate.current_revision(engine), migrate.head_revision(engine)
    typer.echo(f"{now} (head: {head})")


@contextmanager
def _engine(url: str | None) -> Iterator[Engine]:
    """An engine for one command, disposed after it (no pooled connection left open)."""
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def _safe(url: str) -> str:
    """The URL without its password, for the terminal."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
