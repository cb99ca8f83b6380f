"""``jichi staff``: accounts and API tokens for the municipality's staff."""

from __future__ import annotations

from datetime import timedelta

import typer

from jichi.cli.output import fail
from jichi.kernel.errors import JichiError
from jichi.places import default_catalog
from jichi.security.actor import Role
from jichi.security.staff import create_staff, issue_token
from jichi.store.engine import make_engine, write_transaction

app = typer.Typer(help="職員アカウントと API トークン", no_args_is_help=True)
URL_HELP = "データベース URL（省略時は JICHI_DATABASE_URL、なければ ./jichi.db）"


@app.command("add")
def add(
    staff_id: str = typer.Argument(..., help="職員 ID"),
    municipality: str = typer.Option(..., "--municipality", help="所属する団体のコード"),
    role: Role = typer.Option(Role.CLERK, "--role", help="clerk | supervisor | auditor | admin"),
    name: str = typer.Option("", "--name", help="氏名"),
    password: str | None = typer.Option(None, "--password", help="画面ログイン用のパスワード"),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """職員を登録します（一つの団体にだけ所属します）."""
    try:
        lg = default_catalog().get(municipality)
        with write_transaction(make_engine(url)) as conn:
            create_staff(conn, staff_id, lg.code, role, name or staff_id, password=password)
    except JichiError as error:
        raise fail(error) from None
    typer.echo(f"{staff_id} ({role.value}) — {lg.display_name}")


@app.command("token")
def token(
    staff_id: str = typer.Argument(..., help="職員 ID"),
    hours: int = typer.Option(12, "--hours", min=1, max=24 * 90, help="有効時間"),
    label: str = typer.Option("", "--label"),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """API トークンを発行して表示します（再表示はできません）."""
    try:
        with write_transaction(make_engine(url)) as conn:
            value = issue_token(conn, staff_id, label=label, ttl=timedelta(hours=hours))
    except JichiError as error:
        raise fail(error) from None
    typer.echo(value)
