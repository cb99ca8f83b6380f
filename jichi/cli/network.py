"""``jichi network``: run a municipality node, check the network, run the network demo.

* ``node``: one municipality's node as its own process — the outbox relay and the
  receive loop (:meth:`jichi.network.node.Node.start`), stopped cleanly by SIGTERM or
  SIGINT.  Logs are in English and carry counts and codes only, never personal data.
* ``check``: the reconciliation (:mod:`jichi.network.reconcile`) over a center's and
  the nodes' databases; exits 1 on any mismatch.
* ``demo``: a center and N nodes at work (:mod:`jichi.network.demo`), then the check.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from jichi.kernel.clock import today as clock_today
from jichi.network.transport import NATS_REPLICAS_VAR

app = typer.Typer(help="住基ネット：市区町村ノードの起動・突合・デモ", no_args_is_help=True)
console = Console()
err = Console(stderr=True)
log = logging.getLogger("jichi.network.node")

NATS_HELP = "NATS の URL（既定 JICHI_NATS_URL、なければ nats://127.0.0.1:4222）"


@app.command("node")
def node(
    lg_code: str = typer.Option(..., "--lg-code", help="市区町村の団体コード（6桁）"),
    database: str = typer.Option(..., "--database", help="このノードのデータベース URL"),
    transport: str = typer.Option("nats", "--transport", help="nats | inproc"),
    nats: str | None = typer.Option(None, "--nats", help=NATS_HELP),
    stream: str = typer.Option("JICHI", "--stream", help="JetStream のストリーム名"),
    root: str = typer.Option("jichi", "--root", help="件名の先頭（ストリームの件名は ROOT.>）"),
    status_every: float = typer.Option(30.0, "--status-every", help="状況を記録する間隔（秒）"),
) -> None:
    """市区町村ノードを起動します（送信と受信を続け、SIGTERM / Ctrl+C で止まります）."""
    from jichi.kernel.identifiers import IdKind, validate
    from jichi.network.node import Node
    from jichi.network.transport import InProcessTransport, NatsTransport, Transport
    from jichi.security.crypto import FieldCipher
    from jichi.security.keys import load_keys
    from jichi.store import migrate
    from jichi.store.engine import make_engine

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    lg_code = validate(IdKind.LG_CODE, lg_code, field="lg_code").value
    if transport not in ("nats", "inproc"):
        raise typer.BadParameter("nats or inproc", param_hint="--transport")
    engine = make_engine(database)
    if not migrate.is_up_to_date(engine):
        err.print(
            "データベースのスキーマが最新ではありません。`jichi db upgrade` を実行してください。\n"
            "The database schema is not at head: run `jichi db upgrade`."
        )
        raise typer.Exit(1)
    carrier: Transport = (
        NatsTransport(nats, stream=stream, root=root)
        if transport == "nats"
        else InProcessTransport(root)
    )
    if transport == "inproc":
        log.warning("node %s: in-process transport: this process talks to nobody else", lg_code)
    from jichi.mynumber import wiring as mynumber_wiring

    built = Node(
        engine,
        lg_code,
        carrier,
        cipher=FieldCipher(load_keys(database)),
        listeners=mynumber_wiring.registry_listeners(),
    )

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        await built.start()
        log.info("node %s: running (%s on %s)", lg_code, built.consumer, built.subjects)
        try:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), status_every)
                log.info("node %s: %s", lg_code, _status(built))
        finally:
            await built.stop()
            await carrier.close()
            log.info(
                "node %s: stopped (published %d, relay failures %d)",
                lg_code,
                built.relay.published,
                built.relay.failures,
            )

    asyncio.run(main())
    engine.dispose()


def _status(built: Any) -> str:
    """Counts for the operator's log: unsent outbox rows, parked messages, open tasks."""
    from jichi.network.flows.tables import node_task, pending_move_in
    from jichi.network.tables import inbox
    from jichi.registry.tables import outbox

    def count(conn: sa.Connection, table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
        query = sa.select(sa.func.count()).select_from(table).where(*where)
        return int(conn.execute(query).scalar_one())

    with built.engine.connect() as conn:
        unsent = count(conn, outbox, outbox.c.sent_at.is_(None))
        parked = count(conn, inbox, inbox.c.applied_at.is_(None))
        tasks = count(conn, node_task, node_task.c.closed_at.is_(None))
        moves = count(conn, pending_move_in, pending_move_in.c.status == "pending")
    return f"unsent {unsent}, parked {parked}, open tasks {tasks}, card move-ins pending {moves}"


def _pairs(values: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        lg, sep, url = value.partition("=")
        if not sep or len(lg) != 6 or not url:
            raise typer.BadParameter(f"LG=URL expected: {value!r}", param_hint="--node")
        out[lg] = url
    return out


@app.command("check")
def check(
    center: str | None = typer.Option(None, "--center", help="センターのデータベース URL"),
    node_urls: list[str] | None = typer.Option(
        None, "--node", help="ノード: 団体コード=データベース URL（複数可）"
    ),
    manifest: Path | None = typer.Option(None, "--manifest", help="demo が書く manifest.json"),
    as_json: bool = typer.Option(False, "--json", help="結果を JSON で表示"),
) -> None:
    """センターと各ノードを突合します（不一致があれば終了コード 1）."""
    from jichi.network.reconcile import load_center, load_node, reconcile
    from jichi.store.engine import make_engine

    nodes = _pairs(node_urls or [])
    if manifest is not None:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        center = center or data["center"]
        nodes = {**data["nodes"], **nodes}
    if not nodes:
        raise typer.BadParameter("--node or --manifest", param_hint="--node")
    states = []
    for lg, url in sorted(nodes.items()):
        engine = make_engine(url)
        states.append(load_node(engine, lg))
        engine.dispose()
    rows = None
    if center:
        engine = make_engine(center)
        rows = load_center(engine)
        engine.dispose()
    report = reconcile(states, rows, today=clock_today())
    if as_json:
        typer.echo(json.dumps(report_dict(report), ensure_ascii=False, indent=2))
    else:
        print_report(report)
    if not report.ok:
        raise typer.Exit(1)


def report_dict(report: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return {
        "ok": report.ok,
        "figures": asdict(report.figures),
        "findings": [asdict(f) for f in report.findings],
        "pending": [asdict(p) for p in report.pending],
    }


def print_report(report: Any, out: Console = console) -> None:
    f = report.figures
    table = Table(title="突合 / Reconciliation", show_lines=False)
    table.add_column("項目 / Figure")
    table.add_column("値 / Value", justify="right")
    for label, value in (
        ("人（住民票コード等）/ persons", f.persons),
        ("生存・国内 / living in the network", f.living),
        ("国外 / abroad", f.abroad),
        ("死亡 / deceased", f.deceased),
        ("職権消除 / removed ex officio", f.removed_ex_officio),
        ("圏外へ転出 / moved out of the checked network", f.left_network),
        ("転出確定 / person-moves confirmed", f.moves_complete),
        ("転出未確定 / person-moves pending", f.moves_pending),
        ("センター 本人確認情報 / center rows", f.center_rows),
        ("センターと照合 / compared with the center", f.center_checked),
        ("不一致 / mismatches", len(report.findings)),
    ):
        table.add_row(label, str(value))
    out.print(table)
    nodes = Table(title="ノード / Nodes")
    for name in ("団体コード", "住民", "除票", "未送信", "保留", "タスク", "特例転入 未了"):
        nodes.add_column(name, justify="right")
    for lg, n in sorted(f.nodes.items()):
        nodes.add_row(
            lg,
            *map(str, (n.active, n.removed, n.unsent, n.parked, n.open_tasks, n.pending_move_ins)),
        )
    out.print(nodes)
    if report.pending:
        pending = Table(title=f"保留（理由つき）/ Pending with a reason: {len(report.pending)}")
        for name in ("種類", "対象", "団体", "コード", "理由 / reason"):
            pending.add_column(name)
        for p in report.pending[:50]:
            reason = f"{p.reason_ja} / {p.reason_en}"
            pending.add_row(p.kind.value, p.subject, p.lg_code, p.code, reason)
        out.print(pending)
    if report.findings:
        findings = Table(title=f"[red]不一致 / Mismatches: {len(report.findings)}[/red]")
        for name in ("種類", "対象", "団体", "内容 / detail"):
            findings.add_column(name)
        for x in report.findings[:200]:
            findings.add_row(
                f"{x.kind.label_ja} ({x.kind.value})", x.subject, " ".join(x.lg_codes), x.detail
            )
        out.print(findings)
        out.print(
            f"[red]不一致 {len(report.findings)} 件 / {len(report.findings)} mismatches[/red]"
        )
    else:
        out.print("[green]一致 / the network agrees[/green]")


@app.command("demo")
def demo(
    municipalities: int = typer.Option(3, "--municipalities", min=2, max=50, help="市区町村の数"),
    residents: int = typer.Option(30, "--residents", min=1, help="各市区町村のデモ住民の数"),
    moves: int = typer.Option(30, "--moves", min=0, help="異動（転出入・出生・死亡）の数"),
    transport: str = typer.Option("inproc", "--transport", help="inproc | nats"),
    directory: Path | None = typer.Option(
        None, "--dir", help="データベースとログの置き場（既定: 一時ディレクトリ）"
    ),
    database_url_template: str | None = typer.Option(
        None,
        "--database-url-template",
        help="PostgreSQL 等: {name} が center か団体コードになる URL（データベースは作成済み）",
    ),
    seed: int = typer.Option(0, "--seed", help="乱数の種"),
    nats: str | None = typer.Option(None, "--nats", help=NATS_HELP),
    timeout: float = typer.Option(120.0, "--timeout", help="静止を待つ秒数（nats）"),
    cluster: bool = typer.Option(
        False,
        "--cluster",
        help="3 台の NATS クラスタ（scripts/nats-cluster、ストリームは 3 重）を立てて使う",
    ),
    pdf: bool = typer.Option(
        False, "--pdf", help="転出証明書の PDF を実際に描画する（1 枚約 0.3 秒、既定は省略）"
    ),
    counters: int | None = typer.Option(
        None,
        "--counters",
        min=1,
        help="nats: 窓口（届出を受け付ける）プロセスの数（既定: CPU 数、市区町村数まで）",
    ),
) -> None:
    """センターと N の市区町村で転出入を流し、最後に突合します（不一致で終了コード 1）."""
    if transport not in ("nats", "inproc"):
        raise typer.BadParameter("nats or inproc", param_hint="--transport")
    with contextlib.ExitStack() as stack:
        if cluster:
            nats = stack.enter_context(_loopback_cluster())
            transport = "nats"
        _demo(
            municipalities,
            residents,
            moves,
            transport,
            directory,
            database_url_template,
            seed,
            nats,
            timeout,
            pdf,
            counters,
        )


@contextlib.contextmanager
def _loopback_cluster() -> Iterator[str]:
    """Three JetStream servers on loopback for the demo, stopped (and removed) afterwards."""
    import shutil
    import subprocess
    import tempfile

    script = Path(__file__).resolve().parents[2] / "scripts" / "nats-cluster"
    if not script.exists():
        err.print(
            "[red]scripts/nats-cluster がありません（ソースの checkout から実行してください）[/red]"
        )
        raise typer.Exit(2)
    directory = Path(tempfile.mkdtemp(prefix="jichi-nats-cluster-"))
    base = 24000 + os.getpid() % 200 * 100
    subprocess.run([str(script), "start", str(directory), str(base)], check=True)
    previous = os.environ.get(NATS_REPLICAS_VAR)
    os.environ[NATS_REPLICAS_VAR] = "3"  # the node and center processes inherit it
    try:
        urls = subprocess.run(
            [str(script), "urls", str(directory)], check=True, capture_output=True, text=True
        ).stdout.strip()
        yield urls
    finally:
        if previous is None:
            os.environ.pop(NATS_REPLICAS_VAR, None)
        else:
            os.environ[NATS_REPLICAS_VAR] = previous
        subprocess.run([str(script), "stop", str(directory)], check=False)
        shutil.rmtree(directory, ignore_errors=True)


def _demo(
    municipalities: int,
    residents: int,
    moves: int,
    transport: str,
    directory: Path | None,
    database_url_template: str | None,
    seed: int,
    nats: str | None,
    timeout: float,
    pdf: bool = False,
    counters: int | None = None,
) -> None:
    from jichi.network.demo import DemoOptions, run

    options = DemoOptions(
        municipalities=municipalities,
        residents=residents,
        moves=moves,
        transport="nats" if transport == "nats" else "inproc",
        directory=directory,
        database_url_template=database_url_template,
        seed=seed,
        nats_url=nats,
        quiet_timeout=timeout,
        render_pdf=pdf,
        counters=counters,
    )
    labels = {
        "migrate": "データベースを作成 / databases",
        "residents": "デモ住民 / demo residents",
        "moves": "異動 / moves",
        "quiet": "静止待ち / waiting for quiescence",
    }
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=err
    ) as bars:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bars.add_task(labels.get(stage, stage), total=total)
            bars.update(tasks[stage], completed=done, total=total)

        try:
            result = asyncio.run(run(options, progress))
        except TimeoutError as error:
            err.print(f"[red]{error}[/red]")
            raise typer.Exit(2) from None
    summary = Table(title="ネットワーク デモ / Network demo")
    summary.add_column("項目 / Figure")
    summary.add_column("値 / Value", justify="right")
    done = sum(result.moves.values())
    for label, value in (
        ("異動 / moves filed", done),
        ("内訳 / by kind", ", ".join(f"{k} {n}" for k, n in sorted(result.moves.items()))),
        ("却下 / refused by the registry", sum(result.rejected.values())),
        ("準備の時間 / seconds setting up", f"{result.seconds_setup:.1f}"),
        ("異動の時間 / seconds filing", f"{result.seconds_moving:.1f}"),
        ("静止までの時間 / seconds to quiescence", f"{result.seconds_quiet:.1f}"),
        ("異動/秒 / moves per second", f"{result.moves_per_second:.1f}"),
        ("メッセージ / messages (outbox rows)", result.messages),
        ("センターで反映 / applied at the center", result.applied_center),
        ("ノードで反映 / applied at the nodes", result.applied_nodes),
        ("置き場 / directory", str(result.directory)),
    ):
        summary.add_row(label, str(value))
    console.print(summary)
    for what, n in sorted(result.rejected.items()):
        console.print(f"[yellow]却下 / refused[/yellow] {what}: {n}")
    print_report(result.report)
    console.print(f"突合をもう一度: jichi network check --manifest {result.manifest}")
    if not result.report.ok:
        raise typer.Exit(1)


if __name__ == "__main__":  # ``python -m jichi.cli.network``: the demo's processes start here
    app(prog_name="jichi network")
