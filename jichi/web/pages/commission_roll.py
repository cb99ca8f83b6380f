"""選挙人名簿の画面: the 投票区 table, building (調製) the roll, its counts, 抄本 and diffs.

Thin over the same functions as ``jichi elections roll`` (:mod:`jichi.cli.elections_roll`):
:func:`jichi.elections.roll_build.build` after :func:`jichi.elections.sources.update_roll`
(an optional registration from the registry, then the 表示 and 抹消 due by the day), and
the audited reads of :mod:`jichi.elections.inspection` — every 抄本 line and every person
in a diff is an audit entry under that person, counts one entry without a subject.
Builds are looked up under the signed-in staff member's municipality only (ELE-034 for
another's).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from jichi.elections import district_store, inspection, roll_build, roll_outputs
from jichi.elections.districts import parse_csv
from jichi.elections.errors import BAD_INPUT
from jichi.elections.roll_pdf import render_pdf
from jichi.elections.sources import particulars, update_roll
from jichi.kernel.era import parse_date
from jichi.kernel.errors import JichiError
from jichi.store.engine import write_transaction
from jichi.web.pages.commission_common import BASE, commission, field_errors
from jichi.web.pages.common import Form, Page, PageRoute
from jichi.web.pages.forms import values_of

router = APIRouter(route_class=PageRoute)

REGISTER = {
    "": "登録しない（名簿をそのまま調製）",
    "periodic": "定時登録",
    "election": "選挙時登録",
}
CHANGE_JA = {
    "added": "登録",
    "marked": "表示",
    "struck": "抹消",
    "district_changed": "投票区の変更",
}
ENCODINGS = ("utf-8", "cp932")


def _overview(page: Page, lg_code: str) -> dict[str, Any]:
    with page.registry.engine.connect() as conn:
        builds = roll_build.latest_builds(conn, lg_code)
        table = district_store.load(conn, lg_code)
    return {
        "builds": builds,
        "districts": list(table.rows) if table else [],
        "register_choices": list(REGISTER.items()),
    }


@router.get("/roll")
def roll_page(request: Request, built: str = "", imported: str = "") -> Response:
    page, actor = commission(request, "election.roll.read")
    return page.render(
        "commission/roll.html",
        values={},
        errors={},
        built=built,
        imported=imported,
        **_overview(page, actor.lg_code),
    )


@router.post("/roll/build")
def build_roll(request: Request, form: Form) -> Response:
    page, actor = commission(request, "election.roll.build", form)
    values = values_of(form)
    errors: dict[str, str] = {}
    register = str(values.get("register", ""))
    if register not in REGISTER:
        errors["register"] = JichiError(
            BAD_INPUT, field="register", reason="選択肢から選んでください", reason_en="choice"
        ).message_ja
    try:
        day = parse_date(str(values.get("as_of", "")), field="as_of")
    except JichiError as error:
        errors["as_of"] = error.message_ja
    if not errors:
        try:
            with write_transaction(page.registry.engine) as conn:
                update_roll(conn, actor.lg_code, day, register=register or None)
                result = roll_build.build(
                    conn,
                    actor.lg_code,
                    day,
                    built_by=actor.staff_id,
                    allow_unassigned=values.get("allow_unassigned") == "on",
                )
        except JichiError as error:
            errors = field_errors(error)
        else:
            return page.redirect(f"{BASE}/roll/{result.build_id}?built=1")
    return page.render(
        "commission/roll.html",
        status_code=422,
        values=values,
        errors=errors,
        built="",
        imported="",
        **_overview(page, actor.lg_code),
    )


@router.post("/roll/districts")
def import_districts(request: Request, form: Form) -> Response:
    page, actor = commission(request, "election.roll.build", form)
    values = values_of(form)
    try:
        table = parse_csv(str(values.get("districts_csv", "")))
        with write_transaction(page.registry.engine) as conn:
            count = district_store.replace(conn, actor.lg_code, table)
    except JichiError as error:
        errors = {"districts_csv": "; ".join(field_errors(error).values())}
        return page.render(
            "commission/roll.html",
            status_code=422,
            values=values,
            errors=errors,
            built="",
            imported="",
            **_overview(page, actor.lg_code),
        )
    return page.redirect(f"{BASE}/roll?imported={count}")


@router.get("/roll/diff")
def roll_diff(request: Request, a: str = "", b: str = "") -> Response:
    page, actor = commission(request, "election.roll.read")
    with write_transaction(page.registry.engine) as conn:  # the read is audited
        changes = inspection.read_diff(conn, actor, page.registry.cipher.audit_key, a, b)
        people = particulars(conn, actor.lg_code, [c.person_id for c in changes])
    return page.render(
        "commission/roll_diff.html",
        a=a,
        b=b,
        changes=changes,
        names={pid: p.name for pid, p in people.items()},
        change_ja=CHANGE_JA,
    )


@router.get("/roll/{build_id}")
def roll_build_page(request: Request, build_id: str, built: str = "") -> Response:
    page, actor = commission(request, "election.roll.read")
    with write_transaction(page.registry.engine) as conn:
        b = roll_build.get_build(conn, actor.lg_code, build_id)
        counts = inspection.read_counts(conn, actor, page.registry.cipher.audit_key, build_id)
        table = district_store.load(conn, actor.lg_code)
    names = table.names() if table else {}
    names.setdefault(district_store.DEFAULT_DISTRICT.code, district_store.DEFAULT_DISTRICT.name)
    totals = [r for r in counts if r["sex"] == "計"]
    detail = [r for r in counts if r["sex"] != "計"]
    return page.render(
        "commission/roll_build.html",
        build=b,
        built=built,
        totals=totals,
        detail=detail,
        names=names,
        unassigned=sum(1 for e in b.entries if e.district is None and e.status != "struck"),
    )


@router.get("/roll/{build_id}/extract")
def roll_extract(
    request: Request, build_id: str, district: str = "", format: str = "csv", encoding: str = ""
) -> Response:
    """抄本 (PDF or CSV, UTF-8 or CP932) of one district or all; every line audited."""
    page, actor = commission(request, "election.roll.read")
    if format not in ("csv", "pdf") or (encoding or "utf-8") not in ENCODINGS:
        raise JichiError(
            BAD_INPUT, field="format", reason="pdf・csv、utf-8・cp932", reason_en="pdf|csv"
        )
    with write_transaction(page.registry.engine) as conn:
        b, lines, names = inspection.read_extract(
            conn,
            actor,
            page.registry.cipher.audit_key,
            build_id,
            district=district or None,
            purpose="抄本（選挙管理委員会の画面）",
        )
    stem = f"shohon-{b.as_of.isoformat()}-{district or 'all'}"
    if format == "pdf":
        data, _pages = render_pdf(lines, as_of=b.as_of, district_names=names)
        media, name = "application/pdf", f"{stem}.pdf"
    else:
        data = roll_outputs.extract_csv(lines, encoding or "utf-8")
        charset = "shift_jis" if encoding == "cp932" else "utf-8"
        media, name = f"text/csv; charset={charset}", f"{stem}.csv"
    return Response(
        data,
        media_type=media,
        headers={
            "content-disposition": f'attachment; filename="{name}"',
            "cache-control": "no-store",
        },
    )
