"""``jichi demo`` and ``jichi serve``: start the web UI and API."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from sqlalchemy import Engine

from jichi.store import migrate
from jichi.store.engine import make_engine

DEMO_DATABASE = "jichi-demo.db"
console = Console(stderr=True)


def demo(
    municipality: str = typer.Option(
        "112011", "--municipality", help="デモ団体の地方公共団体コード（既定: 埼玉県川越市）"
    ),
    port: int = typer.Option(8000, "--port", help="待ち受けるポート"),
    host: str = typer.Option("127.0.0.1", "--host", help="待ち受けるアドレス"),
    database: str | None = typer.Option(
        None, "--database", help=f"データベース URL（既定: ./{DEMO_DATABASE} を作り直す）"
    ),
) -> None:
    """デモ団体を作成し、Web 画面と API を起動します (embedded SQLite, no set-up)."""
    from jichi.places.catalog import default_catalog

    place = default_catalog().get(municipality)
    if database is None:
        path = Path.cwd() / DEMO_DATABASE
        for leftover in (
            path,
            path.with_name(path.name + "-wal"),
            path.with_name(path.name + "-shm"),
        ):
            leftover.unlink(missing_ok=True)
        database = f"sqlite:///{path}"
    engine = make_engine(database)
    with console.status("データベースを準備しています…"):
        migrate.upgrade(engine)
    console.print(f"[bold]jichi デモ[/bold]: {place.display_name}（{place.code}）")
    _run(engine, host, port, municipality=place.code)


def serve(
    port: int = typer.Option(8000, "--port", help="待ち受けるポート"),
    host: str = typer.Option("127.0.0.1", "--host", help="待ち受けるアドレス"),
    municipality: str | None = typer.Option(None, "--municipality", help="団体コード"),
) -> None:
    """既存のデータベースで Web 画面と API を起動します."""
    engine = make_engine()
    if not migrate.is_up_to_date(engine):
        console.print(
            "データベースのスキーマが最新ではありません。`jichi db upgrade` を実行してください。\n"
            "The database schema is not at head: run `jichi db upgrade`."
        )
        raise typer.Exit(1)
    _run(engine, host, port, municipality=municipality)


def _run(engine: Engine, host: str, port: int, *, municipality: str | None) -> None:
    import uvicorn

    from jichi.web.app import create_app

    app = create_app(engine, municipality=municipality)
    console.print(f"http://{host}:{port}/ で待ち受けています（Ctrl+C で終了）")
    uvicorn.run(app, host=host, port=port, log_level="warning")
