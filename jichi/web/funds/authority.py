"""The authority's pages: receipts awaiting publication, a report's checks and diff, 公表,
and the organisations with their 届出 history.

Only staff of this app's authority get in (``lg_code`` = the authority code); a filer or
another body's staff gets a 403 page.  The publish button posts with the CSRF token and is
audited in the publication's own transaction (:func:`jichi.funds.publication.publish`).
An auditor (監査) may read but not publish.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from jichi.funds import filer_tokens
from jichi.funds.filings import Filed, versions
from jichi.funds.publication import publish
from jichi.funds.tables import funds_notification, funds_report
from jichi.kernel.errors import JichiError
from jichi.security.actor import Role
from jichi.security.staff import FORBIDDEN, UNAUTHENTICATED, check_password
from jichi.web.funds import view
from jichi.web.funds.app import (
    FUNDS,
    NOT_AUTHORITY_STAFF,
    Who,
    current,
    denied,
    form,
    render,
    text,
)
from jichi.web.pages import session

router = APIRouter(include_in_schema=False)

PUBLISHERS = {Role.CLERK.value, Role.SUPERVISOR.value}


def _guard(request: Request) -> Who | Response:
    who = current(request)
    if who.actor is None:
        if who.organization_id is not None:
            authority = request.app.state.authority
            return denied(request, who, JichiError(NOT_AUTHORITY_STAFF, authority=authority))
        return RedirectResponse("/authority/sign-in", status_code=303)
    return who


@router.get("/authority/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request) -> Response:
    return render(request, "funds/app/staff_sign_in.html", {"errors": {}, "values": {}})


@router.post("/authority/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request) -> Response:
    data = await form(request)
    errors: dict[str, str] = {}
    staff_id = text(data, "staff_id", "職員 ID", 100, errors)
    password = data.get("password", "")
    if not isinstance(password, str) or len(password) > 200 or "\x00" in password:
        errors["password"] = "パスワードは200文字以内で入力してください。"
        password = ""
    if not staff_id and "staff_id" not in errors:
        errors["staff_id"] = "職員 ID を入力してください。"
    if not password and "password" not in errors:
        errors["password"] = "パスワードを入力してください。"
    actor = None
    if not errors:
        try:
            with request.app.state.engine.connect() as conn:
                # The authority's staff only: another body's staff are refused (AUTH-010).
                actor = check_password(conn, staff_id, password, served=request.app.state.authority)
        except JichiError as error:
            errors["password"] = error.message_ja
        if actor is not None and actor.lg_code != request.app.state.authority:
            errors["password"] = JichiError(UNAUTHENTICATED).message_ja
    if errors or actor is None:
        return render(
            request,
            "funds/app/staff_sign_in.html",
            {"errors": errors, "values": {"staff_id": staff_id}},
            status=401 if set(errors) == {"password"} else 422,
        )
    sess = session.load(request, FUNDS)
    sess.start(kind="staff", staff_id=actor.staff_id)
    return session.save(request, sess, RedirectResponse("/authority", status_code=303))


@router.get("/authority", response_class=HTMLResponse)
def receipts(request: Request) -> Response:
    """Filed versions awaiting publication: the latest version of each report, unpublished."""
    who = _guard(request)
    if isinstance(who, Response):
        return who
    r = funds_report.c
    latest = (
        sa.select(r.organization_id, r.year, sa.func.max(r.version).label("version"))
        .group_by(r.organization_id, r.year)
        .subquery("latest")
    )
    with request.app.state.engine.connect() as conn:
        rows = conn.execute(
            sa.select(r.organization_id, r.year, r.version, r.filed_at, r.reason, r.report)
            .join(
                latest,
                (latest.c.organization_id == r.organization_id)
                & (latest.c.year == r.year)
                & (latest.c.version == r.version),
            )
            .where(r.published_at.is_(None))
            .order_by(r.filed_at, r.organization_id)
            .limit(500)
        ).all()
    waiting = [
        {
            "organization_id": row.organization_id,
            "name": (row.report or {}).get("organization_name", ""),
            "year": row.year,
            "version": row.version,
            "filed_at": row.filed_at,
            "reason": row.reason,
        }
        for row in rows
    ]
    notice = request.query_params.get("published", "")
    return render(
        request,
        "funds/app/receipts.html",
        {"who": who, "waiting": waiting, "notice": notice[:120] if notice.isprintable() else ""},
    )


def _key(org: str, year: str, version: str) -> tuple[str, int, int] | None:
    """Path parts parsed strictly (ASCII digits, bounded), or None for a 404 page."""
    try:
        filer_tokens.validate_organization_id(org)
    except JichiError:
        return None
    if not (year.isascii() and year.isdigit() and len(year) == 4):
        return None
    if not (version.isascii() and version.isdigit() and 1 <= len(version) <= 4):
        return None
    return org, int(year), int(version)


def _report_context(request: Request, key: tuple[str, int, int]) -> dict[str, Any] | None:
    org, year, number = key
    found = versions(request.app.state.engine, org, year)
    chosen: Filed | None = next((f for f in found if f.version == number), None)
    if chosen is None:
        return None
    previous = next((f for f in found if f.version == number - 1), None)
    document = chosen.report.model_dump(mode="json")
    checked = view.read_model(document)
    changes = view.diff(previous.report.model_dump(mode="json"), document) if previous else None
    return {
        "filed": chosen,
        "latest": found[-1].version,
        "published": {f.version: f.published_at for f in found},
        "changes": changes,
        "checked": checked,
        "steps": view.STEPS,
        "labels": view.LABELS,
        "columns": view.COLUMNS,
        "titles": view.TABLE_TITLES,
        "rows": view.rows,
    }


@router.get("/authority/reports/{org}/{year}/{version}", response_class=HTMLResponse)
def report(request: Request, org: str, year: str, version: str) -> Response:
    who = _guard(request)
    if isinstance(who, Response):
        return who
    key = _key(org, year, version)
    context = _report_context(request, key) if key else None
    if context is None:
        return render(
            request,
            "funds/app/denied.html",
            {"who": who, "message": "その収支報告書は提出されていません。", "code": "FND-066"},
            status=404,
        )
    return render(request, "funds/app/report.html", {"who": who, "error": "", **context})


@router.post("/authority/reports/{org}/{year}/{version}/publish", response_class=HTMLResponse)
async def publish_report(request: Request, org: str, year: str, version: str) -> Response:
    """公表: the version becomes the public one, audited, in one transaction."""
    who = _guard(request)
    if isinstance(who, Response):
        return who
    await form(request)
    assert who.actor is not None
    key = _key(org, year, version)
    if key is None:
        return render(
            request,
            "funds/app/denied.html",
            {"who": who, "message": "その収支報告書は提出されていません。", "code": "FND-066"},
            status=404,
        )
    try:
        if who.actor.role not in PUBLISHERS:
            raise JichiError(FORBIDDEN, field="role", role=who.actor.role, action="公表")
        done = publish(
            request.app.state.engine,
            *key,
            who.actor,
            audit_key=request.app.state.audit_key,
        )
    except JichiError as error:
        context = _report_context(request, key)
        if context is None:
            return denied(request, who, error)
        return render(
            request,
            "funds/app/report.html",
            {"who": who, "error": error.message_ja, **context},
            status=error.http_status,
        )
    notice = f"{done.organization_id} {done.year}年分 第{done.version}版"
    return RedirectResponse(f"/authority?published={notice}", status_code=303)


@router.get("/authority/organizations", response_class=HTMLResponse)
def organizations(request: Request) -> Response:
    """Every organisation with its 設立届・異動届・解散届, in the order recorded."""
    who = _guard(request)
    if isinstance(who, Response):
        return who
    n = funds_notification.c
    with request.app.state.engine.connect() as conn:
        rows = conn.execute(
            sa.select(n.organization_id, n.seq, n.kind, n.effective_on, n.body)
            .order_by(n.organization_id, n.seq)
            .limit(5000)
        ).all()
    grouped: dict[str, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.organization_id, []).append(row)
    listed = [
        {
            "organization_id": org,
            "name": next((r.body.get("name") for r in notes if r.kind == "establishment"), ""),
            "notes": [
                {
                    "seq": r.seq,
                    "kind": KINDS.get(r.kind, r.kind),
                    "on": r.effective_on,
                    "body": ", ".join(f"{k}: {v}" for k, v in sorted(r.body.items()))[:300],
                }
                for r in notes
            ],
        }
        for org, notes in grouped.items()
    ]
    return render(request, "funds/app/organizations.html", {"who": who, "organizations": listed})


KINDS = {"establishment": "設立届", "change": "異動届", "dissolution": "解散届"}
