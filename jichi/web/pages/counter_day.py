"""受付 and the work queues, and the fee table: the counter day's pages (thin).

``/counter/receptions`` shows the day's 受付 by queue (受付中, 確認待ち, 決裁待ち,
発行待ち, ネットワーク待ち, then the finished ones) and a form that gives the next
visitor a 窓口番号; each item has buttons for its next moves (決裁 only for a
supervisor).  ``/counter/fees`` shows the municipality's 手数料 per kind (the demo's
amounts marked as examples) and lets a supervisor change them.  Every handler calls
the domain (:mod:`jichi.registry.counter_day`) and renders.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from jichi.kernel.clock import jst_date
from jichi.kernel.errors import JichiError
from jichi.registry.certificates import CertificateKind
from jichi.registry.counter_day import fees, receipts, reception
from jichi.registry.counter_day.reception import MOVES, PURPOSES, QUEUES, State
from jichi.security.policy import SUPERVISOR_ROLES
from jichi.web.pages.common import STAFF_ROLES, Form, Page, PageRoute, counter_page

router = APIRouter(prefix="/counter", include_in_schema=False, route_class=PageRoute)

PURPOSE_CHOICES = [("", "（選んでください）"), *PURPOSES.items()]
FINISHED = (State.DONE, State.CANCELLED)


def reception_of(page: Page, reception_id: object) -> reception.Reception | None:
    """The 受付 a form was opened from (its hidden ``reception_id``), or None.

    A form that carries an unknown or another municipality's id simply belongs to no
    受付: the 窓口番号 is a convenience for the visit, never a reason to refuse a form.
    """
    text = str(reception_id or "").strip()[:36]
    if not text:
        return None
    with page.registry.engine.connect() as conn:
        return reception.find(conn, page.registry.lg_code, text)


def attach_person(page: Page, reception_id: object, person_ids: list[str]) -> str:
    """After a 転入 from a 受付: the 受付 names the new head (the first person recorded).

    Returns the 受付's id for the result page's links, or "" when there is none.
    """
    found = reception_of(page, reception_id)
    if found is None:
        return ""
    actor = page.actor
    if person_ids and actor is not None:
        registry = page.registry
        reception.attach_person(
            registry.engine,
            registry.lg_code,
            found.reception_id,
            person_ids[0],
            actor,
            registry.clock,
            registry.cipher.audit_key,
        )
    return found.reception_id


def _queue_page(
    page: Page,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    opened: reception.Reception | None = None,
    status_code: int = 200,
) -> Response:
    registry = page.registry
    day = jst_date(registry.clock())
    with registry.engine.connect() as conn:
        found = reception.queues(conn, registry.lg_code, day)
        unpaid = receipts.open_fees(conn, registry.lg_code, day)
    actor = page.actor
    supervisor = actor is not None and actor.role in {r.value for r in SUPERVISOR_ROLES}
    return page.render(
        "counter/receptions.html",
        status_code=status_code,
        day=day,
        queues=[(state, found[state]) for state in QUEUES],
        finished=[item for state in FINISHED for item in found[state]],
        moves={state: sorted(MOVES[state], key=list(State).index) for state in State},
        supervisor=supervisor,
        purposes=PURPOSE_CHOICES,
        values=values or {},
        errors=errors or {},
        opened=opened,
        unpaid=unpaid,
    )


@router.get("/receptions")
def receptions(request: Request, person_id: str = "") -> Response:
    """The queues; ``?person_id=`` opens the next 受付 for that resident (証明書の請求)."""
    page = counter_page(request)
    page.require("reception.open", *STAFF_ROLES)
    values = {"person_id": person_id[:36], "purpose": "certificate"} if person_id else {}
    return _queue_page(page, values=values)


@router.post("/receptions")
def open_reception(request: Request, form: Form) -> Response:
    """受付: the next 窓口番号 of the day for this visitor."""
    page = counter_page(request, form)
    actor = page.require("reception.open", *STAFF_ROLES)
    values = {
        "purpose": str(form.get("purpose", "")).strip(),
        "visitor_name": str(form.get("visitor_name", "")).strip()[:200],
        "person_id": str(form.get("person_id", "")).strip()[:36],
    }
    registry = page.registry
    try:
        opened = reception.open_reception(
            registry.engine,
            registry.lg_code,
            actor,
            registry.clock,
            registry.cipher.audit_key,
            purpose=values["purpose"],
            visitor_name=values["visitor_name"],
            person_id=values["person_id"] or None,
        )
    except JichiError as error:
        return _queue_page(
            page, values=values, errors={error.field or "": error.message_ja}, status_code=422
        )
    return _queue_page(page, opened=opened)


@router.post("/receptions/advance")
def advance(request: Request, form: Form) -> Response:
    """Move one 受付 to its next queue (決裁待ち → only by a supervisor)."""
    page = counter_page(request, form)
    actor = page.require("reception.advance", *STAFF_ROLES)
    registry = page.registry
    version_text = str(form.get("version", "")).strip()
    try:
        to = State(str(form.get("to", "")))
    except ValueError:
        return _queue_page(page, errors={"": "移す先の状態が正しくありません。"}, status_code=422)
    try:
        reception.advance(
            registry.engine,
            registry.lg_code,
            str(form.get("reception_id", ""))[:36],
            to,
            actor,
            registry.clock,
            registry.cipher.audit_key,
            version=int(version_text)
            if version_text.isascii() and version_text.isdigit()
            else None,
            note=str(form.get("note", ""))[:500],
        )
    except JichiError as error:
        if error.http_status == 403:
            raise
        return _queue_page(page, errors={"": error.message_ja}, status_code=error.http_status)
    return page.redirect("/counter/receptions")


# -- the fee table -----------------------------------------------------------------------


def _fees_page(
    page: Page,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    saved: bool = False,
    status_code: int = 200,
) -> Response:
    with page.registry.engine.connect() as conn:
        table = fees.fee_table(conn, page.registry.lg_code)
    actor = page.actor
    supervisor = actor is not None and actor.role in {r.value for r in SUPERVISOR_ROLES}
    rows = [(kind, table.fee(kind), kind in table.example) for kind in CertificateKind]
    return page.render(
        "counter/fees.html",
        status_code=status_code,
        rows=rows,
        exemptions=fees.EXEMPTIONS,
        supervisor=supervisor,
        errors=errors or {},
        values=values or {f"fee.{k.value}": str(fee) for k, fee, _ in rows},
        saved=saved,
    )


@router.get("/fees")
def fee_page(request: Request) -> Response:
    page = counter_page(request)
    page.require("reception.open", *STAFF_ROLES)
    return _fees_page(page)


@router.post("/fees")
def save_fees(request: Request, form: Form) -> Response:
    """The supervisor's own amounts (手数料条例); every wrong amount is shown at once."""
    page = counter_page(request, form)
    actor = page.require("fee.set", *SUPERVISOR_ROLES)
    registry = page.registry
    values = {
        f"fee.{k.value}": str(form.get(f"fee.{k.value}", "")).strip() for k in CertificateKind
    }
    parsed: dict[CertificateKind, int] = {}
    errors: dict[str, str] = {}
    for kind in CertificateKind:
        try:
            parsed[kind] = fees.parse_fee(kind, values[f"fee.{kind.value}"])
        except JichiError as error:
            errors[f"fee.{kind.value}"] = error.message_ja
    if errors:
        return _fees_page(page, errors=errors, values=values, status_code=422)
    with registry.engine.connect() as conn:
        current = fees.fee_table(conn, registry.lg_code)
    for kind, amount in parsed.items():
        if amount != current.fee(kind) or kind in current.example:
            fees.set_fee(
                registry.engine,
                registry.lg_code,
                kind,
                amount,
                actor,
                registry.clock(),
                registry.cipher.audit_key,
            )
    return _fees_page(page, saved=True)
