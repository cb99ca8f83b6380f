"""``jichi places``: look up prefectures and municipalities by 全国地方公共団体コード."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from jichi.cli.output import fail, print_json
from jichi.kernel.errors import JichiError
from jichi.places.catalog import default_catalog
from jichi.places.model import Kind, LocalGovernment
from jichi.places.schemas import LocalGovernmentOut

app = typer.Typer(
    help="全国地方公共団体コード: 都道府県・市区町村の一覧と検索", no_args_is_help=True
)

KIND_HELP = "municipality（市区町村 1,741）| " + " | ".join(k.value for k in Kind)
ATTRIBUTION = "出典：総務省『全国地方公共団体コード』(令和6年1月1日現在) を加工して作成"


def as_json(lg: LocalGovernment) -> dict[str, Any]:
    """The JSON object for one local government (``show``, ``list`` and ``search``)."""
    return LocalGovernmentOut.of(lg).model_dump()


@app.command("show")
def show(
    code: str = typer.Argument(..., help="団体コード（6桁、または検査用数字を除いた5桁）"),
    json_output: bool = typer.Option(False, "--json", help="JSON で出力する"),
) -> None:
    """団体コードから都道府県・市区町村を表示します (exit 1: 不正・該当なし)."""
    catalog = default_catalog()
    try:
        lg = catalog.get(code)
    except JichiError as error:
        raise fail(error) from None
    if json_output:
        print_json(as_json(lg))
        return
    parent = catalog.parent_of(lg)
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
    _console().print(table)


@app.command("list")
def list_(
    prefecture: str | None = typer.Option(
        None, "--prefecture", "-p", help="都道府県コード（13）または名前（東京都）"
    ),
    kind: str | None = typer.Option(None, "--kind", "-k", help=KIND_HELP),
    json_output: bool = typer.Option(False, "--json", help="JSON で出力する"),
) -> None:
    """都道府県・市区町村の一覧を団体コード順に表示します."""
    try:
        found = default_catalog().list(prefecture=prefecture, kind=kind)
    except JichiError as error:
        raise fail(error) from None
    _print_many(found, json_output)


@app.command("search")
def search(
    text: str = typer.Argument(..., help="名前の一部、または読みの先頭（ひらがな・カタカナ）"),
    json_output: bool = typer.Option(False, "--json", help="JSON で出力する"),
) -> None:
    """名前の一部または読みで団体を検索します."""
    _print_many(default_catalog().search(text), json_output)


def _print_many(found: Iterable[LocalGovernment], json_output: bool) -> None:
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


def _console() -> Console:
    # Created per call so that the current sys.stdout (or a test runner's) is used.
    return Console(highlight=False, soft_wrap=False)
