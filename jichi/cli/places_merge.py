"""``jichi places merge``: a 新設 or 編入 merger on the live registries (thin; ADR 0027).

All the checks and the work are :mod:`jichi.registry.merger`'s; this reads the options and
the operator's mapping CSV, signs the supervisor in and prints the report.  ``--dry-run``
prints every change and writes nothing.  ``--source CODE=URL`` (once per party whose
registry is on another node's database) carries the merger out across node databases
(:func:`jichi.registry.merger.merge_across`): the party's rows are copied into ``--url``'s
database, merged, verified, and the source is retired, all or nothing.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from jichi.cli.auth import STAFF_HELP, sign_in
from jichi.cli.output import fail, print_json
from jichi.kernel.era import parse_date
from jichi.kernel.errors import JichiError
from jichi.places.catalog import default_catalog, normalize_code
from jichi.places.changes import MergerKind
from jichi.places.model import Kind, LocalGovernment
from jichi.registry.merger import (
    AcrossReport,
    MergerPlan,
    MergerReport,
    dry_run,
    execute,
    merge_across,
    parse_mapping,
)
from jichi.registry.merger import errors as e
from jichi.security.crypto import FieldCipher
from jichi.security.keys import load_keys
from jichi.store.engine import make_engine


def merge(
    kind: MergerKind = typer.Option(
        ..., "--kind", help="creation（新設合併）| absorption（編入合併）"
    ),
    on: str = typer.Option(..., "--on", help="合併の日（告示の施行日、2026-04-01 / R8.4.1）"),
    successor: str = typer.Option(..., "--successor", help="合併市町村の団体コード"),
    parties: list[str] = typer.Option(..., "--party", help="合併関係市町村の団体コード（複数回）"),
    mapping: Path | None = typer.Option(
        None,
        "--mapping",
        exists=True,
        dir_okay=False,
        help="町字の対応表 CSV: lg_code,town,new_town",
    ),
    name: str | None = typer.Option(
        None, "--name", help="新しい団体の名称（一覧にないコードのとき）"
    ),
    kana: str = typer.Option("", "--kana", help="新しい団体の名称の読み（半角カナ）"),
    successor_kind: Kind = typer.Option(
        Kind.CITY, "--successor-kind", help="city | town | village"
    ),
    basis: str = typer.Option("", "--basis", help="根拠の告示（例: 令和8年総務省告示第12号）"),
    dry: bool = typer.Option(False, "--dry-run", help="変更を表示するだけで何も書き込まない"),
    as_json: bool = typer.Option(False, "--json", help="JSON で出力する"),
    url: str | None = typer.Option(
        None, "--url", help="データベース URL（既定 JICHI_DATABASE_URL）"
    ),
    staff_id: str | None = typer.Option(None, "--staff", envvar="JICHI_STAFF", help=STAFF_HELP),
    source: list[str] = typer.Option(
        [],
        "--source",
        help="別ノードの関係団体のデータベース: 団体コード=URL（複数回。鍵はその URL の鍵）",
    ),
) -> None:
    """市町村の合併を稼働中の住民基本台帳に適用します（係長・管理者）.

    住民票コードと履歴はそのまま、住所は対応表で書き換え、職権の異動（行政区画変更）を
    記録します。途中で失敗したときは何も変わりません。
    """
    nodes = _sources(source)
    engine = make_engine(url)
    engines = {code: make_engine(node) for code, node in nodes.items()}
    across: AcrossReport | None = None
    try:
        plan = MergerPlan(
            kind=kind,
            effective_date=parse_date(on, field="on"),
            successor=_successor(successor, name, kana, successor_kind),
            parties=tuple(normalize_code(p) for p in parties),
            renames=tuple(parse_mapping(mapping.read_text(encoding="utf-8")) if mapping else ()),
            basis=basis,
        )
        actor = sign_in(engine, staff_id)
        if engines:
            keys = {code: FieldCipher(load_keys(node)) for code, node in nodes.items()}
            cipher = FieldCipher(load_keys(url))
            across = merge_across(
                engine, engines, plan, actor, cipher, dry_run=dry, source_ciphers=keys
            )
            report = across.merger
        elif dry:
            report = dry_run(engine, plan, actor)
        else:
            report = execute(engine, plan, actor, FieldCipher(load_keys(url)))
    except JichiError as error:
        raise fail(error) from None
    finally:
        for built in (engine, *engines.values()):
            built.dispose()
    if as_json:
        print_json(across.as_dict() if across is not None else report.as_dict())
        return
    _print(report)
    if across is not None:
        _print_across(across)


def _sources(given: list[str]) -> dict[str, str]:
    """``--source 113468=sqlite:///node.db`` → {code: url}."""
    found: dict[str, str] = {}
    for item in given:
        code, sep, target = item.partition("=")
        if not sep or not target.strip():
            raise typer.BadParameter(
                f"団体コード=URL の形で指定してください: {item}", param_hint="--source"
            )
        try:
            found[normalize_code(code.strip())] = target.strip()
        except JichiError as error:
            raise fail(error) from None
    return found


def _print_across(report: AcrossReport) -> None:
    console = Console()
    for code, counts in report.copied.items():
        verified = report.verification.persons.get(code, 0) if report.verification else 0
        console.print(
            f"移送 {code}: 住民票 {counts.get('resident', 0):,}・異動の記録 "
            f"{counts.get('registry_event', 0):,}・照合した住民 {verified:,}"
            + ("・旧ノードを閉じました" if code in report.retired else "（ドライラン）")
        )


def _successor(code: str, name: str | None, kana: str, kind: Kind) -> LocalGovernment:
    """The successor from the catalogue, or as given for a code not listed yet (a new one)."""
    try:
        normalized = normalize_code(code)
    except JichiError:
        raise JichiError(e.BAD_SUCCESSOR_CODE, field="successor", code=code) from None
    catalog = default_catalog()
    if normalized in {lg.code for lg in catalog} and not name:
        return catalog.get(normalized)
    if not name:
        raise JichiError(e.BAD_SUCCESSOR_CODE, field="successor", code=code)
    prefecture = catalog.get_prefecture(normalized[:2])
    return LocalGovernment(
        code=normalized,
        prefecture_code=prefecture.prefecture_code,
        prefecture=prefecture.prefecture,
        name=name,
        name_kana=kana,
        reading=kana,
        kind=kind,
        parent_code=prefecture.code,
    )


def _print(report: MergerReport) -> None:
    console = Console()
    title = (
        "合併の実行結果" if report.executed else "合併の予定（ドライラン: 何も書き込んでいません）"
    )
    console.print(f"{title}  {report.kind}  {report.effective_date}  → {report.successor_name}")
    table = Table(title="住民票 / records")
    for column in ("団体", "現に住民", "除票"):
        table.add_column(column)
    for code, counts in report.records.items():
        table.add_row(code, f"{counts['active']:,}", f"{counts['removed']:,}")
    console.print(table)
    towns = Table(title="住所の書き換え / addresses")
    for column in ("団体", "町字", "新しい町字", "人数"):
        towns.add_column(column)
    for t in report.towns:
        towns.add_row(f"{t['municipality']}", t["town"], t["new_town"], f"{t['residents']:,}")
    console.print(towns)
    console.print(
        f"世帯 {report.households:,}・支援措置 {report.support_measures:,}・"
        f"本人確認情報の通知 {report.messages:,}・職員の所属替え {len(report.staff):,}"
        + (f"（{'、'.join(report.staff)}）" if report.staff else "")
    )
