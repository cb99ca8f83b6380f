"""責任者の画面「市町村の合併」: the dry run, then the merger (thin over jichi.registry.merger).

The form takes what ``jichi places merge`` takes — the form of merger, the day, the
successor, the parties and the 町字 mapping as CSV text.  「確認（ドライラン）」 shows the
report of every change and writes nothing; 「合併を実行する」 carries it out in one
transaction.  Every check is the merger's; each typed error is shown next to its input.
The page is the served municipality's: its staff must be a party's or the successor's.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from jichi.kernel.era import parse_date
from jichi.kernel.errors import JichiError
from jichi.places.catalog import default_catalog, normalize_code
from jichi.places.changes import MergerKind
from jichi.registry.merger import MergerPlan, dry_run, execute, parse_mapping
from jichi.registry.merger import errors as e
from jichi.web.pages.common import SUPERVISOR_ROLES, Form, PageRoute, counter_page
from jichi.web.pages.forms import REQUIRED, TOO_LONG

router = APIRouter(route_class=PageRoute)

FIELDS = ("kind", "effective_date", "successor", "parties", "mapping", "basis")
LABELS = {
    "kind": ("合併の方式", "kind"),
    "effective_date": ("合併の日", "merger date"),
    "successor": ("合併市町村の団体コード", "successor code"),
    "parties": ("合併関係市町村の団体コード", "party codes"),
    "mapping": ("町字の対応表", "town mapping"),
    "basis": ("根拠の告示", "basis"),
}
MAX_MAPPING = 200_000  # characters of CSV (a few thousand 町字)
MAX_FIELD = 200
KINDS = [("", "選択してください"), ("absorption", "編入合併"), ("creation", "新設合併")]


@router.get("/merger")
def merger_form(request: Request) -> Response:
    page = counter_page(request)
    page.require("places.merge", *SUPERVISOR_ROLES)
    return page.render("counter/merger.html", values={}, errors={}, report=None, kinds=KINDS)


@router.post("/merger")
def merger(request: Request, form: Form) -> Response:
    page = counter_page(request, form)
    actor = page.require("places.merge", *SUPERVISOR_ROLES)
    values = {name: str(form.get(name) or "") for name in FIELDS}
    errors: dict[str, str] = {}
    plan = _plan(values, errors)
    report = None
    if plan is not None:
        try:
            if form.get("action") == "execute":
                report = execute(page.registry.engine, plan, actor, page.registry.cipher)
            else:
                report = dry_run(page.registry.engine, plan, actor, clock=page.registry.clock)
        except JichiError as error:
            for member in getattr(error, "errors", [error]):
                errors.setdefault(_field(member.field), member.message_ja)
    return page.render(
        "counter/merger.html",
        status_code=422 if errors else 200,
        values=values,
        errors=errors,
        report=report.as_dict() if report else None,
        kinds=KINDS,
    )


def _field(name: str | None) -> str:
    return name if name in FIELDS else "parties"


def _plan(values: dict[str, str], errors: dict[str, str]) -> MergerPlan | None:
    """The plan the form describes, or None with every input error in ``errors``."""
    for name in FIELDS:
        limit = MAX_MAPPING if name == "mapping" else MAX_FIELD
        label, label_en = LABELS[name]
        if len(values[name]) > limit:
            too_long = JichiError(TOO_LONG, field=name, label=label, label_en=label_en, max=limit)
            errors[name] = too_long.message_ja
        elif not values[name].strip() and name not in ("mapping", "basis"):
            missing = JichiError(REQUIRED, field=name, label=label, label_en=label_en)
            errors[name] = missing.message_ja
    parsed: dict[str, Any] = {}
    checks = (
        ("kind", lambda v: MergerKind(v)),
        ("effective_date", lambda v: parse_date(v, field="effective_date")),
        ("successor", _successor),
        (
            "parties",
            lambda v: tuple(
                normalize_code(p) for p in v.replace("、", ",").split(",") if p.strip()
            ),
        ),
        ("mapping", lambda v: tuple(parse_mapping(v))),
    )
    for name, parse in checks:
        if name in errors:
            continue
        try:
            parsed[name] = parse(values[name].strip())
        except JichiError as error:
            errors[name] = error.message_ja
        except ValueError:
            errors[name] = "選択肢から選んでください。"
    if errors:
        return None
    return MergerPlan(
        kind=parsed["kind"],
        effective_date=parsed["effective_date"],
        successor=parsed["successor"],
        parties=parsed["parties"],
        renames=parsed["mapping"],
        basis=values["basis"].strip(),
    )


def _successor(value: str) -> Any:
    code = normalize_code(value)
    if code not in {lg.code for lg in default_catalog()}:
        # A brand-new code needs its name and kind: the command line takes them (ADR 0027).
        raise JichiError(e.BAD_SUCCESSOR_CODE, field="successor", code=code)
    return default_catalog().get(code)
