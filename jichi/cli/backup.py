"""``jichi backup`` / ``jichi restore``: a node's (or the center's) database to a file and back.

After a restore the node has gone back in time to the backup: start it as usual
(``jichi network node``) and its relay sends again every outbox message not marked
sent in the backup; the receivers' inboxes drop the ones they already applied, by
message id.  Then ``jichi network check`` (突合) confirms the network agrees
(docs/guide/operations.md).
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
import typer

from jichi.cli.output import fail
from jichi.kernel.errors import JichiError
from jichi.registry.tables import outbox
from jichi.store import backup as store_backup
from jichi.store.engine import database_url, make_engine

URL_HELP = "データベース URL（省略時は JICHI_DATABASE_URL、なければ ./jichi.db）"


def backup(
    to: Path = typer.Option(..., "--to", help="バックアップの書き出し先ファイル"),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """データベースをファイルにバックアップします（PostgreSQL: pg_dump、SQLite: backup API）."""
    try:
        written = store_backup.backup(database_url(url), to)
    except JichiError as error:
        raise fail(error) from None
    typer.echo(f"バックアップしました / backed up: {written} ({written.stat().st_size:,} bytes)")


def restore(
    path: Path = typer.Argument(..., help="`jichi backup` が書いたファイル"),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
    yes: bool = typer.Option(False, "--yes", help="確認せずに上書きします"),
) -> None:
    """バックアップでデータベースを置き換えます。その後ノードを起動すると未送信分を再送します."""
    target = database_url(url)
    if not yes:
        typer.confirm("データベースの内容をバックアップで置き換えます。よろしいですか", abort=True)
    try:
        store_backup.restore(path, target)
    except JichiError as error:
        raise fail(error) from None
    engine = make_engine(target)
    try:
        with engine.connect() as conn:
            waiting = conn.execute(
                sa.select(sa.func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
            ).scalar_one()
    finally:
        engine.dispose()
    typer.echo(f"復元しました / restored from {path}")
    typer.echo(
        f"未送信のメッセージ {waiting:,} 件: ノードを起動すると送信されます "
        f"/ {waiting:,} outbox messages will be sent when the node starts"
    )
