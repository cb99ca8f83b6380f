"""What every server-rendered page shares: templates, the acting person, HTML errors.

A page handler is as thin as an API route: it gets a :class:`Page` (the signed session,
the acting staff member, the registry), calls the same service the API calls, and
renders.  A :class:`JichiError` that escapes a handler becomes an HTML page (or a
redirect to the sign-in page for AUTH-001) instead of problem+json, by way of
:class:`PageRoute`.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib.resources import files
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from jichi import __version__
from jichi.kernel.clock import jst_date
from jichi.kernel.era import format_wareki
from jichi.kernel.errors import NOT_FOUND, JichiError
from jichi.places import cooperation_store
from jichi.registry.entrusted_issue import KINDS
from jichi.registry.service import JST, Registry
from jichi.security.actor import Actor, Role
from jichi.security.policy import AUDIT_ROLES as AUDIT_ROLES  # one policy: jichi.security
from jichi.security.policy import COMMISSION_ROLES as COMMISSION_ROLES
from jichi.security.policy import STAFF_ROLES as STAFF_ROLES
from jichi.security.policy import SUPERVISOR_ROLES as SUPERVISOR_ROLES
from jichi.security.staff import UNAUTHENTICATED, authenticate, require_role
from jichi.web.auth import served_tenant
from jichi.web.pages import session as s
from jichi.web.pages.form_checks import MAX_FIELDS, FormRefused, check_form
from jichi.web.pages.form_checks import shown as shown_name

ENTRUSTED_KINDS = [k.value for k in KINDS]  # what a 委託 of certificate issuance names

templates = Jinja2Templates(directory=str(files("jichi.web") / "templates"))

ROLE_JA = {
    "clerk": "窓口職員",
    "supervisor": "係長（責任者）",
    "auditor": "監査",
    "admin": "管理者",
    "election": "選挙管理委員会",
    "resident": "ご本人",
    "system": "システム",
}


def wareki(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        local = value.astimezone(JST)
        return f"{format_wareki(local.date())} {local:%H:%M}"
    return format_wareki(value)


def _role_ja(role: str | None) -> str:
    return ROLE_JA.get(role or "", role or "—")


def _fid(name: str) -> str:
    """An element id from an input name: ``persons.0.name.family`` → ``f-persons-0-name-family``."""
    return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", name)


templates.env.filters["wareki"] = wareki
templates.env.filters["fid"] = _fid
templates.env.filters["role_ja"] = _role_ja


async def read_form(request: Request) -> AsyncIterator[FormData]:
    """The submitted form, checked by :func:`check_form` (FormRefused with every problem);
    uploaded files (the card reader's) are closed afterwards."""
    form = await request.form(max_fields=MAX_FIELDS + 1, max_files=2)
    try:
        errors = check_form(form)
        if errors:
            raise FormRefused(errors)
        yield form
    finally:
        await form.close()


Form = Annotated[FormData, Depends(read_form)]


async def read_form_kept(request: Request) -> AsyncIterator[FormData]:
    """For the notification forms: :func:`check_form`'s refusals are kept for the form to
    show at their inputs (:func:`refusals`), and the refused inputs are left out, so the
    handler sees only names of the shape it renders — never an error page instead of
    the form the clerk was typing in."""
    form = await request.form(max_fields=MAX_FIELDS + 1, max_files=2)
    try:
        errors = check_form(form)
        request.state.form_refusals = errors
        if errors:
            kept = [
                (k, v)
                for k, v in form.multi_items()
                if (k not in errors and shown_name(k) not in errors and "form" not in errors)
                or k == s.CSRF_FIELD
            ]
            yield FormData(kept)
        else:
            yield form
    finally:
        await form.close()


KeptForm = Annotated[FormData, Depends(read_form_kept)]


def refusals(request: Request) -> dict[str, str]:
    """The :func:`check_form` refusals of this request's form (see :func:`read_form_kept`)."""
    found = getattr(request.state, "form_refusals", None)
    return dict(found) if isinstance(found, dict) else {}


def registry_of(request: Request) -> Registry:
    registry: Registry | None = request.app.state.registry
    if registry is None:
        raise JichiError(NOT_FOUND, field="municipality", what="この団体の住民基本台帳")
    return registry


@dataclass
class Page:
    """One request to a page: who is acting, their session, and how to answer."""

    request: Request
    session: s.Session
    registry: Registry
    actor: Actor | None = None
    context: dict[str, Any] = field(default_factory=dict)

    def require(self, action: str, *roles: Role) -> Actor:
        if self.actor is None:
            raise JichiError(UNAUTHENTICATED)
        require_role(self.actor, action, *roles)
        return self.actor

    def render(self, template: str, status_code: int = 200, **values: Any) -> Response:
        municipality = getattr(self.request.app.state, "municipality", None)
        context = {
            "version": __version__,
            "municipality": municipality,
            "actor": self.actor,
            "entrusted_counter": self._entrusted_counter(),
            "csrf_token": self.session.csrf,
            "path": self.request.url.path,
            **self.context,
            **values,
        }
        response = templates.TemplateResponse(
            self.request, template, context, status_code=status_code
        )
        response.headers["Cache-Control"] = "no-store"  # personal data: never cached
        return s.save(self.request, self.session, response)

    def _entrusted_counter(self) -> bool:
        """Whether the menu offers 「事務の委託」: a counter role of an entrusted member."""
        if self.actor is None or self.actor.role not in ("clerk", "supervisor", "admin"):
            return False
        with self.registry.engine.connect() as conn:
            return cooperation_store.is_entrusted_counter(
                conn, self.registry.lg_code, jst_date(self.registry.clock()), ENTRUSTED_KINDS
            )

    def redirect(self, url: str) -> Response:
        return s.save(self.request, self.session, RedirectResponse(url, status_code=303))


def counter_page(request: Request, form: FormData | None = None, *, signed_in: bool = True) -> Page:
    """The counter page for this request; checks CSRF on a form and the staff sign-in."""
    registry = registry_of(request)
    session = s.load(request, s.COUNTER)
    if form is not None or request.method == "POST":
        submitted = form.get(s.CSRF_FIELD) if form is not None else None
        session.check_csrf(str(submitted) if submitted else request.headers.get(s.CSRF_HEADER))
    page = Page(request, session, registry)
    token = session.get("token")
    if isinstance(token, str):
        with registry.engine.connect() as conn:
            try:
                page.actor = authenticate(conn, token, served=served_tenant(request))
            except JichiError:
                session.clear()
    if signed_in and page.actor is None:
        raise JichiError(UNAUTHENTICATED)
    return page


def resident_page(
    request: Request, form: FormData | None = None, *, signed_in: bool = True
) -> Page:
    registry = registry_of(request)
    session = s.load(request, s.RESIDENT)
    if form is not None:
        submitted = form.get(s.CSRF_FIELD)
        session.check_csrf(str(submitted) if submitted else None)
    page = Page(request, session, registry)
    person_id = session.get("person_id")
    if signed_in and not isinstance(person_id, str):
        raise JichiError(UNAUTHENTICATED)
    return page


class PageRoute(APIRoute):
    """Routes whose errors are pages: sign-in redirects and Japanese error screens."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except JichiError as error:
                return error_page(request, error)

        return route


def error_page(request: Request, error: JichiError) -> Response:
    resident = request.url.path.startswith("/me")
    if error.code == UNAUTHENTICATED.code:
        portal = request.url.path.startswith("/me/portal")
        login = "/me/portal/login" if portal else "/me/login" if resident else "/counter/login"
        target = request.url.path if request.method == "GET" else ""
        url = f"{login}?next={quote(target)}" if target and target != login else login
        return RedirectResponse(url, status_code=303)
    template = "me/error.html" if resident else "counter/error.html"
    response = templates.TemplateResponse(
        request,
        template,
        {
            "version": __version__,
            "municipality": getattr(request.app.state, "municipality", None),
            "actor": None,
            "csrf_token": "",
            "path": request.url.path,
            "error": error,
        },
        status_code=error.http_status,
    )
    return response


def safe_next(target: str | None, default: str) -> str:
    """Only a local path under the same area may follow sign-in (no open redirect)."""
    if target and target.startswith(default) and not target.startswith("//"):
        return target
    return default


HTML = HTMLResponse
