"""``jichi registry``: the supervisor's commands over one municipality's registry."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from jichi.cli import bulk as bulk_cli
from jichi.cli import registry_verify as verify_cli
from jichi.cli.auth import STAFF_HELP, bind, command_engine, sign_in
from jichi.cli.output import EXIT_REJECTED, fail, print_json
from jichi.kernel.errors import INVALID_INPUT, JichiError, JichiErrors, member_dict
from jichi.mynumber import wiring as mynumber_wiring
from jichi.registry.queries import SearchQuery
from jichi.registry.service import Registry
from jichi.security import policy
from jichi.security.actor import Actor
from jichi.security.crypto import FieldCipher
from jichi.security.keys import load_keys
from jichi.store.engine import database_url

app = typer.Typer(
    help="住民基本台帳: 届出の一括適用・住民票の表示・検索・移行", no_args_is_help=True
)
app.command("import")(bulk_cli.import_csv)
app.command("export")(bulk_cli.export_csv)
app.command("rebuild")(verify_cli.rebuild_command)
app.command("check")(verify_cli.check_command)
console = Console(stderr=True)

URL_HELP = "データベース URL（省略時は JICHI_DATABASE_URL、なければ ./jichi.db）"
MUNICIPALITY_HELP = "操作する団体のコード（省略時は職員の所属団体。他の団体は拒否されます）"


def open_registry(
    url: str | None, staff_id: str | None, municipality: str | None, action: str | None
) -> tuple[Registry, Actor]:
    """The registry of the signed-in staff member's municipality, acting as that member.

    ``action`` is checked against the role policy here; ``None`` leaves the check to the
    caller (``apply`` checks each line's kind).
    """
    engine = command_engine(url)
    actor = sign_in(engine, staff_id)
    bind(actor, municipality or actor.lg_code)
    if action is not None:
        policy.require(actor, action)
    cipher = FieldCipher(load_keys(database_url(url)))
    # revokes 署名用 certs and ends cards on 死亡 / 国外転出 (ADR 0011)
    listeners = mynumber_wiring.registry_listeners()
    return Registry(engine, actor.lg_code, cipher, listeners=listeners), actor


@app.command("apply")
def apply_file(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="JSON Lines の届出ファイル"),
    staff_id: str | None = typer.Option(None, "--staff", envvar="JICHI_STAFF", help=STAFF_HELP),
    municipality: str | None = typer.Option(None, "--municipality", help=MUNICIPALITY_HELP),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
    as_json: bool = typer.Option(False, "--json", help="結果を JSON Lines で出力する"),
) -> None:
    """届出ファイルを先頭から順に適用し、受理・却下の一覧を表示します (exit 1: 却下あり).

    Each line is applied in its own transaction: a rejected line changes nothing and
    the next line still runs, as at the counter.
    """
    try:
        registry, actor = open_registry(url, staff_id, municipality, None)
    except JichiError as error:
        raise fail(error) from None
    lines = path.read_text(encoding="utf-8").splitlines()
    accepted = rejected = 0
    report = Table("行", "届出", "結果", "理由")
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("届出を適用しています…", total=len(lines))
        for number, line in enumerate(lines, start=1):
            progress.advance(task)
            if not line.strip():
                continue
            kind = "?"
            try:
                data = json.loads(line)
                kind = str(data.get("kind", "?")) if isinstance(data, dict) else "?"
                key = data.pop("idempotency_key", None) if isinstance(data, dict) else None
                notification = registry.parse(data)
                policy.require_notification(actor, notification.kind)  # as the API does
                applied = registry.apply(notification, actor, idempotency_key=key)
            except (ValueError, ValidationError, JichiError) as problem:
                refusal = as_jichi_error(problem)
                rejected += 1
                members = refusal.errors if isinstance(refusal, JichiErrors) else [refusal]
                report.add_row(
                    str(number),
                    kind,
                    "[red]却下[/red]",
                    "\n".join(f"{m.code} {m.message_ja}" for m in members),
                )
                if as_json:
                    print_json(
                        {
                            "line": number,
                            "kind": kind,
                            "accepted": False,
                            "error": {
                                "code": refusal.code,
                                "message_ja": refusal.message_ja,
                                "message_en": refusal.message_en,
                                "field": refusal.field,
                                "errors": [member_dict(m) for m in members],
                            },
                        }
                    )
                continue
            accepted += 1
            flags = "（届出期間経過）" if applied.late else ""
            report.add_row(str(number), kind, "受理" + flags, applied.notification_id)
            if as_json:
                print_json(
                    {
                        "line": number,
                        "kind": kind,
                        "accepted": True,
                        "notification_id": applied.notification_id,
                        "late": applied.late,
                        "person_ids": applied.person_ids,
                        "result": applied.result,
                    }
                )
    if not as_json:
        console.print(report)
    console.print(
        f"受理 {accepted} 件、却下 {rejected} 件 / accepted {accepted}, rejected {rejected}"
    )
    if rejected:
        raise typer.Exit(EXIT_REJECTED)


def as_jichi_error(problem: Exception) -> JichiError:
    if isinstance(problem, JichiError):
        return problem
    if isinstance(problem, ValidationError):
        # every wrong or missing field of the line, not the first only
        return JichiErrors(
            [
                JichiError(
                    INVALID_INPUT, field=".".join(str(p) for p in e.get("loc", ())) or "line"
                )
                for e in problem.errors()
            ]
            or [JichiError(INVALID_INPUT, field="line")]
        )
    return JichiError(INVALID_INPUT, field="line")


@app.command("roll-forward")
def roll_forward(
    staff_id: str | None = typer.Option(None, "--staff", envvar="JICHI_STAFF", help=STAFF_HELP),
    municipality: str | None = typer.Option(None, "--municipality", help=MUNICIPALITY_HELP),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """転出予定日を迎えた住民票を除票にします（日次処理。JICHI_TODAY に従います）."""
    try:
        registry, actor = open_registry(url, staff_id, municipality, "registry.import")
        changed = registry.roll_forward(actor)
    except JichiError as error:
        raise fail(error) from None
    print_json({"removed": changed})


@app.command("show")
def show(
    person_id: str = typer.Argument(..., help="住民の ID"),
    staff_id: str | None = typer.Option(None, "--staff", envvar="JICHI_STAFF", help=STAFF_HELP),
    municipality: str | None = typer.Option(None, "--municipality", help=MUNICIPALITY_HELP),
    as_of: str | None = typer.Option(
        None, "--as-of", help="この異動日現在の内容（2024-04-01 / R6.4.1）"
    ),
    recorded_by: datetime | None = typer.Option(
        None, "--recorded-by", help="この時点で記録済みの内容"
    ),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """住民票の内容を表示します（--as-of で過去の時点）。表示は監査ログに記録されます."""
    from jichi.kernel.era import parse_date

    try:
        registry, actor = open_registry(url, staff_id, municipality, "resident.read")
        when: date | None = parse_date(as_of, field="as_of") if as_of else None
        record = registry.read_record(person_id, actor, as_of=when, recorded_by=recorded_by)
    except JichiError as error:
        raise fail(error) from None
    print_json(record.model_dump(mode="json"))


@app.command("history")
def history(
    person_id: str = typer.Argument(..., help="住民の ID"),
    staff_id: str | None = typer.Option(None, "--staff", envvar="JICHI_STAFF", help=STAFF_HELP),
    municipality: str | None = typer.Option(None, "--municipality", help=MUNICIPALITY_HELP),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """異動の履歴を記録順に表示します."""
    try:
        registry, actor = open_registry(url, staff_id, municipality, "resident.history")
        events = registry.history(person_id, actor)
    except JichiError as error:
        raise fail(error) from None
    for ev in events:
        print_json(
            {
                "event_id": ev.event_id,
                "reason": ev.reason.value,
                "reason_ja": ev.reason.label_ja,
                "effective_date": ev.effective_date.isoformat(),
                "recorded_at": ev.recorded_at.isoformat(),
                "changes": ev.changes,
                "corrects": ev.corrects,
                "late": ev.late,
            }
        )


@app.command("search")
def search(
    staff_id: str | None = typer.Option(None, "--staff", envvar="JICHI_STAFF", help=STAFF_HELP),
    municipality: str | None = typer.Option(None, "--municipality", help=MUNICIPALITY_HELP),
    name: str | None = typer.Option(None, "--name", help="氏名（前方一致、異体字を同一視）"),
    kana: str | None = typer.Option(None, "--kana", help="フリガナ（前方一致）"),
    born: str | None = typer.Option(None, "--born", help="生年月日"),
    limit: int = typer.Option(20, "--limit", min=1, max=100),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """住民を検索します（氏名・フリガナ・生年月日）."""
    from jichi.kernel.era import parse_date

    try:
        registry, actor = open_registry(url, staff_id, municipality, "resident.search")
        query = SearchQuery(
            name=name,
            kana=kana,
            limit=limit,
            date_of_birth=parse_date(born, field="born") if born else None,
        )
        page = registry.search(query, actor)
    except JichiError as error:
        raise fail(error) from None
    for record in page.records:
        print_json(
            {
                "person_id": record.person_id,
                "name": record.name.text(),
                "kana": record.name.kana(),
                "date_of_birth": record.date_of_birth.isoformat(),
                "address": record.address.text(),
                "household_id": record.household_id,
            }
        )
