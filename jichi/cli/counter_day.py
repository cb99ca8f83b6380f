"""``jichi counter``: the counter day from the command line — the fee table and the 日計表.

``fees list`` shows the municipality's 手数料 per certificate kind (the demo's example
amounts marked 例); ``fees set KIND YEN`` stores the municipality's own amount (its
手数料条例; supervisor, audited), as the 手数料 page does; ``daily-report`` prints the
日計表 of a day as CSV (exit 1 when it does not balance).  The same domain functions as
the pages (:mod:`jichi.registry.counter_day`).
"""

from __future__ import annotations

from datetime import date

import typer

from jichi.cli.auth import STAFF_HELP
from jichi.cli.output import fail, print_json
from jichi.cli.registry import MUNICIPALITY_HELP, URL_HELP, open_registry
from jichi.kernel.clock import jst_date
from jichi.kernel.errors import JichiError
from jichi.registry.certificates import CertificateKind
from jichi.registry.counter_day import errors as e
from jichi.registry.counter_day import fees
from jichi.registry.counter_day.daily_report import daily_report, report_csv

app = typer.Typer(help="窓口の一日: 手数料の表と日計表", no_args_is_help=True)
fees_app = typer.Typer(help="手数料（証明書1通あたり、手数料条例の額）", no_args_is_help=True)
app.add_typer(fees_app, name="fees")

STAFF = typer.Option(None, "--staff", envvar="JICHI_STAFF", help=STAFF_HELP)
MUNICIPALITY = typer.Option(None, "--municipality", help=MUNICIPALITY_HELP)
URL = typer.Option(None, "--url", help=URL_HELP)


@fees_app.command("list")
def list_fees(
    staff_id: str | None = STAFF,
    municipality: str | None = MUNICIPALITY,
    url: str | None = URL,
) -> None:
    """手数料の表を JSON で表示します（example: true はデモ用の例の額）."""
    try:
        registry, _actor = open_registry(url, staff_id, municipality, "daily_report.read")
        with registry.engine.connect() as conn:
            table = fees.fee_table(conn, registry.lg_code)
    except JichiError as error:
        raise fail(error) from None
    print_json(
        [
            {
                "kind": k.value,
                "label": k.label_ja,
                "fee_yen": table.fee(k),
                "example": k in table.example,
            }
            for k in CertificateKind
        ]
    )


@fees_app.command("set")
def set_fee(
    kind: str = typer.Argument(..., help="証明書の種類（record_copy_personal など）"),
    yen: str = typer.Argument(..., help="1通あたりの手数料（円）"),
    staff_id: str | None = STAFF,
    municipality: str | None = MUNICIPALITY,
    url: str | None = URL,
) -> None:
    """手数料条例の額を保存します（係長。監査ログに記録）."""
    try:
        try:
            chosen = CertificateKind(kind)
        except ValueError:
            raise JichiError(e.BAD_FEE, field="kind", kind=kind[:40], kind_en=kind[:40]) from None
        amount = fees.parse_fee(chosen, yen)
        registry, actor = open_registry(url, staff_id, municipality, "fee.set")
        fees.set_fee(
            registry.engine,
            registry.lg_code,
            chosen,
            amount,
            actor,
            registry.clock(),
            registry.cipher.audit_key,
        )
    except JichiError as error:
        raise fail(error) from None
    print_json({"kind": chosen.value, "fee_yen": amount})


@app.command("daily-report")
def print_daily_report(
    day: str = typer.Option("", "--day", help="日付 YYYY-MM-DD（省略時は今日、JST）"),
    staff_id: str | None = STAFF,
    municipality: str | None = MUNICIPALITY,
    url: str | None = URL,
) -> None:
    """日計表を CSV で出力します（照合が不一致なら exit 1）."""
    try:
        registry, _actor = open_registry(url, staff_id, municipality, "daily_report.read")
        try:
            found = date.fromisoformat(day) if day else jst_date(registry.clock())
        except ValueError:
            raise JichiError(e.BAD_DAY, field="day") from None
        with registry.engine.connect() as conn:
            report = daily_report(conn, registry.lg_code, found)
    except JichiError as error:
        raise fail(error) from None
    typer.echo(report_csv(report).lstrip("\ufeff"), nl=False)
    if not report.balanced:
        raise typer.Exit(1)
