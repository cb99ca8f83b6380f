"""``jichi staff``: accounts and API tokens for the municipality's staff.

The first admin of a municipality is created by ``bootstrap`` (no credential: whoever
holds the database at installation); everything after needs a credential
(:mod:`jichi.cli.auth`): an admin adds and disables staff, anyone revokes their own
tokens.  Tokens are minted only after a password, never from another token, so a stolen
token dies at its expiry.  Every change is written to the audit log.
"""

from __future__ import annotations

from datetime import timedelta

import typer
from sqlalchemy import Engine

from jichi.cli.auth import STAFF_HELP, command_engine, sign_in
from jichi.cli.output import fail
from jichi.kernel.errors import JichiError
from jichi.places import default_catalog
from jichi.security.actor import Role
from jichi.security.keys import AuditKey, load_keys
from jichi.security.staff import (
    add_staff,
    bootstrap_admin,
    disable_staff,
    issue_token_for,
    revoke_staff_tokens,
    token_id,
)
from jichi.store.engine import write_transaction

app = typer.Typer(help="職員アカウントと API トークン", no_args_is_help=True)
URL_HELP = "データベース URL（省略時は JICHI_DATABASE_URL、なければ ./jichi.db）"
ADMIN_HELP = "操作する管理者の職員 ID（パスワードを入力）。環境変数 JICHI_STAFF_TOKEN でも可"


def _new_password(staff_id: str) -> str:
    return str(
        typer.prompt(
            f"{staff_id} の新しいパスワード",
            hide_input=True,
            confirmation_prompt=True,
            err=True,
        )
    )


@app.command("bootstrap")
def bootstrap(
    municipality: str = typer.Option(..., "--municipality", help="団体コード"),
    staff_id: str = typer.Option(..., "--staff", help="最初の管理者の職員 ID"),
    name: str = typer.Option("", "--name", help="氏名"),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """団体の最初の管理者を作成します（管理者がまだいない団体でだけ実行できます）."""
    try:
        lg = default_catalog().get(municipality)
        password = _new_password(staff_id)
        engine = command_engine(url)
        with write_transaction(engine) as conn:
            bootstrap_admin(
                conn,
                staff_id,
                lg.code,
                name or staff_id,
                password=password,
                audit_key=_audit_key(engine),
            )
    except JichiError as error:
        raise fail(error) from None
    typer.echo(f"{staff_id} (admin) — {lg.display_name}")


@app.command("add")
def add(
    staff_id: str = typer.Argument(..., help="登録する職員 ID"),
    municipality: str = typer.Option(..., "--municipality", help="所属する団体のコード"),
    role: Role = typer.Option(
        Role.CLERK,
        "--role",
        help="clerk | supervisor | auditor | admin | election（選挙管理委員会）",
    ),
    name: str = typer.Option("", "--name", help="氏名"),
    admin: str | None = typer.Option(None, "--staff", envvar="JICHI_STAFF", help=ADMIN_HELP),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """職員を登録します（管理者の認証が必要。初期パスワードを入力します）."""
    try:
        lg = default_catalog().get(municipality)
        engine = command_engine(url)
        actor = sign_in(engine, admin, lg_code=lg.code)
        password = _new_password(staff_id)
        with write_transaction(engine) as conn:
            add_staff(
                conn,
                actor,
                staff_id,
                role,
                name or staff_id,
                password=password,
                audit_key=_audit_key(engine),
            )
    except JichiError as error:
        raise fail(error) from None
    typer.echo(f"{staff_id} ({role.value}) — {lg.display_name}")


@app.command("token")
def token(
    staff_id: str | None = typer.Argument(None, help="発行先の職員 ID（省略時は自分）"),
    actor_id: str | None = typer.Option(None, "--staff", envvar="JICHI_STAFF", help=STAFF_HELP),
    hours: int = typer.Option(12, "--hours", min=1, max=24 * 90, help="有効時間"),
    label: str = typer.Option("", "--label"),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """API トークンを発行して表示します（パスワードが必要。再表示はできません）.

    自分のトークン、または（管理者は）同じ団体の職員のトークンを発行します。
    """
    try:
        engine = command_engine(url)
        actor = sign_in(engine, actor_id or staff_id, token_allowed=False)
        with write_transaction(engine) as conn:
            value = issue_token_for(
                conn,
                actor,
                staff_id or actor.staff_id,
                label=label,
                ttl=timedelta(hours=hours),
                audit_key=_audit_key(engine),
            )
    except JichiError as error:
        raise fail(error) from None
    typer.echo(f"token id: {token_id(value)}", err=True)
    typer.echo(value)


@app.command("disable")
def disable(
    staff_id: str = typer.Argument(..., help="停止する職員 ID"),
    admin: str | None = typer.Option(None, "--staff", envvar="JICHI_STAFF", help=ADMIN_HELP),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """職員アカウントを直ちに停止します（パスワードもトークンも使えなくなります）."""
    try:
        engine = command_engine(url)
        actor = sign_in(engine, admin)
        with write_transaction(engine) as conn:
            revoked = disable_staff(conn, actor, staff_id, audit_key=_audit_key(engine))
    except JichiError as error:
        raise fail(error) from None
    typer.echo(f"{staff_id}: 停止しました（トークン {revoked} 件を失効）")


@app.command("revoke-token")
def revoke_token(
    staff_id: str = typer.Argument(..., help="トークンの持ち主の職員 ID"),
    token_value: str | None = typer.Option(
        None, "--token", help="失効させるトークン（値、または発行時に表示された token id）"
    ),
    every: bool = typer.Option(False, "--all", help="この職員の有効なトークンをすべて失効"),
    actor_id: str | None = typer.Option(None, "--staff", envvar="JICHI_STAFF", help=STAFF_HELP),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """トークンを失効させます（自分のもの、または管理者は同じ団体の職員のもの）."""
    if every == (token_value is not None):
        raise typer.BadParameter("--token か --all のどちらか一方を指定してください")
    try:
        engine = command_engine(url)
        actor = sign_in(engine, actor_id)
        with write_transaction(engine) as conn:
            revoked = revoke_staff_tokens(
                conn, actor, staff_id, token=token_value, audit_key=_audit_key(engine)
            )
    except JichiError as error:
        raise fail(error) from None
    typer.echo(f"{staff_id}: トークン {revoked} 件を失効しました")


def _audit_key(engine: Engine) -> AuditKey:
    """The audit key of this database's deployment (account changes are audited)."""
    return load_keys(engine.url.render_as_string(hide_password=False)).audit_key
