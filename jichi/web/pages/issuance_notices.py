"""本人通知制度 at the counter: 事前登録 from the person page, and sending the notices.

* ``/counter/residents/{id}/issuance_notification``: the person's registrations (3 years,
  renewable from one month before the end) and the buttons to register (or renew) and
  to withdraw (廃止の申出).  Both go through :mod:`jichi.registry.issuance_notification`,
  which audits them; its refusals (INO-001/003/004) are shown on the page.
* ``/counter/issuance_notices``: the notices written when a copy went to a proxy, a
  third party or a professional and not yet sent.  Each can be printed as a letter
  (an HTML page made for the printer: the date issued, the document, the number of
  copies and the requester's class — never who the requester was, facts §11.2) and
  then marked sent (``sent_at``, audited; INO-006 if it was sent already).

Reading a person's name and address for the list or the letter goes through
``Registry.read_record``, so each is audited with its purpose.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from jichi.kernel.errors import JichiError
from jichi.registry import issuance_notification as ino
from jichi.registry.model import ResidentRecord
from jichi.registry.service import JST
from jichi.web.pages.common import STAFF_ROLES, Form, Page, PageRoute, counter_page
from jichi.web.pages.protection_warning import warning

router = APIRouter(route_class=PageRoute)


def _person_page(
    page: Page, person_id: str, *, done: str = "", error: JichiError | None = None
) -> Response:
    actor = page.require("issuance_notification", *STAFF_ROLES)
    record = page.registry.read_record(person_id, actor, purpose="本人通知制度の登録")
    today = page.registry.clock().astimezone(JST).date()
    found = ino.registrations_of(page.registry.engine, page.registry.lg_code, person_id)
    current = next((r for r in reversed(found) if r.active_on(today)), None)
    return page.render(
        "counter/issuance_notification.html",
        status_code=error.http_status if error else 200,
        record=record,
        registrations=found,
        current=current,
        today=today,
        done=done,
        errors={"": error.message_ja} if error else {},
        values={},
        notices=ino.notices(page.registry.engine, page.registry.lg_code, person_id),
    )


@router.get("/residents/{person_id}/issuance_notification")
def registration_page(request: Request, person_id: str, done: str = "") -> Response:
    return _person_page(counter_page(request), person_id, done=done)


@router.post("/residents/{person_id}/issuance_notification")
def register(request: Request, person_id: str, form: Form) -> Response:
    page = counter_page(request, form)
    actor = page.require("issuance_notification", *STAFF_ROLES)
    today = page.registry.clock().astimezone(JST).date()
    try:
        ino.register(
            page.registry.engine,
            page.registry.lg_code,
            person_id,
            actor,
            today,
            audit_key=page.registry.cipher.audit_key,
        )
    except JichiError as error:
        return _person_page(page, person_id, error=error)
    return page.redirect(f"/counter/residents/{person_id}/issuance_notification?done=registered")


@router.post("/residents/{person_id}/issuance_notification/end")
def withdraw(request: Request, person_id: str, form: Form) -> Response:
    page = counter_page(request, form)
    actor = page.require("issuance_notification", *STAFF_ROLES)
    today = page.registry.clock().astimezone(JST).date()
    try:
        ino.end(
            page.registry.engine,
            page.registry.lg_code,
            person_id,
            actor,
            today,
            ino.EndReason.WITHDRAWN,
            audit_key=page.registry.cipher.audit_key,
        )
    except JichiError as error:
        return _person_page(page, person_id, error=error)
    return page.redirect(f"/counter/residents/{person_id}/issuance_notification?done=ended")


@router.get("/issuance_notices")
def unsent_page(request: Request, sent: str = "") -> Response:
    page = counter_page(request)
    actor = page.require("issuance_notification", *STAFF_ROLES)
    waiting = ino.unsent(page.registry.engine, page.registry.lg_code)
    people: dict[str, ResidentRecord] = {}
    for notice in waiting:
        if notice.person_id not in people:
            people[notice.person_id] = page.registry.read_record(
                notice.person_id, actor, purpose="本人通知の送付"
            )
    protected = warning(page, list(people))[0]
    return page.render(
        "counter/issuance_notices.html",
        notices=waiting,
        people=people,
        sent=sent,
        protected=protected,
    )


@router.get("/issuance_notices/{notice_id}/letter")
def letter(request: Request, notice_id: str) -> Response:
    page = counter_page(request)
    actor = page.require("issuance_notification", *STAFF_ROLES)
    notice = ino.get_notice(page.registry.engine, page.registry.lg_code, notice_id)
    record = page.registry.read_record(notice.person_id, actor, purpose="本人通知書の印刷")
    today = page.registry.clock().astimezone(JST).date()
    protected = warning(page, [record.person_id])[0].get(record.person_id, False)
    return page.render(
        "counter/issuance_notice_letter.html",
        notice=notice,
        record=record,
        today=today,
        protected=protected,
    )


@router.post("/issuance_notices/{notice_id}/sent")
def mark_sent(request: Request, notice_id: str, form: Form) -> Response:
    page = counter_page(request, form)
    actor = page.require("issuance_notification", *STAFF_ROLES)
    ino.mark_sent(
        page.registry.engine,
        page.registry.lg_code,
        notice_id,
        actor,
        page.registry.clock(),
        audit_key=page.registry.cipher.audit_key,
    )
    return page.redirect(f"/counter/issuance_notices?sent={notice_id}")
