"""``jichi elections districts`` and ``jichi elections roll``: the 投票区 table and the roll.

Every command acts as a signed-in staff member (:mod:`jichi.cli.auth`: a token in
``JICHI_STAFF_TOKEN`` or ``--staff`` and the password) of the municipality it acts on,
and every read that shows a person is audited per person
(:mod:`jichi.elections.inspection`).  JSON on stdout; on bad input exit 2 with
``{"error": {...}}`` (all the errors of a table in ``errors``).
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import NoReturn

import typer
from sqlalchemy import Connection, Engine

from jichi.cli.auth import STAFF_HELP, bind, command_engine, sign_in
from jichi.cli.output import error_payload, print_json
from jichi.elections import district_store, inspection, roll_build, roll_outputs
from jichi.elections.districts import parse_csv
from jichi.elections.errors import BAD_INPUT, NO_ROLL_BUILD, UNREADABLE_FILE, ElectionInvalid
from jichi.elections.roll_pdf import render_pdf
from jichi.elections.sources import update_roll
from jichi.kernel.errors import JichiError
from jichi.security import policy
from jichi.security.actor import Actor
from jichi.security.keys import load_keys
from jichi.store.engine import database_url

EXIT_BAD_INPUT = 2
DB_HELP = "データベースURL（省略時は JICHI_DATABASE_URL）"
MUNICIPALITY_HELP = "操作する団体のコード（省略時は職員の所属団体）"
READ_ACTION = "resident.read"  # the roll shows 住民票 items: the same roles may read it
WRITE_ACTION = "registry.import"  # the commission's table and builds: supervisors

districts_app = typer.Typer(help="投票区表（町字・番地の範囲）", no_args_is_help=True)
roll_app = typer.Typer(help="選挙人名簿: 調製、抄本、集計、差分", no_args_is_help=True)


def _fail(error: JichiError) -> NoReturn:
    body = error_payload(error)
    if isinstance(error, ElectionInvalid):
        body["errors"] = [error_payload(e) for e in error.errors]
    print_json({"error": body})
    typer.echo(f"{error.code}: {error.message_ja}", err=True)
    typer.echo(f"{error.code}: {error.message_en}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _actor(
    db: str | None, staff_id: str | None, municipality: str | None, action: str
) -> tuple[Engine, Actor]:
    engine = command_engine(db)
    actor = sign_in(engine, staff_id)
    bind(actor, municipality or actor.lg_code)
    policy.require(actor, action)
    return engine, actor


def _date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise JichiError(
            BAD_INPUT, field=field, reason="YYYY-MM-DD で書いてください", reason_en="YYYY-MM-DD"
        ) from None


def _build_id(conn: Connection, actor: Actor, build_id: str | None) -> str:
    """The given build, or the newest of the actor's municipality (ELE-034 if none)."""
    if build_id is not None:
        return build_id
    newest = roll_build.latest_builds(conn, actor.lg_code, limit=1)
    if not newest:
        raise JichiError(NO_ROLL_BUILD, field="build", value="（最新）")
    return newest[0][0]


StaffOpt = typer.Option(None, "--staff", envvar="JICHI_STAFF", help=STAFF_HELP)
MunOpt = typer.Option(None, "--municipality", help=MUNICIPALITY_HELP)
DbOpt = typer.Option(None, "--db", help=DB_HELP)


@districts_app.command("import")
def import_districts(
    file: Path = typer.Argument(..., help="CSV: code,name,town,block_from,block_to（UTF-8）"),
    staff_id: str | None = StaffOpt,
    municipality: str | None = MunOpt,
    db: str | None = DbOpt,
) -> None:
    """投票区表を読み込み、重なり・すき間を確かめて置き換えます。"""
    try:
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise JichiError(UNREADABLE_FILE, path=str(file), reason=str(error)) from None
        table = parse_csv(text)
        engine, actor = _actor(db, staff_id, municipality, WRITE_ACTION)
        with engine.begin() as conn:
            count = district_store.replace(conn, actor.lg_code, table)
    except JichiError as error:
        _fail(error)
    print_json({"rows": count, "districts": sorted(table.names())})


@roll_app.command("build")
def build(
    as_of: str = typer.Argument(..., help="調製の基準日 YYYY-MM-DD"),
    register: str | None = typer.Option(
        None, "--register", help="先に住民基本台帳から登録する: periodic（定時）| election"
    ),
    allow_unassigned: bool = typer.Option(
        False, "--allow-unassigned", help="投票区のない選挙人がいても調製する（一覧を出力）"
    ),
    staff_id: str | None = StaffOpt,
    municipality: str | None = MunOpt,
    db: str | None = DbOpt,
) -> None:
    """名簿を調製し、投票区と選挙人番号を付けて保存します（調製IDを出力）。"""
    try:
        day = _date(as_of, "as_of")
        if register not in (None, "periodic", "election"):
            raise JichiError(
                BAD_INPUT,
                field="register",
                reason="periodic か election",
                reason_en="periodic or election",
            )
        engine, actor = _actor(db, staff_id, municipality, WRITE_ACTION)
        with engine.begin() as conn:
            update = update_roll(conn, actor.lg_code, day, register=register)
            result = roll_build.build(
                conn,
                actor.lg_code,
                day,
                built_by=actor.staff_id,
                allow_unassigned=allow_unassigned,
            )
    except JichiError as error:
        _fail(error)
    print_json(
        {
            "build_id": result.build_id,
            "as_of": result.as_of.isoformat(),
            "registered": update.registered,
            "marked": update.marked,
            "struck": update.struck,
            "counts": result.counts,
            "unassigned": list(result.unassigned),
        }
    )


@roll_app.command("extract")
def extract(
    build_id: str | None = typer.Option(None, "--build", help="調製ID（省略時は最新）"),
    district: str | None = typer.Option(None, "--district", help="投票区コード（省略時は全部）"),
    fmt: str = typer.Option("csv", "--format", help="pdf | csv"),
    encoding: str = typer.Option("utf-8", "--encoding", help="CSVの文字コード: utf-8 | cp932"),
    out: Path | None = typer.Option(None, "--out", help="出力先（省略時は標準出力）"),
    purpose: str | None = typer.Option(None, "--purpose", help="監査ログに残す目的（縦覧など）"),
    hide_restricted: bool = typer.Option(
        False, "--hide-restricted", help="支援措置の対象者を載せない（閲覧用。要否は未確認）"
    ),
    staff_id: str | None = StaffOpt,
    municipality: str | None = MunOpt,
    db: str | None = DbOpt,
) -> None:
    """選挙人名簿抄本を投票区ごとに出力します（記載された人ごとに監査ログに記録）。"""
    try:
        if fmt not in ("pdf", "csv"):
            raise JichiError(BAD_INPUT, field="format", reason="pdf か csv", reason_en="pdf|csv")
        if encoding.lower() not in ("utf-8", "utf8", "cp932"):
            raise JichiError(
                BAD_INPUT, field="encoding", reason="utf-8 か cp932", reason_en="utf-8|cp932"
            )
        engine, actor = _actor(db, staff_id, municipality, READ_ACTION)
        key = load_keys(database_url(db)).audit_key
        with engine.begin() as conn:
            b, lines, names = inspection.read_extract(
                conn,
                actor,
                key,
                _build_id(conn, actor, build_id),
                district=district,
                purpose=purpose,
                hide_restricted=hide_restricted,
            )
            if fmt == "csv":
                data, pages = roll_outputs.extract_csv(lines, encoding), None
            else:
                data, page_count = render_pdf(lines, as_of=b.as_of, district_names=names)
                pages = page_count
    except JichiError as error:
        _fail(error)
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    out.write_bytes(data)
    print_json({"written": str(out), "lines": len(lines), "pages": pages})


@roll_app.command("counts")
def counts(
    build_id: str | None = typer.Option(None, "--build", help="調製ID（省略時は最新）"),
    staff_id: str | None = StaffOpt,
    municipality: str | None = MunOpt,
    db: str | None = DbOpt,
) -> None:
    """投票区・性別・年齢層ごとの登録者数を出力します。"""
    try:
        engine, actor = _actor(db, staff_id, municipality, READ_ACTION)
        key = load_keys(database_url(db)).audit_key
        with engine.begin() as conn:
            rows = inspection.read_counts(conn, actor, key, _build_id(conn, actor, build_id))
    except JichiError as error:
        _fail(error)
    print_json({"counts": rows})


@roll_app.command("diff")
def diff(
    build_a: str = typer.Argument(..., help="前の調製ID"),
    build_b: str = typer.Argument(..., help="後の調製ID"),
    fmt: str = typer.Option("json", "--format", help="json | csv"),
    encoding: str = typer.Option("utf-8", "--encoding", help="CSVの文字コード"),
    staff_id: str | None = StaffOpt,
    municipality: str | None = MunOpt,
    db: str | None = DbOpt,
) -> None:
    """二つの調製の差分（登録・表示・抹消とその理由）を出力します。"""
    try:
        if fmt not in ("json", "csv"):
            raise JichiError(BAD_INPUT, field="format", reason="json か csv", reason_en="json|csv")
        engine, actor = _actor(db, staff_id, municipality, READ_ACTION)
        key = load_keys(database_url(db)).audit_key
        with engine.begin() as conn:
            changes = inspection.read_diff(conn, actor, key, build_a, build_b)
            body = roll_outputs.diff_csv(changes, encoding) if fmt == "csv" else b""
    except JichiError as error:
        _fail(error)
    if fmt == "csv":
        typer.echo(body.decode("cp932" if encoding.lower() == "cp932" else "utf-8"), nl=False)
        return
    typer.echo(json.dumps({"changes": [c.to_dict() for c in changes]}, ensure_ascii=False))


def register(app: typer.Typer) -> None:
    """Add ``districts`` and ``roll`` under ``jichi elections``."""
    app.add_typer(districts_app, name="districts")
    app.add_typer(roll_app, name="roll")
