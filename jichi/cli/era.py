"""``jichi era``: convert one date between 和暦 and 西暦 at the command line."""

from __future__ import annotations

from dataclasses import asdict

import typer

from jichi.cli.output import EXIT_REJECTED, error_payload, fail, print_json
from jichi.kernel import era as wareki
from jichi.kernel.errors import JichiError


def era(
    value: str = typer.Argument(..., help="日付（2024-04-01、令和6年4月1日、R6.4.1 など）"),
    as_json: bool = typer.Option(False, "--json", help="JSON で出力する"),
) -> None:
    """和暦と西暦を相互に変換します (西暦 → 和暦, 和暦 → 西暦; exit 1: invalid)."""
    try:
        result = wareki.convert(value, field="value")
    except JichiError as error:
        if as_json:
            print_json({"input": value, "error": error_payload(error)})
            raise typer.Exit(EXIT_REJECTED) from None
        raise fail(error) from None
    if as_json:
        body = asdict(result)
        del body["is_wareki_input"]
        print_json(body)
    else:
        typer.echo(result.answer())
