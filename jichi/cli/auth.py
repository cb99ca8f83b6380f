"""Who runs a CLI command: a staff credential, checked like the API's, bound to a municipality.

A command that reads or changes personal data acts as one staff member, proven either by
a token in ``JICHI_STAFF_TOKEN`` (issued by ``jichi staff token``; expires, revocable) or
by ``--staff ID`` and the password typed at a hidden prompt.  A password is never taken
from the command line or the environment: both leak (shell history, ``ps``, a process's
environment, CI logs), and a script has the token for that.  The actor's municipality
must be the one the command acts on, and the role is checked by
:mod:`jichi.security.policy`, the table the API and the counter pages use.
"""

from __future__ import annotations

import getpass
import os

import typer
from sqlalchemy import Connection, Engine

from jichi.kernel.errors import JichiError, define
from jichi.security.actor import Actor
from jichi.security.staff import (
    SYSTEM_ACTOR_PREFIX,
    UNAUTHENTICATED,
    authenticate,
    check_password,
    home_municipality,
)
from jichi.security.tenancy import OTHER_MUNICIPALITY as TENANT_MISMATCH
from jichi.store.engine import make_engine

TOKEN_ENV = "JICHI_STAFF_TOKEN"
STAFF_HELP = f"操作する職員 ID（パスワードを入力します）。環境変数 {TOKEN_ENV} のトークンでも可"

CREDENTIAL_REQUIRED = define(
    "CLI-001",
    f"職員の認証が必要です。環境変数 {TOKEN_ENV} にトークンを設定するか、"
    "--staff 職員ID を指定してパスワードを入力してください。",
    f"a staff credential is required: set {TOKEN_ENV} or give --staff and type the password",
    http_status=401,
)
CREDENTIAL_REFUSED = define(
    "CLI-002",
    "職員の認証に失敗しました（パスワードまたはトークンが正しくないか、失効・停止されています）。",
    "staff credential refused: wrong password or token, or expired, revoked or disabled",
    http_status=401,
)
OTHER_MUNICIPALITY = define(
    "CLI-003",
    "職員（{staff_id}）の所属団体 {own} 以外の団体 {lg_code} は操作できません。",
    "staff member {staff_id} of {own} may not act on municipality {lg_code}",
    http_status=403,
    params=("staff_id", "own", "lg_code"),
)
PASSWORD_REQUIRED = define(
    "CLI-004",
    "この操作にはトークンではなくパスワードでの認証が必要です（--staff 職員ID）。",
    "this command needs the password (--staff), not a token: a token cannot mint tokens",
    http_status=401,
)


def read_credential(staff_id: str | None, *, token_allowed: bool = True) -> tuple[str, str]:
    """("token", value) or ("password", staff_id + NUL + password), prompting if needed.

    Read before any connection is opened, so no transaction waits on a person typing.
    """
    token = os.environ.get(TOKEN_ENV)
    if token and token_allowed:
        return "token", token
    if not staff_id:
        raise JichiError(PASSWORD_REQUIRED if token else CREDENTIAL_REQUIRED, field="staff")
    password = typer.prompt(f"{staff_id} のパスワード", hide_input=True, err=True)
    return "password", f"{staff_id}\0{password}"


def verify(
    conn: Connection,
    credential: tuple[str, str],
    staff_id: str | None,
    lg_code: str | None = None,
) -> Actor:
    """The active staff member the credential proves, bound to ``lg_code``; CLI-002/003.

    The served municipality is the command's (``lg_code``) or, when it names none, the
    staff member's own: the same :func:`jichi.security.tenancy.admit` check as the web.
    """
    kind, value = credential
    who, _, password = ("", "", "") if kind == "token" else value.partition("\0")
    if kind == "token":
        home = home_municipality(conn, token=value)
    else:
        home = home_municipality(conn, staff_id=who)
    if home is None:
        raise JichiError(CREDENTIAL_REFUSED, field="staff")
    served = lg_code or home
    try:
        if kind == "token":
            actor = authenticate(conn, value, served=served)
        else:
            actor = check_password(conn, who, password, served=served)
    except JichiError as error:
        if error.kind is UNAUTHENTICATED:
            raise JichiError(CREDENTIAL_REFUSED, field="staff") from None
        if error.kind is TENANT_MISMATCH:
            raise JichiError(
                OTHER_MUNICIPALITY,
                field="municipality",
                staff_id=staff_id or who or "?",
                own=home,
                lg_code=served,
            ) from None
        raise
    if staff_id and staff_id != actor.staff_id:  # --staff with someone else's token
        raise JichiError(CREDENTIAL_REFUSED, field="staff")
    return actor


def sign_in(
    engine: Engine,
    staff_id: str | None,
    *,
    lg_code: str | None = None,
    token_allowed: bool = True,
) -> Actor:
    """Prompt (if needed), verify and bind: the actor for this command or a typed error."""
    credential = read_credential(staff_id, token_allowed=token_allowed)
    with engine.connect() as conn:
        actor = verify(conn, credential, staff_id, lg_code)
    if lg_code is not None:
        bind(actor, lg_code)
    return actor


def bind(actor: Actor, lg_code: str) -> None:
    """Refuse (CLI-003) a credential of one municipality acting on another."""
    if actor.lg_code != lg_code:
        raise JichiError(
            OTHER_MUNICIPALITY,
            field="municipality",
            staff_id=actor.staff_id,
            own=actor.lg_code,
            lg_code=lg_code,
        )


def system_actor(process: str) -> str:
    """The recorded actor of an operator process that is no staff member (the center's).

    ``system:<process>:<OS user>``: says which command and which login ran it, and cannot
    be a staff id (those never contain ``:``).
    """
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{SYSTEM_ACTOR_PREFIX}{process}:{user}"[:100]


_ENGINES: list[Engine] = []


def command_engine(url: str | None) -> Engine:
    """An engine for this one command; :func:`dispose_engines` closes it when the command ends."""
    engine = make_engine(url)
    _ENGINES.append(engine)
    return engine


def dispose_engines() -> None:
    """Close the commands' engines (the root ``jichi`` callback runs this at exit)."""
    while _ENGINES:
        _ENGINES.pop().dispose()
