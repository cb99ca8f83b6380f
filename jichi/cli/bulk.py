"""``jichi registry import`` / ``export``: the whole registry in and out as CSV.

Plain Typer command functions; ``jichi.cli.registry`` mounts them.  The layout and the
rules are in ``docs/guide/import-export.md``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from jichi.cli.auth import STAFF_HELP, sign_in
from jichi.cli.output import EXIT_REJECTED, fail
from jichi.kernel.errors import JichiError
from jichi.registry import bulk
from jichi.security import policy
from jichi.security.crypto import FieldCipher
from jichi.security.keys import load_keys
from jichi.store.engine import make_engine

URL_HELP = "データベース URL（省略時は JICHI_DATABASE_URL、なければ ./jichi.db）"
SHOWN_ISSUES = 50  # on screen; --report writes them all


def import_csv(
    path: Path = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help="取り込む CSV（UTF-8、見出し行付き）"
    ),
    lg_code: str = typer.Option(
        ..., "--municipality", help="取り込み先の地方公共団体コード（6桁）"
    ),
    batch_size: int = typer.Option(
        bulk.DEFAULT_BATCH_SIZE, "--batch-size", min=1, help="1トランザクションで書く行数の目安"
    ),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
    report: Path | None = typer.Option(
        None, "--report", help="取り込めなかった行の一覧を CSV で書き出す先"
    ),
    staff_id: str | None = typer.Option(None, "--staff", envvar="JICHI_STAFF", help=STAFF_HELP),
    workers: int = typer.Option(
        os.cpu_count() or 1,
        "--workers",
        min=1,
        help="行の検査を分担するプロセスの数（10,000 行以上のとき）",
        show_default="CPU 数",
    ),
) -> None:
    """既存システムの住民記録を CSV から取り込みます (exit 1: 取り込めなかった行がある).

    係長・管理者の認証が必要です。監査ログの実施者は認証された職員です。
    """
    engine = make_engine(url)
    console = Console(stderr=True)
    try:
        actor = sign_in(engine, staff_id, lg_code=lg_code)
        policy.require(actor, "registry.import")
        cipher = FieldCipher(load_keys(url))
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("取り込み中", total=None, rate="")
            started = time.monotonic()

            def advance(done: bulk.ImportProgress) -> None:
                rate = done.rows_done / max(time.monotonic() - started, 1e-9)
                bar.update(
                    task,
                    total=done.rows_total,
                    completed=done.rows_done,
                    rate=f"{rate:,.0f} 行/秒",
                )

            result = bulk.import_csv(
                engine,
                lg_code,
                path,
                cipher,
                batch_size=batch_size,
                actor=actor.staff_id,
                actor_role=actor.role,
                progress=advance,
                workers=workers,
            )
    except JichiError as error:
        raise fail(error) from None
    finally:
        engine.dispose()
    out = Console()
    out.print(reconciliation_table(result))
    if result.issues:
        out.print(issues_table(result.issues[:SHOWN_ISSUES]))
        if len(result.issues) > SHOWN_ISSUES:
            out.print(f"ほか {len(result.issues) - SHOWN_ISSUES:,} 件（--report で全件を出力）")
    if report is not None:
        bulk.write_issue_report(result.issues, report)
        out.print(f"取り込めなかった行の一覧: {report}")
    if result.rejected:
        raise typer.Exit(EXIT_REJECTED)


def export_csv(
    lg_code: str = typer.Option(..., "--municipality", help="書き出す地方公共団体コード（6桁）"),
    out: Path = typer.Argument(..., dir_okay=False, help="書き出す CSV のパス"),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
    staff_id: str | None = typer.Option(None, "--staff", envvar="JICHI_STAFF", help=STAFF_HELP),
) -> None:
    """住民記録の全件を取り込みと同じ形式の CSV に書き出します（個人番号を含みます）.

    係長・管理者の認証が必要です。監査ログの実施者は認証された職員です。
    """
    engine = make_engine(url)
    try:
        actor = sign_in(engine, staff_id, lg_code=lg_code)
        policy.require(actor, "registry.export")
        cipher = FieldCipher(load_keys(url))
        result = bulk.export_csv(
            engine, lg_code, out, cipher, actor=actor.staff_id, actor_role=actor.role
        )
    except JichiError as error:
        raise fail(error) from None
    finally:
        engine.dispose()
    table = Table(title="書き出し / export")
    table.add_column("項目")
    table.add_column("件数", justify="right")
    table.add_row("住民 / persons", f"{result.persons:,}")
    table.add_row("世帯 / households", f"{result.households:,}")
    table.add_row("個人番号 / individual numbers", f"{result.individual_numbers:,}")
    table.add_row("列 / columns", f"{result.columns:,}")
    console = Console()
    console.print(table)
    console.print(f"{result.path}  sha256 {result.sha256}")
    if result.individual_numbers:
        console.print("このファイルは個人番号を含む特定個人情報です。取り扱いに注意してください。")


def reconciliation_table(result: bulk.ImportReport) -> Table:
    """Rows read = imported + unchanged + rejected; columns = mapped + archived."""
    table = Table(title=f"取り込み結果 / import ({result.lg_code})")
    table.add_column("項目")
    table.add_column("件数", justify="right")
    table.add_row("読んだ行 / rows read", f"{result.rows_read:,}")
    table.add_row("取り込んだ行 / imported", f"{result.imported:,}")
    table.add_row("変更なし / unchanged", f"{result.unchanged:,}")
    table.add_row("取り込めなかった行 / rejected", f"{result.rejected:,}")
    table.add_row("取り込んだ世帯 / households", f"{result.households_imported:,}")
    table.add_row("確定したバッチ / batches", f"{result.batches_committed:,}")
    table.add_row("列 / columns", f"{result.columns_read:,}")
    table.add_row("  対応付けた列 / mapped", f"{len(result.mapped_columns):,}")
    table.add_row("  保存した列 / archived", f"{len(result.archived_columns):,}")
    table.add_row("突合 / reconciles", "OK" if result.reconciles else "NG")
    return table


def issues_table(issues: list[bulk.RowIssue]) -> Table:
    table = Table(title="取り込めなかった行 / rejected rows")
    table.add_column("行", justify="right", no_wrap=True)
    table.add_column("列", no_wrap=True)
    table.add_column("コード", no_wrap=True)
    table.add_column("理由", overflow="fold")
    for issue in issues:
        table.add_row(str(issue.line), issue.column or "—", issue.code, issue.message_ja)
    return table
