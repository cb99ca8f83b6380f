"""``jichi places cooperation``: wide-area arrangements (広域連携) as data (thin).

``add FILE.json`` records arrangements (one object or a list; format in
docs/guide/places.md) for a supervisor or admin; ``list`` shows those in force on a day,
optionally of one municipality.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from jichi.cli.auth import STAFF_HELP, sign_in
from jichi.cli.output import fail, print_json
from jichi.kernel.clock import jst_date, system_clock
from jichi.kernel.era import parse_date
from jichi.kernel.errors import JichiError
from jichi.places import cooperation_store
from jichi.places.cooperation import arrangements_of
from jichi.security.actor import Role
from jichi.security.staff import require_role
from jichi.store.engine import make_engine, write_transaction

app = typer.Typer(
    help="広域連携（定住自立圏・連携中枢都市圏・広域連合・一部事務組合・事務の委託・連携協約）"
)


@app.command("add")
def add(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="広域連携の JSON"),
    url: str | None = typer.Option(None, "--url", help="データベース URL"),
    staff_id: str | None = typer.Option(None, "--staff", envvar="JICHI_STAFF", help=STAFF_HELP),
) -> None:
    """広域連携を登録（同じ id は置き換え）します（係長・管理者）."""
    engine = make_engine(url)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        items = [
            cooperation_store.from_json(d) for d in (data if isinstance(data, list) else [data])
        ]
        actor = sign_in(engine, staff_id)
        require_role(actor, "places.cooperation", Role.SUPERVISOR, Role.ADMIN)
        with write_transaction(engine) as conn:
            for item in items:
                cooperation_store.save(conn, item, at=system_clock()())
    except JichiError as error:
        raise fail(error) from None
    finally:
        engine.dispose()
    typer.echo(f"{len(items)} 件を登録しました")


@app.command("list")
def list_(
    as_of: str | None = typer.Option(None, "--as-of", help="この日現在（既定: 今日）"),
    municipality: str | None = typer.Option(None, "--municipality", help="この団体が加わるもの"),
    as_json: bool = typer.Option(False, "--json", help="JSON で出力する"),
    url: str | None = typer.Option(None, "--url", help="データベース URL"),
) -> None:
    """その日に効力のある広域連携と構成団体を表示します."""
    engine = make_engine(url)
    try:
        on: date = parse_date(as_of, field="as_of") if as_of else jst_date(system_clock()())
        with engine.connect() as conn:
            found = [a for a in cooperation_store.load(conn) if a.holds_on(on)]
    except JichiError as error:
        raise fail(error) from None
    finally:
        engine.dispose()
    if municipality:
        found = arrangements_of(found, municipality, on)
    rows = [
        {
            "id": a.arrangement_id,
            "kind": a.kind.value,
            "kind_ja": a.kind.label_ja,
            "name": a.name,
            "members": a.members_on(on),
            "services": list(a.services),
        }
        for a in found
    ]
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"広域連携（{on.isoformat()} 現在）")
    for column in ("種類", "名称", "構成団体", "事務"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            str(r["kind_ja"]), str(r["name"]), "・".join(r["members"]), "・".join(r["services"])
        )
    Console().print(table)
