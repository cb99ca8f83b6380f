"""窓口画面 (the counter UI): sign-in, search, a person, a household.

Server-rendered Japanese pages over the same :class:`Registry` methods the JSON API
uses, so every read is audited the same way.  Notification forms live in
``notifications.py`` and the supervisor's pages in ``supervisor.py``; this router
includes both, so the app mounts one router for ``/counter``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response

from jichi.kernel.errors import INVALID_INPUT, JichiError, define
from jichi.registry.errors import HOUSEHOLD_NOT_FOUND
from jichi.registry.events import Event, EventKind
from jichi.registry.model import ResidentRecord
from jichi.registry.queries import SearchQuery
from jichi.registry.resident_access import ResidentAccess
from jichi.security.actor import Actor, Role
from jichi.security.staff import check_password, issue_token, revoke_token
from jichi.security.throttle import SIGN_IN, TOO_MANY_ATTEMPTS, key_of
from jichi.store.engine import write_transaction
from jichi.web.auth import served_tenant
from jichi.web.pages import (
    entrusted_copy,
    issuance_notices,
    merger,
    network,
    notifications,
    person_forms,
    recorded,
    remote_copy,
    supervisor,
)
from jichi.web.pages.common import (
    STAFF_ROLES,
    Form,
    Page,
    PageRoute,
    counter_page,
    safe_next,
)
from jichi.web.pages.forms import LABELS, decode, values_of
from jichi.web.pages.protection_warning import warning
from jichi.web.pages.throttled import attempt, client_key

router = APIRouter(prefix="/counter", include_in_schema=False, route_class=PageRoute)

SIGN_IN_FAILED = define(
    "WEB-006",
    "職員 ID またはパスワードが正しくありません。",
    "wrong staff id or password",
    http_status=401,
)
SEARCH_FIELDS = ("name", "kana", "date_of_birth", "address", "resident_code")
CHANGE_LABELS = {
    **LABELS,
    "household_id": "世帯",
    "status": "状態",
    "address_since": "住所を定めた日",
    "resident_since": "住民となった日",
    "moved_in_on": "転入の届出日",
    "removed_on": "消除日",
    "removal_reason": "消除事由",
    "deceased_on": "死亡日",
    "planned_move_out": "転出予定日",
    "move_out_destination": "転出先",
    "move_out_confirmed": "転出確定",
    "has_individual_number": "個人番号",
    "former_surname": "旧氏",
    "alias": "通称",
    "foreign": "外国人住民の記載事項",
    "qualifications": "資格",
}

# What the notice after a form says was recorded (「…を記録しました」).
FILED_TITLES = {
    "move_in": "転入届",
    "ex_officio_record": "職権記載",
    "correction": "職権修正",
    **{k: spec.title for k, spec in notifications.HOUSEHOLD_KINDS.items()},
    **{k: spec.title for k, spec in person_forms.PERSON_KINDS.items()},
}


# -- sign-in ---------------------------------------------------------------------------


@router.get("/login")
def login_form(request: Request, next: str = "") -> Response:
    page = counter_page(request, signed_in=False)
    if page.actor is not None:
        return page.redirect(safe_next(next, "/counter/"))
    return page.render("counter/login.html", values={}, errors={}, next=next)


@router.post("/login")
def login(request: Request, form: Form) -> Response:
    page = counter_page(request, form, signed_in=False)
    staff_id = str(form.get("staff_id", "")).strip()
    password = str(form.get("password", ""))
    errors: dict[str, str] = {}
    if not staff_id:
        errors["staff_id"] = "職員 ID を入力してください。"
    if not password:
        errors["password"] = "パスワードを入力してください。"
    status = 422
    if not errors:

        def sign_in() -> tuple[Actor, str]:
            with write_transaction(page.registry.engine) as conn:
                actor = check_password(conn, staff_id, password, served=served_tenant(request))
                return actor, issue_token(conn, staff_id, label="counter sign-in")

        keys = [key_of("staff", staff_id.casefold()), client_key(page)]
        try:
            actor, token = attempt(page, SIGN_IN, keys, sign_in)
        except JichiError as error:
            throttled = error.code == TOO_MANY_ATTEMPTS.code
            errors["password"] = (error if throttled else JichiError(SIGN_IN_FAILED)).message_ja
            status = 429 if throttled else 401
        else:
            page.session.start(token=token, staff_id=actor.staff_id)
            return page.redirect(safe_next(str(form.get("next", "")), "/counter/"))
    return page.render(
        "counter/login.html",
        status_code=status,
        values={"staff_id": staff_id},
        errors=errors,
        next=str(form.get("next", "")),
    )


@router.post("/logout")
def logout(request: Request, form: Form) -> Response:
    page = counter_page(request, form, signed_in=False)
    token = page.session.get("token")
    if isinstance(token, str):
        with write_transaction(page.registry.engine) as conn:
            revoke_token(conn, token)
    page.session.clear()
    return page.redirect("/counter/login")


# -- search ----------------------------------------------------------------------------


@router.get("/")
def home(request: Request) -> Response:
    page = counter_page(request)
    if page.actor is not None and page.actor.role == Role.ELECTION:  # the commission's start
        return page.redirect("/counter/elections/")
    page.require("resident.search", *STAFF_ROLES)
    return page.render("counter/search.html", values={}, errors={}, results=None)


@router.post("/search")
def search(request: Request, form: Form) -> Response:
    page = counter_page(request, form)
    results, errors = _search(page, values_of(form))
    return page.render(
        "counter/search.html",
        values=values_of(form),
        errors=errors,
        results=results,
        protected=warning(page, [r.person_id for r in results or []])[0],
    )


@router.post("/search/results")
def search_results(request: Request, form: Form) -> Response:
    """The results list alone: what the search box fetches as the clerk types."""
    page = counter_page(request, form)
    results, errors = _search(page, values_of(form))
    protected = warning(page, [r.person_id for r in results or []])[0]
    return page.render("counter/_results.html", results=results, errors=errors, protected=protected)


def _search(
    page: Page, values: dict[str, Any]
) -> tuple[list[ResidentRecord] | None, dict[str, str]]:
    page.require("resident.search", *STAFF_ROLES)
    outcome = decode(values, fields=SEARCH_FIELDS)
    for key, value in list(outcome.data.items()):  # ``address.town`` is not the search box
        if not isinstance(value, str):
            del outcome.data[key]
            outcome.errors[key] = JichiError(INVALID_INPUT, field=key).message_ja
    if not outcome.ok:
        return None, outcome.errors
    if not outcome.data:
        return None, {}
    data = dict(outcome.data)
    if "date_of_birth" in data:  # decode gives ISO text; PostgreSQL compares a date column
        data["date_of_birth"] = date.fromisoformat(data["date_of_birth"])
    query = SearchQuery(include_removed=values.get("include_removed") == "on", **data)
    try:
        found = page.registry.search(query, page.actor)  # type: ignore[arg-type]
    except JichiError as error:
        return None, {error.field or "name": error.message_ja}
    return found.records, {}


# -- a person --------------------------------------------------------------------------


@router.get("/residents/{person_id}")
def person(request: Request, person_id: str) -> Response:
    page = counter_page(request)
    actor = page.require("resident.read", *STAFF_ROLES)
    record = page.registry.read_record(person_id, actor, purpose="窓口での照会")
    events = page.registry.history(person_id, actor)
    return page.render(
        "counter/person.html",
        record=record,
        timeline=timeline(events),
        issued=None,
        forms=person_forms.available(record, actor),
        filed_titles=FILED_TITLES,
        **_warning(page, person_id),
    )


@router.post("/residents/{person_id}/access-code")
def access_code(request: Request, person_id: str, form: Form) -> Response:
    """本人確認コードの発行: shown once, for the resident to sign in at /me."""
    page = counter_page(request, form)
    actor = page.require("resident_access.issue", *STAFF_ROLES)
    issued = ResidentAccess(page.registry).issue(person_id, actor)
    record = page.registry.read_record(person_id, actor, purpose="本人確認コードの発行")
    events = page.registry.history(person_id, actor)
    return page.render(
        "counter/person.html",
        record=record,
        timeline=timeline(events),
        issued=issued,
        forms=person_forms.available(record, actor),
        filed_titles=FILED_TITLES,
        **_warning(page, person_id),
    )


def _warning(page: Page, person_id: str) -> dict[str, Any]:
    protected, parties = warning(page, [person_id])
    return {"protected": protected.get(person_id, False), "other_parties": parties}


def timeline(events: list[Event]) -> list[dict[str, Any]]:
    """異動履歴, newest first, with the changed items named in Japanese."""
    rows = []
    for ev in reversed(events):
        if ev.kind is EventKind.RECORDED:
            items = ["住民票の記載"]
        else:
            items = [CHANGE_LABELS.get(key, key) for key in ev.changes]
        rows.append(
            {
                "event": ev,
                "changed": "、".join(dict.fromkeys(items)) or "—",
                "address": ev.changes.get("address"),
            }
        )
    return rows


# -- a household -----------------------------------------------------------------------


@router.get("/households/{household_id}")
def household(request: Request, household_id: str) -> Response:
    page = counter_page(request)
    actor = page.require("household.read", *STAFF_ROLES)
    found = page.registry.household(household_id, actor)
    if found is None:
        raise JichiError(HOUSEHOLD_NOT_FOUND, field="household_id", household_id=household_id)
    version, members = found
    removed = [] if members else _removed_members(page, household_id, actor)
    return page.render(
        "counter/household.html",
        household_id=household_id,
        household_version=version,
        members=members,
        removed=removed,
        protected=warning(page, [m.person_id for m in members])[0],
        kinds=notifications.HOUSEHOLD_KINDS,
        filed_titles=FILED_TITLES,
    )


def _removed_members(page: Page, household_id: str, actor: Actor) -> list[ResidentRecord]:
    """Who was in a household that has no member left (after the last 死亡 or 転出): their
    除票, so the page links to them instead of being empty (a search, audited as one)."""
    query = SearchQuery(household_id=household_id, include_removed=True, limit=30)
    found = page.registry.search(query, actor).records
    return [r for r in found if not r.is_active]


router.include_router(notifications.router)
router.include_router(recorded.router)
router.include_router(supervisor.router)
router.include_router(merger.router)
router.include_router(network.router)
router.include_router(remote_copy.router)
router.include_router(entrusted_copy.router)
router.include_router(issuance_notices.router)  # before /residents/{id}/{kind}
router.include_router(person_forms.router)  # after 職権修正: /residents/{id}/{kind}
