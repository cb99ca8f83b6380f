"""``jichi id``: check and complete official identifiers at the command line."""

from __future__ import annotations

import typer

from jichi.cli.output import EXIT_REJECTED, error_payload, fail, print_json
from jichi.kernel import identifiers
from jichi.kernel.errors import JichiError

app = typer.Typer(
    help="個人番号・地方公共団体コード・法人番号・住民票コードの検査", no_args_is_help=True
)

KIND_HELP = "mynumber | lgcode | corporate | residentcode"


@app.command("check")
def check(
    kind: str = typer.Argument(..., help=KIND_HELP),
    value: str = typer.Argument(..., help="番号（全角・空白・ハイフン可）"),
    as_json: bool = typer.Option(False, "--json", help="JSON で出力する"),
) -> None:
    """番号の桁数・文字・検査用数字を検査します (exit 0: valid, 1: invalid)."""
    try:
        result = identifiers.validate(kind, value)
    except JichiError as error:
        if as_json:
            print_json(
                {"kind": kind, "value": value, "valid": False, "error": error_payload(error)}
            )
            raise typer.Exit(EXIT_REJECTED) from None
        raise fail(error) from None
    if as_json:
        print_json(
            {
                "kind": result.kind.value,
                "value": result.value,
                "valid": True,
                "error": None,
                "warnings": list(result.warnings),
            }
        )
    else:
        typer.echo("valid")
        for warning in result.warnings:
            typer.echo(f"warning: {warning}", err=True)


@app.command("complete")
def complete(
    kind: str = typer.Argument(..., help=KIND_HELP),
    base: str = typer.Argument(..., help="検査用数字を除いた本体"),
) -> None:
    """本体から検査用数字を計算し、完全な番号を表示します."""
    try:
        typer.echo(identifiers.with_check_digit(kind, identifiers.normalize_digits(base)))
    except JichiError as error:
        raise fail(error) from None
