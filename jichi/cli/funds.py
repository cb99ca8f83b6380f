"""``jichi funds``: political-funds calculations at the command line (thin over jichi.funds)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from jichi.cli.output import print_json
from jichi.funds import subsidy_json
from jichi.kernel.errors import JichiError

#: Bad input exits 2 (issue 13's contract), unlike the other commands' 1.
EXIT_BAD_INPUT = 2

app = typer.Typer(help="政治資金: 政党交付金の算定など", no_args_is_help=True)


@app.command("subsidy")
def subsidy(
    file: Path = typer.Argument(..., help="入力 JSON（population, yen_per_person, parties）"),
) -> None:
    """政党交付金を算定します（政党助成法2・7・8・40条; exit 2: bad input）."""
    try:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise JichiError(subsidy_json.NOT_JSON, field="file", reason=str(exc)) from None
        allocation = subsidy_json.compute(data)
    except JichiError as error:
        typer.echo(json.dumps({"error": error.to_dict()}, ensure_ascii=False), err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    print_json(subsidy_json.to_json(allocation))
