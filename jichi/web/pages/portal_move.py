"""オンライン転出 (/me/portal/move-out): fill, sign with the 署名用 certificate, book the visit.

Two steps.  The form (destination, planned date, members moving together — only the
filer's household is offered, and the network's rules refuse anyone else — and the
来庁予定日) is checked all at once and turned into the canonical document
(:class:`OnlineMoveOut`); the second page shows it and what to sign (``jichi mynumber
reader sign --purpose sign``, PIN of 6–16 characters, 5 tries).  The signed bytes come
back with the reader's output and the old municipality receives them
(:func:`jichi.web.pages.portal_receipt.receive`): what is recorded is parsed from the
signed bytes, never from the form.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.datastructures import FormData

from jichi.kernel.era import parse_date
from jichi.kernel.errors import JichiError
from jichi.mynumber.jpki.token import Purpose
from jichi.mynumber.portal import errors as pe
from jichi.mynumber.portal.move_out_form import OnlineMoveOut, check_visit
from jichi.mynumber.portal.reader import ReaderOutput
from jichi.places.catalog import default_catalog
from jichi.registry.model import ResidentRecord
from jichi.registry.resident_access import ResidentAccess
from jichi.web.pages.common import Form, Page, PageRoute
from jichi.web.pages.portal import READER_LIMIT, portal_page
from jichi.web.pages.portal_receipt import cas_of, portal_node, receive
from jichi.web.pages.remote_copy import find_holder

router = APIRouter(prefix="/me/portal", include_in_schema=False, route_class=PageRoute)

FIELDS = ("destination", "town", "block", "building", "postal_code", "planned_date", "visit_on")


def _me(page: Page) -> tuple[str, ResidentRecord, list[ResidentRecord]]:
    """The filer and the other members of their household (read as the resident)."""
    person_id = str(page.session.get("person_id"))
    registry = page.registry
    actor = ResidentAccess.actor(registry.lg_code)
    record = registry.read_record(person_id, actor, purpose="オンライン転出の届出")
    found = registry.household(record.household_id, actor)
    members = [m for m in (found[1] if found else []) if m.person_id != person_id]
    return person_id, record, members


def _form_page(page: Page, values: dict[str, Any], errors: dict[str, str], status: int) -> Response:
    _, record, members = _me(page)
    return page.render(
        "me/portal_move_out.html",
        status_code=status,
        record=record,
        members=members,
        values=values,
        errors=errors,
        signed_in=True,
    )


@router.get("/move-out")
def move_out_form(request: Request) -> Response:
    page = portal_page(request)
    return _form_page(page, {"members": []}, {}, 200)


def _date(values: dict[str, Any], name: str, label: str, errors: dict[str, str]) -> date | None:
    if not values.get(name):
        errors[name] = f"{label}を入力してください。"
        return None
    try:
        return parse_date(str(values[name]), field=name)
    except JichiError as error:
        errors[name] = error.message_ja
        return None


def _document(
    page: Page, form: FormData
) -> tuple[OnlineMoveOut | None, dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {k: str(form.get(k, "")).strip()[:200] for k in FIELDS}
    values["members"] = [str(v)[:64] for v in form.getlist("person_ids")][:30]
    errors: dict[str, str] = {}
    person_id, _record, members = _me(page)
    code, problem = find_holder(values["destination"]) if values["destination"] else ("", "")
    if not values["destination"]:
        errors["destination"] = "転出先の市区町村を入力してください。"
    elif problem:
        errors["destination"] = problem
    elif code == page.registry.lg_code:
        errors["destination"] = "同じ市区町村の中での引越しは転居届です（窓口へ）。"
    if not values["town"]:
        errors["town"] = "転出先の町字を入力してください。"
    planned = _date(values, "planned_date", "転出予定日", errors)
    visit = _date(values, "visit_on", "来庁予定日", errors)
    if planned and visit:
        try:
            check_visit(planned, visit)
        except JichiError as error:
            errors["visit_on"] = error.message_ja
    allowed = {m.person_id: m for m in members}
    for pid in values["members"]:
        if pid not in allowed:
            errors["members"] = JichiError(
                pe.NOT_A_HOUSEHOLD_MEMBER, name="—", person_id=pid
            ).message_ja
    if errors or planned is None or visit is None:
        return None, values, errors
    place = default_catalog().get(code)
    destination = {
        "prefecture": place.prefecture,
        "municipality": place.name,
        "town": values["town"],
        "block": values["block"],
        "building": values["building"],
        "postal_code": values["postal_code"],
        "lg_code": code,
    }
    document = OnlineMoveOut(
        lg_code=page.registry.lg_code,
        filer_person_id=person_id,
        person_ids=[person_id, *values["members"]],
        planned_date=planned,
        visit_on=visit,
        destination=destination,
        challenge=secrets.token_urlsafe(16),
    )
    return document, values, errors


@router.post("/move-out")
def move_out_review(request: Request, form: Form) -> Response:
    page = portal_page(request, form)
    document, values, errors = _document(page, form)
    if document is None:
        return _form_page(page, values, errors, 422)
    return _sign_page(page, document, {}, 200)


def _sign_page(
    page: Page, document: OnlineMoveOut, errors: dict[str, str], status: int
) -> Response:
    _, record, members = _me(page)
    names = {m.person_id: m.name.text() for m in [record, *members]}
    encoded = base64.b64encode(document.canonical()).decode("ascii")
    return page.render(
        "me/portal_move_out_sign.html",
        status_code=status,
        document=document,
        encoded=encoded,
        names=names,
        values={},
        errors=errors,
        signed_in=True,
    )


@router.post("/move-out/sign")
def move_out_sign(request: Request, form: Form) -> Response:
    page = portal_page(request, form)
    raw_document = str(form.get("document", ""))[:READER_LIMIT]
    raw = str(form.get("reader_output", "")).strip()
    try:
        signed = base64.b64decode(raw_document, validate=True)
        document = OnlineMoveOut.parse(signed)
    except (binascii.Error, ValueError, JichiError):
        return _form_page(
            page,
            {"members": []},
            {"": "署名する転出届を読み取れません。最初から入力してください。"},
            422,
        )
    errors: dict[str, str] = {}
    if not raw:
        errors["reader_output"] = "カードリーダーの読み取り結果を貼り付けてください。"
    elif len(raw) > READER_LIMIT:
        errors["reader_output"] = "読み取り結果が長すぎます。"
    if not errors:
        try:
            output = ReaderOutput.parse(raw, Purpose.SIGN)
            receive(
                portal_node(request, page.registry),
                cas_of(request),
                str(page.session.get("person_id")),
                signed,
                output,
                page.registry.clock(),
            )
        except JichiError as error:
            errors["reader_output"] = error.message_ja
        else:
            return page.redirect("/me/portal/?done=moved")
    return _sign_page(page, document, errors, 422)
