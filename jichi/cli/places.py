"""``jichi places``: look up prefectures and municipalities by 全国地方公共団体コード."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from jichi.cli.output import fail, print_json
from jichi.cli.places_cooperation import app as cooperation_app
from jichi.cli.places_merge import merge
from jichi.kernel.errors import JichiError
from jichi.places.catalog import default_catalog
from jichi.places.history import Period, default_history
from jichi.places.model import Kind, LocalGovernment
from jichi.places.schemas import LocalGovernmentOut

app = typer.Typer(
    help="全国地方公共団体コード: 都道府県・市区町村の一覧と検索", no_args_is_help=True
)

KIND_HELP = "municipality（市区町村 1,741）| " + " | ".join(k.value for k in Kind)
ATTRIBUTION = "出典：総務省『全国地方公共団体コード』(令和6年1月1日現在) を加工して作成"
HISTORY_ATTRIBUTION = (
    "出典：政府統計の総合窓口(e-Stat)「廃置分合等情報」を加工して作成した"
    " jpcity のデータを加工して作成"
)
app.command("merge")(merge)
app.add_typer(cooperation_app, name="cooperation")

AS_OF_HELP = "この日現在（2005-04-01 / H17.4.1）。変更履歴は 1970-04-20 から"


def as_json(lg: LocalGovernment) -> dict[str, Any]:
    """The JSON object for one local government (``show``, ``list`` and ``search``)."""
    return LocalGovernmentOut.of(lg).model_dump()


@app.command("show")
def show(
    code: str = typer.Argument(..., help="団体コード（6桁、または検査用数字を除いた5桁）"),
    json_output: bool = typer.Option(False, "--json", help="JSON で出力する"),
    as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_HELP),
) -> None:
    """団体コードから都道府県・市区町村を表示します (exit 1: 不正・該当なし)."""
    catalog = default_catalog()
    period: Period | None = None
    on: date | None = None
    try:
        if as_of is None:
            lg = catalog.get(code)
        else:
            on = _parse_as_of(as_of)
            period = default_history().as_of(code, on)
            lg = period.place
    except JichiError as error:
        raise fail(error) from None
    if json_output:
        print_json(as_json(lg))
        return
    parent = catalog.parent_of(lg) if on is None else _parent_as_of(lg, on)
    table = Table(show_header=False, box=None, padding=(0, 2, 0, 0))
    table.add_column(style="bold")
    table.add_column()
    table.add_row("団体コード", lg.code)
    table.add_row("名称", lg.display_name)
    table.add_row("読み", lg.reading)
    table.add_row("種類", f"{lg.kind.label_ja} ({lg.kind.value})")
    table.add_row("都道府県", f"{lg.prefecture} ({lg.prefecture_code})")
    if parent is not None:
        table.add_row("上位団体", f"{parent.display_name} ({parent.code})")
    if lg.northern_territories:
        table.add_row("備考", "北方領土の村（市区町村数 1,741 に含まれない）")
    if period is not None:
        _add_period_rows(table, period)
    _console().print(table)
    if period is not None:
        _console().print(HISTORY_ATTRIBUTION, style="dim")


def _add_period_rows(table: Table, period: Period) -> None:
    """The period's dates and the changes that made and ended it (前身・後継)."""
    history = default_history()
    start = period.valid_from.isoformat() if period.valid_from else f"{history.start} 以前"
    end = period.valid_to.isoformat() if period.valid_to else ""
    table.add_row("期間", f"{start} 〜 {end}".rstrip())
    for label, changes, other in (
        ("前身", history.predecessors(period), "before"),
        ("後継", history.successors(period), "after"),
    ):
        for change in changes:
            place = getattr(change, other).place
            table.add_row(label, f"{change.on} {change.kind}: {place.display_name} ({place.code})")
            label = ""


def _parent_as_of(lg: LocalGovernment, on: date) -> LocalGovernment | None:
    """The parent that held ``lg.parent_code`` on ``on`` (None for a prefecture)."""
    if lg.parent_code is None:
        return None
    try:
        return default_history().as_of(lg.parent_code, on).place
    except JichiError:
        return None


def _parse_as_of(text: str) -> date:
    from jichi.kernel.era import parse_date

    return parse_date(text, field="as_of")


@app.command("list")
def list_(
    prefecture: str | None = typer.Option(
        None, "--prefecture", "-p", help="都道府県コード（13）または名前（東京都）"
    ),
    kind: str | None = typer.Option(None, "--kind", "-k", help=KIND_HELP),
    json_output: bool = typer.Option(False, "--json", help="JSON で出力する"),
    as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_HELP),
) -> None:
    """都道府県・市区町村の一覧を団体コード順に表示します（--as-of で過去の日）."""
    try:
        if as_of is None:
            found = default_catalog().list(prefecture=prefecture, kind=kind)
        else:
            on = _parse_as_of(as_of)
            found = default_history().list_as_of(on, prefecture=prefecture, kind=kind)
    except JichiError as error:
        raise fail(error) from None
    _print_many(found, json_output, history=as_of is not None)


@app.command("search")
def search(
    text: str = typer.Argument(..., help="名前の一部、または読みの先頭（ひらがな・カタカナ）"),
    json_output: bool = typer.Option(False, "--json", help="JSON で出力する"),
) -> None:
    """名前の一部または読みで団体を検索します."""
    _print_many(default_catalog().search(text), json_output)


def _print_many(
    found: Iterable[LocalGovernment], json_output: bool, *, history: bool = False
) -> None:
    rows = list(found)
    if json_output:
        print_json([as_json(lg) for lg in rows])
        return
    console = _console()
    if not rows:
        console.print("該当する団体はありません。")
        return
    table = Table("コード", "都道府県", "名称", "読み", "種類", "上位団体")
    for lg in rows:
        table.add_row(
            lg.code,
            lg.prefecture,
            lg.name,
            lg.reading,
            lg.kind.label_ja + ("（北方領土）" if lg.northern_territories else ""),
            lg.parent_code or "",
        )
    console.print(table)
    console.print(f"{len(rows)} 件", style="bold")
    console.print(ATTRIBUTION, style="dim")
    if history:
        console.print(HISTORY_ATTRIBUTION, style="dim")


def _console() -> Console:
    # Created per call so that the current sys.stdout (or a test runner's) is used.
    return Console(highlight=False, soft_wrap=False)
