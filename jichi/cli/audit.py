"""``jichi audit``: check that nobody has altered the audit log."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import inspect

from jichi.security import audit
from jichi.security.tables import audit_log
from jichi.store.engine import make_engine

app = typer.Typer(help="監査ログ: ハッシュチェーンの検証", no_args_is_help=True)

URL_HELP = "データベース URL（省略時は JICHI_DATABASE_URL、なければ ./jichi.db）"
ANCHOR_HELP = "以前に記録した最新行「SEQ:HASH」。末尾の行の削除も検出します"
PROGRESS_FROM = 10_000  # rows: below this the check takes well under a second


@app.command("verify")
def verify(
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
    anchor: str | None = typer.Option(None, "--anchor", help=ANCHOR_HELP),
) -> None:
    """監査ログの全行のハッシュを再計算して検証します (exit 1: 改ざんを検出)."""
    expected = _parse_anchor(anchor) if anchor else None
    engine = make_engine(url)
    try:
        if not inspect(engine).has_table(audit_log.name):
            typer.echo(
                "監査ログの表がありません。`jichi db upgrade` を実行してください。", err=True
            )
            typer.echo("no audit_log table: run `jichi db upgrade`", err=True)
            raise typer.Exit(1)
        with engine.connect() as connection:
            total = audit.count_entries(connection)
            with _progress(total) as bar:
                task = bar.add_task("検証中", total=total)
                result = audit.verify(
                    connection,
                    anchor=expected,
                    progress=lambda done: bar.update(task, completed=done),
                )
    finally:
        engine.dispose()
    if result.ok:
        typer.echo(f"監査ログは改ざんされていません（{result.checked:,} 件を検証）")
        if result.last_seq is not None:
            typer.echo(f"最新の行: {result.last_seq}:{result.last_hash}")
        return
    assert result.reason is not None
    typer.echo(
        f"監査ログの seq {result.first_bad_seq} に問題があります: {result.reason.message_ja}",
        err=True,
    )
    typer.echo(
        f"audit log broken at seq {result.first_bad_seq} ({result.reason.value}): "
        f"{result.reason.message_en}",
        err=True,
    )
    raise typer.Exit(1)


def _parse_anchor(value: str) -> tuple[int, str]:
    seq, _, digest = value.partition(":")
    if not (seq.isdigit() and len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)):
        raise typer.BadParameter(
            "SEQ:HASH の形で指定してください（例 1200:9f86d0…）", param_hint="--anchor"
        )
    return int(seq), digest


def _progress(total: int) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=total < PROGRESS_FROM,
    )
