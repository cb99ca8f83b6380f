"""``jichi registry rebuild`` and ``jichi registry check``: is the stored registry sound?

Operator commands, like ``jichi audit verify``: they take the database URL and the
municipality and need the master secret (the audit key), not a clerk's sign-in.  They
write nothing to the registry.  What they print names people by their ID and columns
by name, never a value; each person named is audited under that person (action
``registry.rebuild`` / ``registry.check``, actor ``jichi-cli``), as every read of a
person is.  Exit 1 on any mismatch or violation.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from sqlalchemy import Engine

from jichi.kernel.clock import today as clock_today
from jichi.registry import invariants, rebuild, rebuild_workers
from jichi.security import audit
from jichi.security.keys import AuditKey, load_keys
from jichi.store.engine import make_engine, write_transaction

URL_HELP = "データベース URL（省略時は JICHI_DATABASE_URL、なければ ./jichi.db）"
LG_HELP = "検証する団体のコード（6 桁）"
BATCH_HELP = "一度に読む行数"
WORKERS_HELP = "比較するプロセスの数（人の ID の範囲ごとに分担）"
ACTOR = "jichi-cli"
console = Console(stderr=True)


def rebuild_command(
    municipality: str = typer.Option(..., "--municipality", help=LG_HELP),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
    batch: int = typer.Option(rebuild.BATCH, "--batch", min=1, help=BATCH_HELP),
    workers: int = typer.Option(
        os.cpu_count() or 1, "--workers", min=1, help=WORKERS_HELP, show_default="CPU 数"
    ),
) -> None:
    """イベントログから住民票を作り直し、現在の表と比較します (exit 1: 不一致)."""
    engine = make_engine(url)
    try:
        key = _audit_key(engine)
        with engine.connect() as conn:
            total = rebuild.count_people(conn, municipality)
        with _progress() as bar:
            task = bar.add_task("再構築・比較", total=total)
            report = rebuild_workers.rebuild_in_workers(
                engine.url.render_as_string(hide_password=False),
                municipality,
                clock_today(),
                workers=workers,
                batch=batch,
                people=total,
                progress=lambda done: bar.update(task, completed=done),
            )
        named = [m.person_id for m in report.mismatches]
        _audit(engine, key, municipality, "registry.rebuild", named)
    finally:
        engine.dispose()
    for person_id in report.due:
        typer.echo(f"日次処理待ち（roll-forward 未実行） / roll-forward due: {person_id}")
    for m in report.mismatches:
        columns = ", ".join(m.fields)
        typer.echo(f"不一致 / mismatch: {m.person_id} {m.kind.value} {columns}".rstrip())
    if not report.ok:
        typer.echo(f"{len(report.mismatches):,} 人が不一致です（{report.checked:,} 人を比較）")
        raise typer.Exit(1)
    typer.echo(f"一致 / rebuild = live: {report.checked:,} 人")


def check_command(
    municipality: str = typer.Option(..., "--municipality", help=LG_HELP),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """不変条件（世帯主は一人、二重世帯なし、除票は不変、監査ログ）を検証します (exit 1: 違反)."""
    engine = make_engine(url)
    try:
        key = _audit_key(engine)
        with engine.connect() as conn, _progress() as bar:
            tasks: dict[str, TaskID] = {}

            def progress(what: str, done: int) -> None:
                if what not in tasks:
                    tasks[what] = bar.add_task({"people": "住民", "audit": "監査ログ"}[what])
                bar.update(tasks[what], completed=done)

            report = invariants.check(conn, municipality, key, progress=progress)
        named = sorted({pid for v in report.violations for pid in v.person_ids})
        _audit(engine, key, municipality, "registry.check", named)
    finally:
        engine.dispose()
    for v in report.violations:
        where = f" 世帯 {v.household_id}" if v.household_id else ""
        people = " ".join(v.person_ids)
        typer.echo(f"違反 / {v.invariant.value}: {v.invariant.label_ja}{where} {people} {v.detail}")
    if not report.ok:
        raise typer.Exit(1)
    typer.echo(
        f"不変条件はすべて成り立っています（住民 {report.people:,} 人、"
        f"監査ログ {report.audit_rows:,} 件）"
    )


def _audit_key(engine: Engine) -> AuditKey:
    return load_keys(engine.url.render_as_string(hide_password=False)).audit_key


def _audit(engine: Engine, key: AuditKey, lg_code: str, action: str, people: list[str]) -> None:
    """The people a report names, each under their own person (one insert)."""
    if not people:
        return
    at = datetime.now(UTC)
    entries = [
        audit.AuditEntry(
            lg_code=lg_code,
            at=at,
            actor=ACTOR,
            actor_role="operator",
            action=action,
            subject_person_id=person_id,
        )
        for person_id in people
    ]
    with write_transaction(engine) as conn:
        audit.append_many(conn, entries, key)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
