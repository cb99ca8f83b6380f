"""``jichi funds``: political-funds calculations at the command line (thin over jichi.funds)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from jichi.cli.output import EXIT_REJECTED, print_json
from jichi.funds import subsidy_json
from jichi.funds.reports import Severity, check, parse_report
from jichi.kernel.errors import JichiError

#: Bad input exits 2 (issue 13's contract), unlike the other commands' 1.
EXIT_BAD_INPUT = 2

app = typer.Typer(help="政治資金: 政党交付金の算定など", no_args_is_help=True)


def _read_json(file: Path) -> object:
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise JichiError(subsidy_json.NOT_JSON, field="file", reason=str(exc)) from None


def _bad_input(error: JichiError) -> typer.Exit:
    typer.echo(json.dumps({"error": error.to_dict()}, ensure_ascii=False), err=True)
    return typer.Exit(EXIT_BAD_INPUT)


@app.command("subsidy")
def subsidy(
    file: Path = typer.Argument(..., help="入力 JSON（population, yen_per_person, parties）"),
) -> None:
    """政党交付金を算定します（政党助成法2・7・8・40条; exit 2: bad input）."""
    try:
        allocation = subsidy_json.compute(_read_json(file))
    except JichiError as error:
        raise _bad_input(error) from None
    print_json(subsidy_json.to_json(allocation))


@app.command("check")
def check_report(
    file: Path = typer.Argument(..., help="収支報告書の JSON（jichi.funds.reports.AnnualReport）"),
) -> None:
    """収支報告書を提出時の基準で検査します (exit 1: errors found, 2: bad input)."""
    try:
        report = parse_report(_read_json(file))
    except JichiError as error:
        raise _bad_input(error) from None
    findings = check(report)
    print_json({"findings": [f.to_dict() for f in findings]})
    if any(f.severity is Severity.ERROR for f in findings):
        raise typer.Exit(EXIT_REJECTED)
