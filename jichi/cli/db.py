"""``jichi db``: create and upgrade the database schema."""

from __future__ import annotations

import typer

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
    engine = make_engine(url)
    migrate.upgrade(engine, revision)
    typer.echo(f"upgraded to {migrate.current_revision(engine)} ({_safe(database_url(url))})")


@app.command("downgrade")
def downgrade(
    revision: str = typer.Argument(..., help="戻すリビジョン（base で全削除）"),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """スキーマを指定のリビジョンまで戻します."""
    engine = make_engine(url)
    migrate.downgrade(engine, revision)
    typer.echo(f"downgraded to {migrate.current_revision(engine)}")


@app.command("current")
def current(url: str | None = typer.Option(None, "--url", help=URL_HELP)) -> None:
    """現在のリビジョンを表示します."""
    engine = make_engine(url)
    typer.echo(f"{migrate.current_revision(engine)} (head: {migrate.head_revision(engine)})")


def _safe(url: str) -> str:
    """The URL without its password, for the terminal."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
