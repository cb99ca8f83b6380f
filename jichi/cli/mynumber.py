"""``jichi mynumber``: issue and change individual numbers (the center), run card deadlines.

``issue`` and ``change`` act as the center (J-LIS role, 番号法8条): like
``jichi center codes allocate`` they run on the center's own database (``--url``) by
an operator who holds it, recorded as ``system:center-numbers:<OS user>``; the key is
``JICHI_NUMBER_KEY`` (:mod:`jichi.mynumber.numbers`).  ``expire`` is the daily
deadline run a scheduler calls (``system:mynumber-expire``).

Only ``issue`` ever prints a number, on stdout, as its contract says; errors and
every other output name lines and codes, never numbers.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import sqlalchemy as sa
import typer

from jichi.cli import reader as reader_cli
from jichi.cli.auth import command_engine, system_actor
from jichi.cli.output import EXIT_REFUSED, fail
from jichi.kernel.era import parse_date
from jichi.kernel.errors import JichiError
from jichi.mynumber.card_store import expire_due
from jichi.mynumber.center_store import NumberCenter
from jichi.mynumber.issue_file import parse_lines, read_lines
from jichi.mynumber.numbers import load_number_key
from jichi.mynumber.tables import mynumber_card
from jichi.security.actor import Actor
from jichi.security.crypto import FieldCipher
from jichi.security.keys import load_keys

app = typer.Typer(
    help="マイナンバー（個人番号の生成・変更、カードの期限処理）", no_args_is_help=True
)
URL_HELP = "データベース URL（省略時は JICHI_DATABASE_URL、なければ ./jichi.db）"
app.add_typer(reader_cli.app, name="reader")


def _center(url: str | None) -> NumberCenter:
    return NumberCenter(
        command_engine(url), key=load_number_key(url), cipher=FieldCipher(load_keys(url))
    )


@app.command("issue")
def issue(
    file: Path = typer.Argument(..., help="住民票コードを 1 行に 1 つ書いたファイル"),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """住民票コードから個人番号を生成し「住民票コード,個人番号」を 1 行ずつ表示します（番号法8条）.

    すべての行を先に検査し、1 行でも誤りがあれば何も生成せず、誤りをすべて標準エラーに
    行番号付きで表示して終了コード 2 で終わります。すでに番号のあるコードには同じ番号を
    表示します。
    """
    try:
        codes, errors = parse_lines(read_lines(file))
    except JichiError as error:
        typer.echo(f"{error.code}: {error.message_ja}", err=True)
        raise typer.Exit(EXIT_REFUSED) from None
    if errors:
        for bad in errors:
            typer.echo(f"{bad.code}: {bad.message_ja}", err=True)
            typer.echo(f"{bad.code}: {bad.message_en}", err=True)
        typer.echo(f"{len(errors)} 行に誤りがあるため、何も生成していません。", err=True)
        raise typer.Exit(EXIT_REFUSED)
    try:
        issued = _center(url).issue(codes, by=system_actor("center-numbers"))
    except JichiError as error:
        raise fail(error) from None
    for item in issued:
        typer.echo(f"{item.resident_code},{item.individual_number}")


@app.command("change")
def change(
    resident_code: str = typer.Argument(..., help="住民票コード"),
    origin: str = typer.Option(..., "--origin", help="request（本人の請求）| ex_officio（職権）"),
    reason: str = typer.Option(..., "--reason", help="漏えいして不正に用いられるおそれの理由"),
    on: str | None = typer.Option(None, "--on", help="変更日（既定は今日）"),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """個人番号を変更します（番号法7条2項）。新しい番号は表示せず、住所地市町村へ通知されます."""
    codes, errors = parse_lines([resident_code])
    if errors:
        raise fail(errors[0])
    try:
        day = parse_date(on, field="on") if on else date.today()
        _center(url).change(
            codes[0], origin=origin, reason=reason, by=system_actor("center-numbers"), on=day
        )
    except JichiError as error:
        raise fail(error) from None
    typer.echo(
        "個人番号を変更しました（旧番号は再び使われません。新番号は住所地市町村へ通知します）"
    )


@app.command("expire")
def expire(
    as_of: str = typer.Option(..., "--as-of", help="基準日（この日までに来た期限を処理）"),
    lg_code: str | None = typer.Option(None, "--lg-code", help="団体コード（省略時はすべて）"),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """期限の来たカード（有効期間満了、特例転入・継続利用の期限切れ）を失効させます.

    何度実行しても結果は同じです（処理済みのカードは対象になりません）。
    """
    try:
        day = parse_date(as_of, field="as_of")
    except JichiError as error:
        raise fail(error) from None
    engine = command_engine(url)
    if lg_code is None:
        with engine.connect() as conn:
            codes = list(conn.execute(sa.select(mynumber_card.c.lg_code).distinct()).scalars())
    else:
        codes = [lg_code]
    total = 0
    by = system_actor("mynumber-expire")
    try:
        key = load_keys(url).audit_key
        for code in sorted(codes):
            actor = Actor(by, code, "system")
            ended = expire_due(engine, code, day, actor=actor, audit_key=key)
            total += len(ended)
            typer.echo(f"{code}: {len(ended)} 枚を失効させました（基準日 {day.isoformat()}）")
    except JichiError as error:
        raise fail(error) from None
    typer.echo(f"合計 {total} 枚（実行者 {by}）", err=True)
