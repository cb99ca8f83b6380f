"""``jichi audit``: check that nobody has altered the audit log, and anchor its head.

Both commands need the master secret (``JICHI_SECRET_KEY``), as the server does: the
audit key that authenticates each row is derived from it and never stored.
"""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import inspect

from jichi.kernel.errors import JichiError
from jichi.security import anchors, audit
from jichi.security.keys import load_keys
from jichi.security.tables import audit_log
from jichi.store.engine import make_engine

app = typer.Typer(
    help="監査ログ: 認証付きハッシュチェーンの検証とアンカーの記録", no_args_is_help=True
)

URL_HELP = "データベース URL（省略時は JICHI_DATABASE_URL、なければ ./jichi.db）"
ANCHOR_HELP = "以前に記録した最新行「SEQ:HASH」。末尾の行の削除も検出します"
ANCHORS_HELP = "`jichi audit anchor` が書いたアンカーファイル。全アンカーを検証します"
STRICT_HELP = "認証符号のない旧形式の行（移行 0019 より前）があれば失敗とします"
TO_HELP = "アンカーを追記するファイル（データベースが書き込めない場所に置いてください）"
PROGRESS_FROM = 10_000  # rows: below this the check takes well under a second


@app.command("verify")
def verify(
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
    anchor: str | None = typer.Option(None, "--anchor", help=ANCHOR_HELP),
    anchor_file: str | None = typer.Option(None, "--anchors", help=ANCHORS_HELP),
    strict: bool = typer.Option(False, "--strict", help=STRICT_HELP),
) -> None:
    """監査ログの全行のハッシュと認証符号を再計算して検証します (exit 1: 改ざんを検出)."""
    expected = _parse_anchor(anchor) if anchor else None
    engine = make_engine(url)
    try:
        key = load_keys(engine.url.render_as_string(hide_password=False)).audit_key
        recorded = (
            [(a.seq, a.hash) for a in anchors.read_anchors(anchor_file, key)] if anchor_file else []
        )
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
                    key,
                    anchor=expected,
                    anchors=recorded,
                    progress=lambda done: bar.update(task, completed=done),
                )
    except JichiError as error:
        _fail(error)
    finally:
        engine.dispose()
    if result.legacy:
        typer.echo(
            f"注意: 先頭の {result.legacy:,} 件は認証符号のない旧形式の行です"
            "（ハッシュチェーンとアンカーでのみ保護されます）。",
            err=True,
        )
        typer.echo(f"note: the first {result.legacy:,} rows carry no MAC (legacy)", err=True)
    if result.ok and strict and result.legacy:
        typer.echo("--strict: 旧形式の行があるため失敗とします。", err=True)
        typer.echo("--strict: legacy rows without a MAC are a failure", err=True)
        raise typer.Exit(1)
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


@app.command("anchor")
def anchor(
    to: str = typer.Option(..., "--to", help=TO_HELP),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """監査ログの最新行を認証付きアンカーとしてファイルに追記します（追記のみ・fsync）."""
    engine = make_engine(url)
    try:
        key = load_keys(engine.url.render_as_string(hide_password=False)).audit_key
        written = anchors.write_anchor(engine, key, to)
    except JichiError as error:
        _fail(error)
    finally:
        engine.dispose()
    typer.echo(f"アンカーを記録しました: {written.seq}:{written.hash} → {to}")


def _fail(error: JichiError) -> NoReturn:
    typer.echo(f"{error.code}: {error.message_ja}", err=True)
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
