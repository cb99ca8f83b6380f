"""``jichi hub``: the exchange hub (情報提供ネットワークシステム) — catalogue, credentials,
PIA records, request numbers, the retention purge, a demo exchange, and the agencies' API.

The hub has its own database (``--url`` or ``JICHI_DATABASE_URL``) and key
(``JICHI_HUB_KEY``, :mod:`jichi.mynumber.hub.keys`).  Every command is a thin call into
:class:`jichi.mynumber.hub.service.ExchangeHub`; the demo acts as the agencies through
their API (:class:`~jichi.mynumber.hub.agency_api.AgencyApi`) only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import typer
from rich.console import Console

from jichi.cli.output import EXIT_REJECTED, print_json
from jichi.kernel.errors import JichiError, JichiErrors
from jichi.mynumber.hub import catalogue as catalogue_file
from jichi.mynumber.hub.service import ExchangeHub
from jichi.store import migrate
from jichi.store.engine import make_engine

app = typer.Typer(
    help="情報提供ネットワークシステム（機関別符号・情報照会・提供・記録）", no_args_is_help=True
)
catalogue_app = typer.Typer(
    help="事務・情報照会者・情報提供者・項目のカタログ", no_args_is_help=True
)
pia_app = typer.Typer(help="特定個人情報保護評価の記録", no_args_is_help=True)
exchange_app = typer.Typer(help="情報照会・提供（デモ）", no_args_is_help=True)
app.add_typer(catalogue_app, name="catalogue")
app.add_typer(pia_app, name="pia")
app.add_typer(exchange_app, name="exchange")

URL_HELP = "ハブのデータベース URL（省略時は JICHI_DATABASE_URL、なければ ./jichi.db）"
console = Console(stderr=True)


def fail(error: JichiError) -> typer.Exit:
    """Every member of a group on stderr (a catalogue's problems at once), then exit 1."""
    for member in error.errors if isinstance(error, JichiErrors) else [error]:
        typer.echo(f"{member.code}: {member.message_ja}", err=True)
        typer.echo(f"{member.code}: {member.message_en}", err=True)
    return typer.Exit(EXIT_REJECTED)


@contextmanager
def _hub(url: str | None) -> Iterator[ExchangeHub]:
    engine = make_engine(url)
    try:
        yield ExchangeHub(engine)
    except JichiError as error:
        raise fail(error) from None
    finally:
        engine.dispose()


@catalogue_app.command("load")
def catalogue_load(
    file: Path = typer.Argument(..., help="カタログの JSON ファイル（形式: docs/guide/hub.md）"),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """カタログを読み込み、以後の照会に適用します（以前のカタログも記録に残ります）."""
    with _hub(url) as hub:
        catalogue = catalogue_file.read(file)
        catalogue_id = hub.load_catalogue(catalogue, by="system:cli")
    typer.echo(
        f"カタログ {catalogue.version} を読み込みました（#{catalogue_id}: 機関 "
        f"{len(catalogue.agencies)}、事務 {len(catalogue.affairs)}、項目 {len(catalogue.items)}）"
    )


@catalogue_app.command("show")
def catalogue_show(url: str | None = typer.Option(None, "--url", help=URL_HELP)) -> None:
    """適用中のカタログを JSON で表示します."""
    with _hub(url) as hub:
        print_json(hub.catalogue().to_document())


@app.command("credential")
def credential(
    agency_id: str | None = typer.Argument(None, help="カタログの機関 ID"),
    portal: bool = typer.Option(
        False, "--portal", help="機関ではなくマイナポータル（やりとり履歴の読み取りだけ）に発行"
    ),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """機関（または --portal）の認証情報を発行して表示します（再表示不可。保存はハッシュだけ）."""
    if portal == (agency_id is not None):
        raise typer.BadParameter("機関 ID か --portal のどちらか一方を指定してください")
    with _hub(url) as hub:
        typer.echo(hub.issue_credential(agency_id) if agency_id else hub.issue_portal_credential())


@pia_app.command("add")
def pia_add(
    agency_id: str = typer.Argument(..., help="機関 ID"),
    affair: str | None = typer.Option(None, "--affair", help="情報照会者として: 事務 ID"),
    item: str | None = typer.Option(None, "--item", help="情報提供者として: 項目 ID"),
    evaluated_on: str = typer.Option(..., "--evaluated-on", help="評価書の公表日 YYYY-MM-DD"),
    valid_until: str = typer.Option(..., "--valid-until", help="有効期限 YYYY-MM-DD"),
    level: str = typer.Option("full", "--level", help="basic | focused | full"),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """特定個人情報保護評価の記録を追加します（--affair か --item のどちらか）."""
    if (affair is None) == (item is None):
        raise typer.BadParameter("--affair か --item のどちらか一方を指定してください")
    try:
        start, end = date.fromisoformat(evaluated_on), date.fromisoformat(valid_until)
    except ValueError:
        raise typer.BadParameter("日付は YYYY-MM-DD で指定してください") from None
    kind, scope = ("affair", affair) if affair is not None else ("item", item)
    assert scope is not None
    with _hub(url) as hub:
        pia_id = hub.record_pia(
            agency_id, kind, scope, evaluated_on=start, valid_until=end, level=level
        )
    typer.echo(f"記録しました（#{pia_id}）")


@app.command("request-number")
def request_number(
    agency_id: str = typer.Option(..., "--agency", help="符号を取得する機関 ID"),
    lg_code: str = typer.Option(..., "--lg-code", help="発行する団体（団体内統合宛名）のコード"),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """団体内統合宛名の側: 住民票コード（標準入力）から一度だけ有効な処理通番を発行します."""
    code = typer.prompt("住民票コード", hide_input=True, err=True)
    with _hub(url) as hub:
        typer.echo(
            hub.issue_request_number(resident_code=code, agency_id=agency_id, lg_code=lg_code)
        )


@app.command("purge")
def purge(url: str | None = typer.Option(None, "--url", help=URL_HELP)) -> None:
    """保存期間（既定 7 年: JICHI_HUB_LOG_YEARS）を過ぎた記録を削除します（日次）."""
    with _hub(url) as hub:
        typer.echo(f"{hub.purge()} 件の記録を削除しました")


@exchange_app.command("demo")
def exchange_demo(url: str | None = typer.Option(None, "--url", help=URL_HELP)) -> None:
    """同梱の例示カタログで、符号の取得 → 副本の登録 → 照会・提供 → やりとり履歴 を実演します."""
    from jichi.mynumber.hub.demo import run_demo

    with _hub(url) as hub:
        print_json(run_demo(hub))


@app.command("serve")
def serve(
    port: int = typer.Option(8200, "--port", help="待ち受けるポート"),
    host: str = typer.Option("127.0.0.1", "--host", help="待ち受けるアドレス"),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """機関向けのハブ API を起動します（市区町村・センターとは別のプロセス）."""
    import uvicorn

    from jichi.web.hub.app import create_hub_app

    engine = make_engine(url)
    if not migrate.is_up_to_date(engine):
        console.print(
            "データベースのスキーマが最新ではありません。`jichi db upgrade` を実行してください。"
        )
        raise typer.Exit(1)
    try:
        hub = ExchangeHub(engine)
    except JichiError as error:
        raise fail(error) from None
    uvicorn.run(create_hub_app(hub), host=host, port=port, log_level="warning")
