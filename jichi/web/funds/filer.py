"""The accountant's (会計責任者) pages: sign in with a filing token, enter, check, file, 訂正.

The step-by-step pages (:mod:`jichi.web.funds.draft_pages`) are the accountant's way in;
this module keeps the start page and the "advanced" path, where the report is entered as
the JSON of :class:`jichi.funds.reports.AnnualReport` (typed in or uploaded as a file) and
shown back in the order of the paper form's steps — organisation, income, donors and
donations, party tickets, expenditures, assets and debts — with every error at its table
row, all at once, with its article; warnings are shown but do not block.
Nothing is stored until 提出: the check is re-run then, never trusted from the page.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from jichi.funds import draft_store, filer_tokens, registrations
from jichi.funds.filings import amend_report, file_report
from jichi.funds.organizations import OrganizationKind
from jichi.funds.tables import funds_report
from jichi.kernel.errors import JichiError
from jichi.web.funds import view
from jichi.web.funds.app import FUNDS, Who, current, denied, form, render, text
from jichi.web.pages import session

router = APIRouter(include_in_schema=False)


def _context(checked: view.Checked, **extra: Any) -> dict[str, Any]:
    return {
        "checked": checked,
        "steps": view.STEPS,
        "labels": view.LABELS,
        "columns": view.COLUMNS,
        "titles": view.TABLE_TITLES,
        "rows": view.rows,
        **extra,
    }


@router.get("/filer/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request) -> Response:
    return render(request, "funds/app/filer_sign_in.html", {"errors": {}, "values": {}})


@router.post("/filer/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request) -> Response:
    data = await form(request)
    errors: dict[str, str] = {}
    org = text(data, "organization_id", "政治団体の ID", 100, errors)
    token = text(data, "token", "提出用トークン", 200, errors)
    if not errors:
        try:
            filer_tokens.validate_organization_id(org)
        except JichiError as error:
            errors["organization_id"] = error.message_ja
    if not token and "token" not in errors:
        errors["token"] = "提出用トークンを入力してください。"
    if not errors:
        try:
            with request.app.state.engine.connect() as conn:
                filer_tokens.authenticate(conn, org, token)
        except JichiError as error:
            errors["token"] = error.message_ja
    if errors:
        return render(
            request,
            "funds/app/filer_sign_in.html",
            {"errors": errors, "values": {"organization_id": org}},
            status=401 if "token" in errors and len(errors) == 1 else 422,
        )
    sess = session.load(request, FUNDS)
    sess.start(kind="filer", organization_id=org, token=filer_tokens.digest(token))
    return session.save(request, sess, RedirectResponse("/filer", status_code=303))


def filed_versions(request: Request, org: str) -> list[Any]:
    """The organisation's versions, newest year first (the overview table)."""
    r = funds_report.c
    with request.app.state.engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(r.year, r.version, r.filed_at, r.reason, r.published_at)
                .where(r.organization_id == org)
                .order_by(r.year.desc(), r.version.desc())
                .limit(200)
            )
        )


def _skeleton(request: Request, org: str) -> str:
    """A blank report for last year, with the organisation as registered, to fill in."""
    year = datetime.now(UTC).year - 1
    name, kind = "", OrganizationKind.OTHER.value
    try:
        state = registrations.history(request.app.state.engine, org).state_on(date(year, 12, 31))
        name, kind = state.name, state.kind.value
    except JichiError:  # not registered here, or not alive that year: the filer types it
        pass
    blank = {
        "organization_name": name,
        "organization_kind": kind,
        "year": year,
        "carried_over": 0,
        "income": {"total": 0},
        "donors": [],
        "donations": [],
        "ticket_payments": [],
        "expenditures": [],
        "expenditure_total": 0,
        "carried_forward": 0,
        "assets": [],
        "debts": [],
    }
    return json.dumps(blank, ensure_ascii=False, indent=2)


def guard(request: Request) -> Who | Response:
    who = current(request)
    if who.organization_id is None:
        if who.actor is not None:
            return denied(request, who, JichiError(filer_tokens.FILER_UNAUTHENTICATED))
        return RedirectResponse("/filer/sign-in", status_code=303)
    return who


def overview_page(
    request: Request,
    who: Who,
    *,
    errors: dict[str, str] | None = None,
    year: str = "",
    status: int = 200,
) -> Response:
    """The filer's start page: drafts, the step-by-step start, the JSON path, the versions."""
    org = who.organization_id
    assert org is not None
    notice = request.query_params.get("filed", "")
    return render(
        request,
        "funds/app/filer.html",
        {
            "who": who,
            "filed": filed_versions(request, org),
            "drafts": draft_store.listing(request.app.state.engine, org),
            "new_year": year or str(datetime.now(UTC).year - 1),
            "notice": notice if notice.replace("-", "").isdigit() and len(notice) < 12 else "",
            **_context(view.Checked(_skeleton(request, org))),
            "reason": "",
            "errors": errors or {},
        },
        status=status,
    )


@router.get("/filer", response_class=HTMLResponse)
def overview(request: Request) -> Response:
    who = guard(request)
    if isinstance(who, Response):
        return who
    return overview_page(request, who)


def _report_text(data: dict[str, Any], errors: dict[str, str]) -> str:
    raw = data.get("file")
    if isinstance(raw, bytes):
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            errors["file"] = "ファイルは UTF-8 の JSON にしてください。"
            return ""
    value = data.get("report", "")
    return value if isinstance(value, str) else ""


@router.post("/filer/report", response_class=HTMLResponse)
async def report(request: Request) -> Response:
    """確認 (check) or 提出 (file): the same reading and checks, then filing only for 提出."""
    who = guard(request)
    if isinstance(who, Response):
        return who
    org = who.organization_id
    assert org is not None
    data = await form(request)
    errors: dict[str, str] = {}
    body = _report_text(data, errors)
    reason = text(data, "reason", "訂正の理由", 500, errors)
    action = data.get("action")
    checked = view.read(body) if not errors else view.Checked(body)
    filed = filed_versions(request, org)
    year = checked.report.year if checked.report else None
    latest = next((row.version for row in filed if row.year == year), 0)
    context = {
        "who": who,
        "filed": filed,
        "drafts": draft_store.listing(request.app.state.engine, org),
        "new_year": str(datetime.now(UTC).year - 1),
        "notice": "",
        "reason": reason,
        "errors": errors,
        "latest": latest,
        **_context(checked),
    }
    if errors or checked.errors or checked.report is None or action != "file":
        status = 422 if errors or checked.errors else 200
        return render(request, "funds/app/filer.html", {**context, "confirm": True}, status=status)
    try:
        if latest:
            done = amend_report(
                request.app.state.engine,
                org,
                checked.report,
                reason=reason,
                expected_version=latest,
            )
        else:
            done = file_report(
                request.app.state.engine, org, checked.report, filed_on=datetime.now(UTC).date()
            )
    except JichiError as error:
        errors[error.field if error.field in ("reason",) else "report"] = error.message_ja
        return render(
            request,
            "funds/app/filer.html",
            {**context, "errors": errors, "confirm": True},
            status=422,
        )
    return RedirectResponse(f"/filer?filed={done.year}-{done.version}", status_code=303)
