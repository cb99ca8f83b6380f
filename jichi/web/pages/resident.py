"""住民向けの画面 (/me): a resident signs in with a one-time code and sees their record
and every access to it — who (staff id and role), when, what, and for what purpose.

The record is read through ``Registry.read_record`` as the resident themself, so their
own look is in the log too (shown as ご本人).  Card-based sign-in (JPKI) can replace the
code later without changing these pages.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from jichi.kernel.era import parse_date
from jichi.kernel.errors import JichiError
from jichi.registry.resident_access import ResidentAccess
from jichi.security.throttle import ACCESS_CODE, TOO_MANY_ATTEMPTS
from jichi.web.pages import audit_view as view
from jichi.web.pages.common import Form, PageRoute, resident_page
from jichi.web.pages.throttled import attempt, client_key

router = APIRouter(prefix="/me", include_in_schema=False, route_class=PageRoute)


@router.get("/login")
def login_form(request: Request) -> Response:
    page = resident_page(request, signed_in=False)
    return page.render("me/login.html", values={}, errors={})


@router.post("/login")
def login(request: Request, form: Form) -> Response:
    page = resident_page(request, form, signed_in=False)
    code = str(form.get("code", "")).strip()
    born = str(form.get("date_of_birth", "")).strip()
    errors: dict[str, str] = {}
    if not code:
        errors["code"] = "確認コードを入力してください。"
    if not born:
        errors["date_of_birth"] = "生年月日を入力してください。"
    else:
        try:
            date_of_birth = parse_date(born, field="date_of_birth")
        except JichiError as error:
            errors["date_of_birth"] = error.message_ja
    status = 422
    if not errors:
        try:
            person_id = attempt(
                page,
                ACCESS_CODE,
                [client_key(page)],
                lambda: ResidentAccess(page.registry).redeem(code, date_of_birth),
            )
        except JichiError as error:
            errors["code"] = error.message_ja
            status = 429 if error.code == TOO_MANY_ATTEMPTS.code else 422
        else:
            page.session.start(person_id=person_id)
            return page.redirect("/me/")
    return page.render(
        "me/login.html",
        status_code=status,
        values={"code": code, "date_of_birth": born},
        errors=errors,
    )


@router.post("/logout")
def logout(request: Request, form: Form) -> Response:
    page = resident_page(request, form, signed_in=False)
    page.session.clear()
    return page.redirect("/me/login")


@router.get("/")
def my_record(request: Request) -> Response:
    page = resident_page(request)
    person_id = str(page.session.get("person_id"))
    access = ResidentAccess(page.registry)
    actor = access.actor(page.registry.lg_code)
    record = page.registry.read_record(person_id, actor, purpose="本人による閲覧")
    entries = access.accesses(person_id)
    with page.registry.engine.connect() as conn:
        accesses = view.resident_access_rows(conn, page.registry.lg_code, entries)
    return page.render("me/record.html", record=record, accesses=accesses, signed_in=True)
