"""``jichi demo`` and ``jichi serve``: start the web UI and API."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.store import migrate
from jichi.store.engine import make_engine, row_security_bypassed

if TYPE_CHECKING:
    from jichi.security.anchors import AnchorSchedule
    from jichi.security.crypto import FieldCipher

DEMO_DATABASE = "jichi-demo.db"
console = Console(stderr=True)


def demo(
    municipality: str = typer.Option(
        "112011", "--municipality", help="デモ団体の地方公共団体コード（既定: 埼玉県川越市）"
    ),
    port: int = typer.Option(8000, "--port", help="待ち受けるポート"),
    host: str = typer.Option("127.0.0.1", "--host", help="待ち受けるアドレス"),
    database: str | None = typer.Option(
        None, "--database", help=f"データベース URL（既定: ./{DEMO_DATABASE} を作り直す）"
    ),
    residents: int = typer.Option(
        200, "--residents", min=0, help="作成するデモ住民の数（0 で作成しない）"
    ),
    seed: int = typer.Option(0, "--seed", help="デモ住民を作る乱数の種（同じ種なら同じ住民）"),
) -> None:
    """デモ団体を作成し、Web 画面と API を起動します (embedded SQLite, no set-up)."""
    from jichi.places.catalog import default_catalog
    from jichi.security.crypto import FieldCipher
    from jichi.security.keys import load_keys

    place = default_catalog().get(municipality)
    if database is None:
        path = Path.cwd() / DEMO_DATABASE
        for leftover in (
            path,
            path.with_name(path.name + "-wal"),
            path.with_name(path.name + "-shm"),
        ):
            leftover.unlink(missing_ok=True)
        database = f"sqlite:///{path}"
    engine = make_engine(database)
    with console.status("データベースを準備しています…"):
        migrate.upgrade(engine)
    console.print(f"[bold]jichi デモ[/bold]: {place.display_name}（{place.code}）")
    cipher = FieldCipher(load_keys(database))
    if residents:
        _populate(engine, place.code, cipher, residents, seed)
    _demo_staff(engine, place.code)
    console.print(
        f"窓口画面: http://{host}:{port}/counter/ — 職員 ID「{DEMO_STAFF}」"
        f"パスワード「{DEMO_PASSWORD}」（デモ専用）"
    )
    _run(engine, host, port, municipality=place.code, cipher=cipher)


DEMO_STAFF = "demo"
DEMO_PASSWORD = "demo"  # a throw-away demo database only; real staff are added with jichi staff


def _demo_staff(engine: Engine, lg_code: str) -> None:
    from jichi.security.staff import STAFF_EXISTS, create_staff
    from jichi.store.engine import write_transaction

    try:
        with write_transaction(engine) as conn:
            create_staff(
                conn, DEMO_STAFF, lg_code, "supervisor", "デモ職員", password=DEMO_PASSWORD
            )
    except JichiError as error:
        if error.kind is not STAFF_EXISTS:  # a reused --database already has the demo clerk
            raise


def _populate(engine: Engine, lg_code: str, cipher: FieldCipher, residents: int, seed: int) -> None:
    """File the demo residents' notifications through the registry, with a progress bar."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from jichi.registry.demo import populate
    from jichi.registry.service import Registry
    from jichi.security.actor import Actor

    registry = Registry(engine, lg_code, cipher)
    with Progress(
        TextColumn("デモ住民の届出を処理しています"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("demo", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        summary = populate(registry, Actor("demo", lg_code, "admin"), residents, seed, advance)
    console.print(f"デモ住民: {summary.line()}")
    for rejection in summary.rejections:  # a bug in the generator: say so, still serve
        console.print(f"[red]却下[/red] {rejection}")


def serve(
    port: int = typer.Option(8000, "--port", help="待ち受けるポート"),
    host: str = typer.Option("127.0.0.1", "--host", help="待ち受けるアドレス"),
    municipality: str | None = typer.Option(None, "--municipality", help="団体コード"),
) -> None:
    """既存のデータベースで Web 画面と API を起動します."""
    engine = make_engine()
    if not migrate.is_up_to_date(engine):
        console.print(
            "データベースのスキーマが最新ではありません。`jichi db upgrade` を実行してください。\n"
            "The database schema is not at head: run `jichi db upgrade`."
        )
        raise typer.Exit(1)
    if municipality and row_security_bypassed(engine):
        console.print(
            "[yellow]注意[/yellow]: このデータベースのロールは行レベルセキュリティの対象外です"
            "（スーパーユーザーまたは BYPASSRLS）。団体の分離は認証とアプリの条件だけになります。\n"
            "Warning: this role bypasses row-level security; connect the web as an ordinary role "
            "(docs/guide/security.md, Tenant isolation)."
        )
    _run(engine, host, port, municipality=municipality)


def _run(
    engine: Engine,
    host: str,
    port: int,
    *,
    municipality: str | None,
    cipher: FieldCipher | None = None,
) -> None:
    import uvicorn

    from jichi.web.app import create_app
    from jichi.web.operations import configure_logging

    configure_logging(os.environ.get("JICHI_LOG_FORMAT"))
    app = create_app(engine, municipality=municipality, cipher=cipher)
    anchoring = _anchor_schedule(engine, cipher)
    console.print(f"http://{host}:{port}/ で待ち受けています（Ctrl+C で終了）")
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        if anchoring is not None:
            anchoring.stop()  # writes the last anchor, then joins


def _anchor_schedule(engine: Engine, cipher: FieldCipher | None) -> AnchorSchedule | None:
    """Audit anchors every JICHI_AUDIT_ANCHOR_INTERVAL s, if JICHI_AUDIT_ANCHOR_FILE is set."""
    from jichi.security.anchors import ENV_FILE, AnchorSchedule
    from jichi.security.keys import load_keys

    if not os.environ.get(ENV_FILE, "").strip():
        return None
    if cipher is not None:
        key = cipher.audit_key
    else:
        key = load_keys(engine.url.render_as_string(hide_password=False)).audit_key
    schedule = AnchorSchedule.from_environment(engine, key)
    if schedule is not None:
        schedule.start()
        console.print(
            f"監査ログのアンカーを {schedule.path} に {schedule.interval:g} 秒ごとに記録します"
        )
    return schedule
