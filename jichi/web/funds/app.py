"""The funds authority's app: accountants file 収支報告書, the authority receives and publishes.

A separate factory from :func:`jichi.web.app.create_app` (as the center's app is): the
authority that receives political-funds reports — 総務大臣 or a prefectural 選挙管理委員会,
``authority`` being its code — is not the municipality, and shares no sessions with it.  The
public search (``/funds/search``) is mounted here too, so the authority's published data is
searchable on its own site.

Two kinds of user sign in, into one signed cookie (``jichi_funds``, like
:mod:`jichi.web.pages.session`): the authority's staff with a staff account of the
authority's code (:func:`jichi.security.staff.check_password`), and an organisation's
accountant with the organisation id and a filing token (:mod:`jichi.funds.filer_tokens`).
Every request re-checks the account or the token, so a disabled account or a revoked token
stops at once; a filer is never let into an authority page, nor into another organisation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.datastructures import UploadFile

from jichi import __version__
from jichi.funds import filer_tokens
from jichi.kernel.errors import JichiError, define
from jichi.security.actor import Actor
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys, load_keys
from jichi.security.staff import staff
from jichi.web import operations, problems
from jichi.web.funds import view
from jichi.web.pages import funds_search, session
from jichi.web.pages.common import templates

FUNDS = session.Audience("jichi_funds", "/", "jichi.web.funds.v1", 8 * 3600)
MAX_FORM_BYTES = 2_000_000
_AUTHORITY = re.compile(r"[0-9A-Za-z-]{1,20}")

BAD_AUTHORITY = define(
    "FND-082",
    "受付機関のコード「{authority}」が正しくありません（半角英数字と「-」の20文字以内）。",
    "authority code {authority} is not 1 to 20 of A-Z, a-z, 0-9 and '-'",
    params=("authority",),
)
NOT_AUTHORITY_STAFF = define(
    "FND-083",
    "この画面は受付機関（{authority}）の職員だけが使えます。",
    "only staff of the authority {authority} may use this page",
    http_status=403,
    params=("authority",),
)
FORM_TOO_LARGE = define(
    "FND-084",
    "送信された内容が大きすぎます（2MBまで）。",
    "the form is over 2 MB",
    http_status=413,
)

templates.env.globals["line_anchor"] = view.anchor


@dataclass(frozen=True)
class Who:
    """The signed-in user: an authority staff member, or an organisation's accountant."""

    actor: Actor | None = None
    organization_id: str | None = None


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    sess: session.Session | None = None,
) -> Response:
    sess = sess or session.load(request, FUNDS)
    base = {
        "version": __version__,
        "authority": request.app.state.authority,
        "csrf": sess.csrf,
        "who": context.pop("who", None),
    }
    response = templates.TemplateResponse(request, name, {**base, **context}, status_code=status)
    return session.save(request, sess, response)


def current(request: Request) -> Who:
    """Who is signed in, re-checked against the database on every request."""
    sess = session.load(request, FUNDS)
    engine: Engine = request.app.state.engine
    kind = sess.get("kind")
    with engine.connect() as conn:
        if kind == "staff" and isinstance(sess.get("staff_id"), str):
            row = conn.execute(
                sa.select(staff.c.staff_id, staff.c.lg_code, staff.c.role).where(
                    staff.c.staff_id == sess.get("staff_id"), staff.c.active.is_(True)
                )
            ).first()
            if row is not None and row.lg_code == request.app.state.authority:
                return Who(actor=Actor(row.staff_id, row.lg_code, row.role))
        if kind == "filer":
            org, digest = sess.get("organization_id"), sess.get("token")
            live = isinstance(org, str) and isinstance(digest, str)
            if live and filer_tokens.is_live(conn, str(org), str(digest)):
                return Who(organization_id=str(org))
    return Who()


async def form(request: Request, *, max_fields: int = 50) -> dict[str, Any]:
    """The POSTed form, size-limited, with its CSRF token checked; a file as its bytes.

    ``max_fields`` is raised only by the step-by-step filing pages (many lines a step)."""
    length = request.headers.get("content-length", "")
    if length and (not length.isdigit() or int(length) > MAX_FORM_BYTES):
        raise JichiError(FORM_TOO_LARGE, field="report")
    async with request.form(
        max_files=1, max_fields=max_fields, max_part_size=MAX_FORM_BYTES
    ) as data:  # closed here: an uploaded file's spool is never left open
        out: dict[str, Any] = {}
        for key, value in data.items():
            if isinstance(value, UploadFile):
                if value.filename:
                    out[key] = await value.read(MAX_FORM_BYTES + 1)
            else:
                out[key] = value
    token = out.get(session.CSRF_FIELD)
    session.load(request, FUNDS).check_csrf(token if isinstance(token, str) else None)
    return out


def text(data: dict[str, Any], name: str, label: str, most: int, errors: dict[str, str]) -> str:
    """A form field as text, refused (at its field) when too long or with NUL/surrogates."""
    value = data.get(name, "")
    if not isinstance(value, str):
        errors[name] = f"{label}の形式が正しくありません。"
        return ""
    value = value.strip()
    if len(value) > most or "\x00" in value or any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        errors[name] = f"{label}は{most}文字以内の文字で入力してください。"
        return ""
    return value


def denied(request: Request, who: Who, error: JichiError) -> Response:
    return render(
        request,
        "funds/app/denied.html",
        {"who": who, "message": error.message_ja, "code": error.code},
        status=error.http_status,
    )


def _home(request: Request) -> Response:
    who = current(request)
    if who.actor is not None:
        return RedirectResponse("/authority", status_code=303)
    if who.organization_id is not None:
        return RedirectResponse("/filer", status_code=303)
    return render(request, "funds/app/home.html", {"who": who})


async def _sign_out(request: Request) -> Response:
    await form(request)
    sess = session.load(request, FUNDS)
    sess.clear()
    return session.save(request, sess, RedirectResponse("/", status_code=303))


async def _page_error(request: Request, error: Exception) -> Response:
    """A typed error on a page (CSRF, size) as a Japanese page, never a JSON body or a 500."""
    assert isinstance(error, JichiError)
    if not request.url.path.startswith(("/filer", "/authority", "/sign-out")):
        return problems.problem_response(error)
    return denied(request, current(request), error)


def create_funds_app(engine: Engine, *, authority: str, keys: Keys | None = None) -> FastAPI:
    """Build the funds app for one receiving authority around an engine made by the caller."""
    if not _AUTHORITY.fullmatch(authority):
        raise JichiError(BAD_AUTHORITY, field="authority", authority=authority[:40])
    from jichi.web.funds import authority as authority_pages
    from jichi.web.funds import draft_pages
    from jichi.web.funds import filer as filer_pages

    keys = keys or load_keys(engine.url.render_as_string(hide_password=False))
    cipher = FieldCipher(keys)
    app = FastAPI(
        title="jichi funds",
        version=__version__,
        description="政治資金: 収支報告書の提出・受付・公表",
        docs_url=None,
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.authority = authority
    app.state.audit_key = cipher.audit_key
    app.state.page_secret = cipher.lookup_hash("cookie-signing", context="jichi.web.funds")
    app.state.municipality = None
    problems.install(app)
    operations.install(app, service="funds", engine=engine)
    app.add_exception_handler(JichiError, _page_error)
    app.mount("/static", StaticFiles(directory=str(files("jichi.web") / "static")), name="static")
    app.add_api_route("/", _home, methods=["GET"], response_class=HTMLResponse)
    app.add_api_route("/sign-out", _sign_out, methods=["POST"])
    app.include_router(funds_search.router)
    app.include_router(filer_pages.router)
    app.include_router(draft_pages.router)
    app.include_router(authority_pages.router)
    return app
