"""``jichi center``: run the national center and manage its agencies and resident codes.

The center is its own node: it has its own database (``--url`` or
``JICHI_DATABASE_URL``) on its own machine, and shares nothing with a municipality's.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Iterator

import typer
from rich.console import Console
from sqlalchemy import Connection

from jichi.cli.auth import system_actor
from jichi.cli.output import fail, print_json
from jichi.kernel.errors import JichiError
from jichi.network.center.agencies import (
    DEFAULT_ITEMS,
    ITEMS,
    add_agency,
    disable_agency,
    issue_token,
    revoke_agency_tokens,
)
from jichi.network.center.agencies import list_agencies as all_agencies
from jichi.network.center.codes import MAX_BLOCK, allocate_codes
from jichi.store import migrate
from jichi.store.engine import make_engine, write_transaction

app = typer.Typer(
    help="住基ネット 全国センター（本人確認情報・住民票コード・照会 API）", no_args_is_help=True
)
agency_app = typer.Typer(help="照会を行う機関と API トークン", no_args_is_help=True)
codes_app = typer.Typer(help="住民票コードの割当", no_args_is_help=True)
app.add_typer(agency_app, name="agency")
app.add_typer(codes_app, name="codes")

URL_HELP = "センターのデータベース URL（省略時は JICHI_DATABASE_URL、なければ ./jichi.db）"
ITEM_HELP = f"提供する項目（複数可、既定 {' '.join(DEFAULT_ITEMS)}）: {', '.join(ITEMS)}"
console = Console(stderr=True)


@contextlib.contextmanager
def _write(url: str | None) -> Iterator[Connection]:
    """One write transaction on a short-lived engine, disposed afterwards."""
    engine = make_engine(url)
    try:
        with write_transaction(engine) as conn:
            yield conn
    finally:
        engine.dispose()


@app.command("serve")
def serve(
    port: int = typer.Option(8100, "--port", help="待ち受けるポート"),
    host: str = typer.Option("127.0.0.1", "--host", help="待ち受けるアドレス"),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
    pool: int = typer.Option(
        20, "--pool", min=1, max=200, help="PostgreSQL の接続数（照会の同時実行数の目安）"
    ),
) -> None:
    """センターの照会 API を起動します（市区町村の画面とは別のプロセス）.

    PostgreSQL では照会 2 本を asyncpg の接続 ``--pool`` 本で処理します（ADR 0007）。
    """
    import uvicorn

    from jichi.web.center.app import create_center_app

    engine = make_engine(url)
    if not migrate.is_up_to_date(engine):
        console.print(
            "データベースのスキーマが最新ではありません。`jichi db upgrade` を実行してください。\n"
            "The database schema is not at head: run `jichi db upgrade`."
        )
        raise typer.Exit(1)
    console.print(f"全国センター: http://{host}:{port}/v1/ で待ち受けています（Ctrl+C で終了）")
    from jichi.web.operations import configure_logging

    configure_logging(os.environ.get("JICHI_LOG_FORMAT"))
    app = create_center_app(engine, pool_size=pool)
    uvicorn.run(app, host=host, port=port, log_level="warning")


@app.command("receive")
def receive(
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
    nats: str | None = typer.Option(None, "--nats", help="NATS の URL（既定 JICHI_NATS_URL）"),
    stream: str = typer.Option("JICHI", "--stream", help="JetStream のストリーム名"),
    root: str = typer.Option("jichi", "--root", help="件名の先頭（ストリームの件名は ROOT.>）"),
) -> None:
    """市区町村からの本人確認情報の更新を NATS JetStream から受け取り、反映し続けます."""
    from jichi.network.center.receiver import CenterReceiver
    from jichi.network.transport import NatsTransport

    engine = make_engine(url)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        transport = NatsTransport(nats, stream=stream, root=root)
        try:
            await CenterReceiver(engine).run(transport, stop)
        finally:
            await transport.close()

    console.print("本人確認情報の更新を受信しています（Ctrl+C で終了）")
    asyncio.run(main())


@agency_app.command("add")
def agency_add(
    name: str = typer.Argument(..., help="機関の名称"),
    legal_ground: str = typer.Option(..., "--legal-ground", help="根拠法令（住基法別表 等）"),
    purpose: list[str] = typer.Option(..., "--purpose", help="認める利用目的（複数可）"),
    item: list[str] | None = typer.Option(None, "--item", help=ITEM_HELP),
    kind: str = typer.Option("agency", "--kind", help="agency | municipality"),
    lg_code: str | None = typer.Option(None, "--lg-code", help="市区町村の団体コード"),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """照会を行う機関を登録し、その ID を表示します."""
    try:
        with _write(url) as conn:
            agency = add_agency(
                conn,
                name,
                legal_ground=legal_ground,
                purposes=purpose,
                items=item or DEFAULT_ITEMS,
                kind=kind,
                lg_code=lg_code,
            )
    except JichiError as error:
        raise fail(error) from None
    typer.echo(agency.agency_id)


@agency_app.command("token")
def agency_token(
    agency_id: str = typer.Argument(..., help="機関 ID（agency add が表示したもの）"),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """機関の API トークンを発行して表示します（再表示不可。保存されるのはハッシュだけです）."""
    try:
        with _write(url) as conn:
            value = issue_token(conn, agency_id)
    except JichiError as error:
        raise fail(error) from None
    typer.echo(value)


@agency_app.command("revoke-token")
def agency_revoke_token(
    agency_id: str = typer.Argument(..., help="機関 ID"),
    token_value: str | None = typer.Option(None, "--token", help="失効させるトークンの値"),
    every: bool = typer.Option(False, "--all", help="この機関の有効なトークンをすべて失効"),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """機関の API トークンを失効させます（直ちに照会が拒否されます）."""
    if every == (token_value is not None):
        raise typer.BadParameter("--token か --all のどちらか一方を指定してください")
    try:
        with _write(url) as conn:
            revoked = revoke_agency_tokens(conn, agency_id, token=token_value)
    except JichiError as error:
        raise fail(error) from None
    typer.echo(f"{agency_id}: トークン {revoked} 件を失効しました")
    if token_value is not None and not revoked:
        raise typer.Exit(1)  # not a live token of this agency: nothing was revoked


@agency_app.command("disable")
def agency_disable(
    agency_id: str = typer.Argument(..., help="機関 ID"),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """機関を停止します（すべてのトークンを失効。一覧には残ります）."""
    try:
        with _write(url) as conn:
            revoked = disable_agency(conn, agency_id)
    except JichiError as error:
        raise fail(error) from None
    typer.echo(f"{agency_id}: 停止しました（トークン {revoked} 件を失効）")


@agency_app.command("list")
def agency_list(url: str | None = typer.Option(None, "--url", help=URL_HELP)) -> None:
    """登録された機関を JSON で表示します（トークンは表示しません）."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            agencies = all_agencies(conn)
    finally:
        engine.dispose()
    print_json(
        [
            {
                "agency_id": a.agency_id,
                "name": a.name,
                "kind": a.kind,
                "lg_code": a.lg_code,
                "legal_ground": a.legal_ground,
                "purposes": list(a.purposes),
                "items": list(a.items),
            }
            for a in agencies
        ]
    )


@codes_app.command("allocate")
def codes_allocate(
    lg_code: str = typer.Argument(..., help="割り当てる市区町村の団体コード"),
    count: int = typer.Option(1000, "--count", min=1, max=MAX_BLOCK, help="割り当てる数"),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """未使用の住民票コードを市区町村に割り当て、1 行に 1 つずつ表示します.

    記録される操作者は ``system:center-codes:<OS のユーザー>`` です（センターに職員の
    アカウントはなく、センターのデータベースを持つ運用者が操作します）。
    """
    try:
        with _write(url) as conn:
            by = system_actor("center-codes")
            block = allocate_codes(conn, lg_code, count, allocated_by=by)
    except JichiError as error:
        raise fail(error) from None
    console.print(f"ブロック {block.block_id}: {block.lg_code} に {len(block.codes)} 件")
    typer.echo("\n".join(block.codes))


if __name__ == "__main__":  # ``python -m jichi.cli.center``: the demo's processes start here
    app(prog_name="jichi center")
