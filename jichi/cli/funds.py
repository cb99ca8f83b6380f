"""``jichi funds``: political-funds calculations at the command line (thin over jichi.funds)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from jichi.cli.output import EXIT_REJECTED, print_json
from jichi.funds import subsidy_json
from jichi.funds.reports import Severity, check, parse_report
from jichi.kernel.errors import JichiError

#: Bad input exits 2 (issue 13's contract), unlike the other commands' 1.
EXIT_BAD_INPUT = 2

app = typer.Typer(help="政治資金: 政党交付金の算定など", no_args_is_help=True)


def _read_json(file: Path) -> object:
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise JichiError(subsidy_json.NOT_JSON, field="file", reason=str(exc)) from None


def _bad_input(error: JichiError) -> typer.Exit:
    typer.echo(json.dumps({"error": error.to_dict()}, ensure_ascii=False), err=True)
    return typer.Exit(EXIT_BAD_INPUT)


@app.command("subsidy")
def subsidy(
    file: Path = typer.Argument(..., help="入力 JSON（population, yen_per_person, parties）"),
) -> None:
    """政党交付金を算定します（政党助成法2・7・8・40条; exit 2: bad input）."""
    try:
        allocation = subsidy_json.compute(_read_json(file))
    except JichiError as error:
        raise _bad_input(error) from None
    print_json(subsidy_json.to_json(allocation))


@app.command("check")
def check_report(
    file: Path = typer.Argument(..., help="収支報告書の JSON（jichi.funds.reports.AnnualReport）"),
) -> None:
    """収支報告書を提出時の基準で検査します (exit 1: errors found, 2: bad input)."""
    try:
        report = parse_report(_read_json(file))
    except JichiError as error:
        raise _bad_input(error) from None
    findings = check(report)
    print_json({"findings": [f.to_dict() for f in findings]})
    if any(f.severity is Severity.ERROR for f in findings):
        raise typer.Exit(EXIT_REJECTED)


@app.command("import")
def import_file(
    file: Path = typer.Argument(
        ..., help="JSON Lines: 1行に1件 {organization_id, filed_on, report}"
    ),
    url: str | None = typer.Option(
        None, "--url", help="データベース URL（省略時 JICHI_DATABASE_URL）"
    ),
) -> None:
    """一年分の収支報告書を取り込みます（行ごとの結果を JSON で; exit 1: 拒否あり）."""
    from jichi.funds.bulk import import_filings
    from jichi.store.engine import make_engine

    try:
        handle = file.open(encoding="utf-8")
    except OSError as exc:
        raise _bad_input(JichiError(subsidy_json.NOT_JSON, field="file", reason=str(exc))) from None
    engine = make_engine(url)
    try:
        with handle:
            results = import_filings(engine, handle)
    except UnicodeDecodeError as exc:
        raise _bad_input(JichiError(subsidy_json.NOT_JSON, field="file", reason=str(exc))) from None
    finally:
        engine.dispose()
    counts: dict[str, int] = {}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    print_json({"lines": [r.to_dict() for r in results], "counts": counts})
    if counts.get("refused") or counts.get("conflict"):
        raise typer.Exit(EXIT_REJECTED)


@app.command("export")
def export(
    year: int = typer.Option(..., "--year", min=1948, max=2200, help="年分"),
    out: Path = typer.Option(..., "--out", help="書き出すディレクトリ"),
    url: str | None = typer.Option(
        None, "--url", help="データベース URL（省略時 JICHI_DATABASE_URL）"
    ),
) -> None:
    """公表分を JSON・CSV（UTF-8 / CP932）と SHA256SUMS で書き出します."""
    from jichi.funds.bulk import export_year
    from jichi.store.engine import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            files = export_year(conn, year)
    finally:
        engine.dispose()
    out.mkdir(parents=True, exist_ok=True)
    for name, body in files.items():
        (out / name).write_bytes(body)
    print_json({"year": year, "files": sorted(files)})


@app.command("xml-export")
def xml_export(
    file: Path = typer.Argument(..., help="収支報告書の JSON（jichi.funds.reports.AnnualReport）"),
    out: Path = typer.Option(..., "--out", help="書き出す XML ファイル（Shift_JIS）"),
) -> None:
    """寄附の明細（その7）を収支報告書作成ソフトの XML で書き出します（対応範囲は docs）."""
    from jichi.funds.software_xml import export_donations

    try:
        body = export_donations(parse_report(_read_json(file)))
    except JichiError as error:
        raise _bad_input(error) from None
    out.write_bytes(body)
    print_json({"out": str(out), "bytes": len(body)})


@app.command("xml-import")
def xml_import(
    file: Path = typer.Argument(..., help="収支報告書作成ソフトの XML ファイル"),
) -> None:
    """XML の寄附の明細（その7）を寄附者と寄附の JSON にします (exit 2: 読めない・誤りあり)."""
    from jichi.funds.software_xml import import_donations

    try:
        data = file.read_bytes()
    except OSError as exc:
        raise _bad_input(JichiError(subsidy_json.NOT_JSON, field="file", reason=str(exc))) from None
    try:
        imported = import_donations(data)
    except JichiError as error:
        raise _bad_input(error) from None
    print_json(imported.to_dict())


@app.command("filer-token")
def filer_token(
    organization: str = typer.Argument(..., help="政治団体の ID"),
    by: str = typer.Option(..., "--by", help="交付する職員の ID（記録されます）"),
    revoke: bool = typer.Option(False, "--revoke", help="この団体の有効なトークンをすべて失効"),
    url: str | None = typer.Option(
        None, "--url", help="データベース URL（省略時 JICHI_DATABASE_URL）"
    ),
) -> None:
    """会計責任者の提出用トークンを交付（一度だけ表示）、または --revoke で失効させます."""
    from jichi.funds import filer_tokens
    from jichi.store.engine import make_engine

    engine = make_engine(url)
    try:
        if revoke:
            count = filer_tokens.revoke(engine, organization)
            print_json({"organization_id": organization, "revoked": count})
            return
        token = filer_tokens.issue(engine, organization, by=by)
    except JichiError as error:
        raise _bad_input(error) from None
    finally:
        engine.dispose()
    print_json({"organization_id": organization, "token": token})


api_key_app = typer.Typer(help="公開検索 API の利用キー（交付・一覧・取消）", no_args_is_help=True)
app.add_typer(api_key_app, name="api-key")

URL_OPTION = typer.Option(None, "--url", help="データベース URL（省略時 JICHI_DATABASE_URL）")


@api_key_app.command("issue")
def api_key_issue(
    holder: str = typer.Argument(..., help="利用者（報道機関・研究者など）の名称"),
    by: str = typer.Option(..., "--by", help="交付する職員の ID（記録されます）"),
    per_minute: int | None = typer.Option(
        None, "--per-minute", help="1分あたりの回数（省略時 JICHI_FUNDS_KEY_PER_MINUTE、600）"
    ),
    url: str | None = URL_OPTION,
) -> None:
    """公開検索 API のキーを交付します（一度だけ表示; 保存されるのはハッシュのみ）."""
    from jichi.funds import api_keys
    from jichi.store.engine import make_engine

    engine = make_engine(url)
    try:
        key = api_keys.issue(engine, holder, by=by, per_minute=per_minute)
    except JichiError as error:
        raise _bad_input(error) from None
    finally:
        engine.dispose()
    print_json({"holder": holder.strip(), "key": key})


@api_key_app.command("list")
def api_key_list(url: str | None = URL_OPTION) -> None:
    """交付したキーの一覧（キーそのものは表示しません）."""
    from jichi.funds import api_keys
    from jichi.store.engine import make_engine

    engine = make_engine(url)
    try:
        print_json({"keys": api_keys.listed(engine)})
    finally:
        engine.dispose()


@api_key_app.command("revoke")
def api_key_revoke(url: str | None = URL_OPTION) -> None:
    """標準入力から読んだキーを取り消します（コマンド行に書くと他の利用者に見えるため）."""
    import sys

    from jichi.funds import api_keys
    from jichi.store.engine import make_engine

    key = sys.stdin.readline().strip()
    engine = make_engine(url)
    try:
        revoked = api_keys.revoke(engine, key)
    finally:
        engine.dispose()
    print_json({"revoked": revoked})
    if not revoked:
        raise typer.Exit(EXIT_REJECTED)


@app.command("serve")
def serve(
    authority: str = typer.Option(
        ..., "--authority", help="受付機関のコード（都道府県選管なら団体コード、例 130001）"
    ),
    port: int = typer.Option(8200, "--port", help="待ち受けるポート"),
    host: str = typer.Option("127.0.0.1", "--host", help="待ち受けるアドレス"),
    url: str | None = typer.Option(
        None, "--url", help="データベース URL（省略時 JICHI_DATABASE_URL）"
    ),
) -> None:
    """政治資金の提出・受付・公表の画面を起動します（市区町村の画面とは別のアプリ）."""
    import uvicorn

    from jichi.store import migrate
    from jichi.store.engine import make_engine
    from jichi.web.funds.app import create_funds_app

    engine = make_engine(url)
    if not migrate.is_up_to_date(engine):
        engine.dispose()
        typer.echo(
            "データベースのスキーマが最新ではありません。`jichi db upgrade` を実行してください。",
            err=True,
        )
        raise typer.Exit(1)
    try:
        application = create_funds_app(engine, authority=authority)
    except JichiError as error:
        engine.dispose()
        raise _bad_input(error) from None
    typer.echo(
        f"政治資金（{authority}）: http://{host}:{port}/ で待ち受けています（Ctrl+C で終了）"
    )
    uvicorn.run(application, host=host, port=port, log_level="warning")
