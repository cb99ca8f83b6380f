"""``jichi mynumber reader``: the card reader on the resident's side (ADR 0025).

The stand-in for J-LIS's JPKI client software: the portal page shows what to sign, this
command reads the card (the PKCS#11 token named by the card id), asks for the PIN,
counts the try on the card and prints one JSON line — the certificate and the
signature — for the resident to paste into the page.  ``--url`` is the database whose
card records hold the PIN counters (in the demo, the municipality's own).
"""

from __future__ import annotations

import base64
import binascii
import sys
from datetime import date

import typer

from jichi.cli.auth import command_engine
from jichi.cli.output import fail
from jichi.kernel.errors import JichiError
from jichi.mynumber.card_store import CardStore
from jichi.mynumber.jpki.token import Purpose
from jichi.mynumber.portal.reader import CardReader

app = typer.Typer(
    help="カードリーダー（JPKI 利用者クライアントソフトの代わり）", no_args_is_help=True
)
URL_HELP = "データベース URL（省略時は JICHI_DATABASE_URL、なければ ./jichi.db）"


@app.command("sign")
def sign(
    card_id: str = typer.Option(..., "--card", help="カード ID"),
    lg_code: str = typer.Option(..., "--lg-code", help="カードを交付した団体のコード"),
    purpose: Purpose = typer.Option(..., "--purpose", help="auth（ログイン）または sign（署名）"),
    text: str | None = typer.Option(None, "--text", help="署名する文字列（ログインの確認文字列）"),
    data_b64: str | None = typer.Option(None, "--base64", help="署名するデータ（base64）"),
    pin: str = typer.Option(..., "--pin", envvar="JICHI_CARD_PIN", prompt=True, hide_input=True),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """カードの鍵で署名し、電子証明書と署名を1行の JSON で出力します."""
    if (text is None) == (data_b64 is None):
        typer.echo("--text か --base64 のどちらか一方を指定してください。", err=True)
        raise typer.Exit(2)
    try:
        data = (
            text.encode("utf-8")
            if text is not None
            else base64.b64decode(data_b64 or "", validate=True)
        )
    except (binascii.Error, ValueError):
        typer.echo("--base64 の値が base64 ではありません。", err=True)
        raise typer.Exit(2) from None
    engine = command_engine(url)
    try:
        output = CardReader(engine, CardStore(engine, lg_code)).sign(
            card_id, purpose, data, pin, date.today()
        )
    except JichiError as error:
        raise fail(error) from None
    sys.stdout.write(output.to_json() + "\n")
