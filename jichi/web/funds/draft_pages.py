"""The accountant's step-by-step filing pages: ``/filer/drafts/{year}/{step}`` and 確認.

Each step is a plain HTML form (no script): add and remove a line are submit buttons, and
the draft is saved server-side (:mod:`jichi.funds.draft_store`) at every submit, so
nothing is lost between steps.  Once the accountant has asked for 確認, every step shows
the whole report's problems (:func:`jichi.funds.draft_review.review`, the checks of
filing) in a focused summary, each linking to its field or line, with each problem also
written at its field; 提出する re-runs the checks and files through the same
:func:`jichi.funds.filings.file_report` / :func:`~jichi.funds.filings.amend_report` as the
JSON path.  Routes parse, call and render only.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from jichi.funds import draft_store, drafts, registrations
from jichi.funds.draft_review import Problem, Review, review
from jichi.funds.filings import amend_report, file_report, versions
from jichi.kernel.errors import JichiError, define
from jichi.kernel.text import to_halfwidth_ascii
from jichi.web.funds import view
from jichi.web.funds.app import Who, denied, form, render, text
from jichi.web.funds.filer import filed_versions, guard, overview_page

router = APIRouter(include_in_schema=False)

MIN_YEAR, MAX_YEAR = 1995, 2200  # the law table's reach (AnnualReport.year)
MAX_FIELDS = 12_000  # MAX_LINES lines of up to nine fields, and the scalars

NO_DRAFT = define(
    "FND-123",
    "{year}年分の下書きはありません。収支報告書の画面から作成してください。",
    "there is no draft for {year}",
    http_status=404,
    params=("year",),
)
BAD_DRAFT_YEAR = define(
    "FND-124",
    "年分は{low}年から{high}年までの西暦（半角・全角の数字4桁）で入力してください。",
    "the report year must be four digits from {low} to {high}",
    params=("low", "high"),
)
TOO_MANY_DRAFTS = define(
    "FND-125",
    "下書きは{most}件までです。提出するか、使わない下書きを削除してください。",
    "at most {most} drafts per organisation",
    params=("most",),
)


def _year(value: str) -> int | None:
    if not re.fullmatch(r"[0-9]{4}", value) or not MIN_YEAR <= int(value) <= MAX_YEAR:
        return None
    return int(value)


def _not_found(request: Request, who: Who, year: str) -> Response:
    return denied(request, who, JichiError(NO_DRAFT, field="year", year=year[:8]))


def _starting_draft(request: Request, org: str, year: int) -> drafts.Draft:
    """The latest filed version (a 訂正), else a blank with the organisation as registered."""
    engine = request.app.state.engine
    filed = versions(engine, org, year)
    if filed:
        return drafts.from_report(filed[-1].report)
    try:
        state = registrations.history(engine, org).state_on(date(year, 12, 31))
    except JichiError:  # not registered here, or not alive that year: the filer types it
        return drafts.blank()
    return drafts.blank(
        name=state.name,
        kind=state.kind.value,
        representative=state.representative,
        treasurer=state.treasurer,
    )


@router.post("/filer/drafts", response_class=HTMLResponse)
async def create(request: Request) -> Response:
    who = guard(request)
    if isinstance(who, Response):
        return who
    org = who.organization_id
    assert org is not None
    data = await form(request)
    errors: dict[str, str] = {}
    typed = text(data, "year", "年分", 10, errors)
    year = _year(to_halfwidth_ascii(typed))
    engine = request.app.state.engine
    if year is None and not errors:
        errors["year"] = JichiError(BAD_DRAFT_YEAR, low=MIN_YEAR, high=MAX_YEAR).message_ja
    if year is not None and draft_store.load(engine, org, year) is None:
        if draft_store.count(engine, org) >= draft_store.MAX_DRAFTS:
            errors["year"] = JichiError(TOO_MANY_DRAFTS, most=draft_store.MAX_DRAFTS).message_ja
        else:
            draft_store.save(engine, org, year, _starting_draft(request, org, year))
    if errors or year is None:
        return overview_page(request, who, errors={"year": errors["year"]}, year=typed, status=422)
    return RedirectResponse(f"/filer/drafts/{year}/organization", status_code=303)


def _context(who: Who, year: int, step: str, draft: drafts.Draft, result: Review) -> dict[str, Any]:
    reviewed = draft.get("reviewed") is True
    shown = [p for p in result.problems if reviewed or p.source == "input"]
    return {
        "who": who,
        "year": year,
        "step": step,
        "step_title": dict(drafts.STEPS).get(step, "7. 確認と提出"),
        "steps": drafts.STEPS,
        "draft": draft,
        "fields": drafts.FIELDS,
        "step_fields": drafts.steps_of(step) if step != "confirm" else (),
        "step_lists": drafts.lists_of(step) if step != "confirm" else (),
        "lists": drafts.LISTS,
        "choices": drafts.CHOICES,
        "review": result,
        "shown": shown,
        "errors_by_step": {
            key: len([p for p in shown if p.step == key and not p.warning])
            for key, _ in drafts.STEPS
        },
        "at": lambda target: [p for p in shown if p.target == target],
        "max_lines": drafts.MAX_LINES,
        "computed": _computed(result.data),
    }


def _computed(data: dict[str, Any]) -> dict[str, int]:
    """What the lines add up to, shown beside the declared totals (never filled in for the
    accountant: the declared figure is what the law's add-up check compares)."""
    income = data["income"]
    parts = sum(v for k, v in income.items() if k != "total")
    return {
        "income_donations": sum(g["amount"] for g in data["donations"]),
        "income_total": parts,
        "expenditure_total": sum(e["amount"] for e in data["expenditures"]),
        "carried_forward": data["carried_over"] + income["total"] - data["expenditure_total"],
    }


def _step_page(
    request: Request,
    who: Who,
    year: int,
    step: str,
    draft: drafts.Draft,
    *,
    typed_errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    result = review(draft, year)
    context = _context(who, year, step, draft, result)
    typed = [
        Problem(step, field, "FND-121", message) for field, message in (typed_errors or {}).items()
    ]
    if typed:
        context["shown"] = [*typed, *context["shown"]]
        context["at"] = lambda target: [p for p in context["shown"] if p.target == target]
    if step == "confirm":
        org = who.organization_id
        assert org is not None
        filed = filed_versions(request, org)
        context["latest"] = next((row.version for row in filed if row.year == year), 0)
        context["checked"] = view.read_model(result.data)
        context["view"] = view
        context["reason"] = ""
        context["form_errors"] = typed_errors or {}
        return render(request, "funds/app/draft_confirm.html", context, status=status)
    return render(request, "funds/app/draft_step.html", context, status=status)


@router.get("/filer/drafts/{year}/{step}", response_class=HTMLResponse)
def step_page(request: Request, year: str, step: str) -> Response:
    who = guard(request)
    if isinstance(who, Response):
        return who
    assert who.organization_id is not None
    number = _year(year)
    draft = (
        draft_store.load(request.app.state.engine, who.organization_id, number) if number else None
    )
    if number is None or draft is None or step not in (*drafts.STEP_KEYS, "confirm"):
        return _not_found(request, who, year)
    if step == "confirm" and not draft.get("reviewed"):
        draft["reviewed"] = True
        draft_store.save(request.app.state.engine, who.organization_id, number, draft)
    return _step_page(request, who, number, step, draft)


@router.post("/filer/drafts/{year}/{step}", response_class=HTMLResponse)
async def save_step(request: Request, year: str, step: str) -> Response:
    who = guard(request)
    if isinstance(who, Response):
        return who
    org = who.organization_id
    assert org is not None
    data = await form(request, max_fields=MAX_FIELDS)
    engine = request.app.state.engine
    number = _year(year)
    draft = draft_store.load(engine, org, number) if number else None
    if number is None or draft is None or step not in (*drafts.STEP_KEYS, "confirm"):
        return _not_found(request, who, year)
    if step == "confirm":
        return _confirm(request, who, number, draft, data)
    draft, typed_errors = drafts.update(draft, step, data)
    action, name, index = drafts.parse_action(data.get("action"))
    if action == "add" and drafts.LISTS[name][0] == step and not drafts.add_line(draft, name):
        typed_errors[f"{name}-add"] = f"{drafts.LISTS[name][1]}は{drafts.MAX_LINES}行までです。"
    if action == "remove" and drafts.LISTS[name][0] == step:
        drafts.remove_line(draft, name, index)
    draft_store.save(engine, org, number, draft)
    if typed_errors:
        return _step_page(request, who, number, step, draft, typed_errors=typed_errors, status=422)
    if action == "next":
        position = drafts.STEP_KEYS.index(step)
        following = (
            drafts.STEP_KEYS[position + 1] if position + 1 < len(drafts.STEP_KEYS) else "confirm"
        )
        return RedirectResponse(f"/filer/drafts/{number}/{following}", status_code=303)
    if action == "back":
        position = drafts.STEP_KEYS.index(step)
        return RedirectResponse(
            f"/filer/drafts/{number}/{drafts.STEP_KEYS[max(position - 1, 0)]}", status_code=303
        )
    anchor = f"#{name}-{len(draft['lines'][name]) - 1}" if action == "add" and name else ""
    return RedirectResponse(f"/filer/drafts/{number}/{step}{anchor}", status_code=303)


def _confirm(
    request: Request, who: Who, year: int, draft: drafts.Draft, data: dict[str, Any]
) -> Response:
    """提出する (or 下書きを削除): the checks run again on the stored draft, never the page."""
    org = who.organization_id
    assert org is not None
    engine = request.app.state.engine
    if data.get("action") == "discard":
        draft_store.delete(engine, org, year)
        return RedirectResponse("/filer", status_code=303)
    if data.get("action") != "file":  # only the 提出する button files
        return _step_page(request, who, year, "confirm", draft)
    errors: dict[str, str] = {}
    reason = text(data, "reason", "訂正の理由", 500, errors)
    draft["reviewed"] = True
    result = review(draft, year)
    if errors or not result.fileable or result.report is None:
        return _step_page(request, who, year, "confirm", draft, typed_errors=errors, status=422)
    latest = next((row.version for row in filed_versions(request, org) if row.year == year), 0)
    try:
        if latest:
            done = amend_report(engine, org, result.report, reason=reason, expected_version=latest)
        else:
            done = file_report(engine, org, result.report, filed_on=datetime.now(UTC).date())
    except JichiError as error:
        where = "reason" if error.field == "reason" else "report"
        return _step_page(
            request, who, year, "confirm", draft, typed_errors={where: error.message_ja}, status=422
        )
    draft_store.delete(engine, org, year)
    return RedirectResponse(f"/filer?filed={done.year}-{done.version}", status_code=303)
