"""``jichi stats``: population tables from the registry, projections, the backtest."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import typer

from jichi.cli.auth import command_engine
from jichi.cli.output import fail, print_json
from jichi.kernel.errors import JichiError
from jichi.statistics.backtest import backtest, markdown_table
from jichi.statistics.compare import compare
from jichi.statistics.errors import BAD_CHOICE, BAD_DATE
from jichi.statistics.official import attribution, edition
from jichi.statistics.outlook import outlook, registry_outlook
from jichi.statistics.projection import Parameters
from jichi.statistics.service import registry_tables, to_csv, to_json
from jichi.statistics.suppression import DEFAULT_THRESHOLD

app = typer.Typer(help="統計: 住民基本台帳に基づく人口・将来推計", no_args_is_help=True)

URL_HELP = "データベース URL（省略時は JICHI_DATABASE_URL、なければ ./jichi.db）"


def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise JichiError(BAD_DATE, field=field, value=value) from None


def _districts(path: Path | None) -> dict[str, str] | None:
    """町字,投票区 CSV (header row ``town,district``)."""
    if path is None:
        return None
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    return {row["town"]: row["district"] for row in rows}


def _choice(value: str, field: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise JichiError(BAD_CHOICE, field=field, value=value, choices=" | ".join(choices))
    return value


@app.command("population")
def population(
    as_of: str = typer.Option(..., "--as-of", help="基準日 (YYYY-MM-DD)"),
    municipality: str = typer.Option(..., "--municipality", help="団体コード（6桁）"),
    by: str = typer.Option("municipality", "--by", help="municipality | town | district"),
    since: str | None = typer.Option(None, "--since", help="人口動態の期間の開始（既定: 1年前）"),
    districts: Path | None = typer.Option(None, "--districts", help="町字と投票区の対応 CSV"),
    output_format: str = typer.Option("json", "--format", help="json | csv"),
    table: str = typer.Option(
        "age", "--table", help="CSV: age | dynamics | households | nationality"
    ),
    threshold: int = typer.Option(DEFAULT_THRESHOLD, "--threshold", help="この数未満を秘匿 (X)"),
    encoding: str = typer.Option("utf-8", "--encoding", help="CSV: utf-8 | cp932"),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """住民基本台帳の人口・世帯・人口動態を集計します（少数は秘匿）(exit 1: 入力の誤り)."""
    try:
        on = _date(as_of, "as_of")
        start = _date(since, "since") if since else None
        fmt = _choice(output_format, "format", ("json", "csv"))
        _choice(encoding, "encoding", ("utf-8", "cp932"))
        tables = registry_tables(
            command_engine(url),
            municipality,
            on,
            by=by,
            since=start,
            districts=_districts(districts),
        )
        if fmt == "json":
            print_json(to_json(tables, threshold))
            return
        text = to_csv(tables, table, threshold)
    except JichiError as error:
        raise fail(error) from None
    typer.echo(text.encode(encoding, errors="replace").decode(encoding), nl=False)


@app.command("projection")
def projection(
    municipality: str = typer.Option(
        ..., "--municipality", help="団体コード（6桁、全国は 000000）"
    ),
    parameters: Path | None = typer.Option(
        None, "--parameters", help="前提値 JSON（省略時は2018→2023の変化率）"
    ),
    until: int = typer.Option(2050, "--until", help="推計の最終年"),
    save_parameters: Path | None = typer.Option(
        None, "--save-parameters", help="使った前提値を JSON に保存"
    ),
    registry_as_of: str | None = typer.Option(
        None,
        "--registry-as-of",
        help="公表表でなく住民基本台帳から推計する基準日（前提は5年前からの変化率）",
    ),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """公表表（または住民基本台帳）から将来人口を推計します（コーホート要因法・5年ごと）."""
    try:
        loaded = Parameters.load(parameters) if parameters else None
        if registry_as_of is None:
            result = outlook("" if municipality == "000000" else municipality, loaded, until)
        else:
            on = _date(registry_as_of, "registry_as_of")
            engine = command_engine(url)
            earlier = (
                on.replace(year=on.year - 5)
                if (on.month, on.day) != (2, 29)
                else on.replace(year=on.year - 5, day=28)
            )
            after = registry_tables(engine, municipality, on)[municipality]
            before = registry_tables(engine, municipality, earlier)[municipality]
            result = registry_outlook(before, after, loaded, until)
    except JichiError as error:
        raise fail(error) from None
    if save_parameters is not None:
        save_parameters.write_text(result.parameters.to_json(), encoding="utf-8")
    out: dict[str, Any] = {
        "municipality": municipality,
        "name": result.name,
        "parameters": result.parameters.name,
        "steps": [
            {
                "year": p.year,
                "total": round(p.total),
                "aged_65_share": round(p.share_from(13), 4),
                "male": [round(v, 1) for v in p.male],
                "female": [round(v, 1) for v in p.female],
            }
            for p in result.projection.steps
        ],
        "source": attribution(date(2023, 1, 1)) if registry_as_of is None else "住民基本台帳",
    }
    print_json(out)


@app.command("backtest")
def backtest_command() -> None:
    """2013→2018 の変化率で 2018→2023 を推計し、公表値との誤差を表示します."""
    typer.echo(markdown_table(backtest()))


@app.command("compare")
def compare_command(
    as_of: str = typer.Option(..., "--as-of", help="住民基本台帳の基準日 (YYYY-MM-DD)"),
    municipality: str = typer.Option(..., "--municipality", help="団体コード（6桁）"),
    official: str = typer.Option(
        "2023-01-01", "--official", help="公表表の版 (2018-01-01 | 2023-01-01)"
    ),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """住民基本台帳の年齢構成を公表表と比べます（割合の差・全変動距離）."""
    try:
        table = registry_tables(command_engine(url), municipality, _date(as_of, "as_of"))
        edition_on = _date(official, "official")
        report = compare(table[municipality], edition(edition_on).get(municipality))
    except JichiError as error:
        raise fail(error) from None
    print_json(
        {
            "municipality": municipality,
            "registry_population": report.registry_population,
            "official_population": report.official_population,
            "total_variation": round(report.total_variation, 4),
            "largest_gaps_points": [[b, round(g, 2)] for b, g in report.largest_gaps(5)],
            "male_share": [
                round(report.registry_male_share, 4),
                round(report.official_male_share, 4),
            ],
            "shares": {b: [round(p, 4), round(q, 4)] for b, (p, q) in report.shares.items()},
            "source": attribution(edition_on),
        }
    )
