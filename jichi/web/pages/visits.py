"""来庁予定 at the counter (/counter/visits): the online 転出 arrives at the new municipality.

The list shows only the reservations booked *for this municipality*
(:meth:`ReservationStore.booked_here`; row security on PostgreSQL).  When the resident
comes, the clerk takes the 特例転入 with the card and its PIN: the counter's card reader
signs a fresh challenge with the 利用者証明用 key (the PIN is tried, and counted, on the
card), the certificate must be good and belong to the person who filed the move-out, and
the move-in goes to the network's card move-in (:func:`request_card_move_in`): pending
until the old municipality's 転出証明書情報 arrives, then recorded.  継続利用 of the card
follows at the same page: the card, which followed its holder here with the 転入, checks
each holder's 住民基本台帳用 PIN and ends its move clock (``CardStore.continue_use``;
wrong PINs are counted and all reported at once), and the move-in records it
(:func:`record_continued_use`).  A holder whose card is not in this database (the old
municipality's own) is recorded on the move-in only.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from jichi.kernel.clock import jst_date
from jichi.kernel.era import parse_date
from jichi.kernel.errors import JichiError
from jichi.mynumber import wiring as mynumber_wiring
from jichi.mynumber.card_store import CardStore
from jichi.mynumber.jpki.token import Purpose
from jichi.mynumber.portal import challenge
from jichi.mynumber.portal import errors as pe
from jichi.mynumber.portal.reader import ReaderOutput
from jichi.mynumber.portal.signatures import check
from jichi.network.flows import errors as ne
from jichi.network.flows.card_move import (
    CardMoveIn,
    PendingMoveIn,
    get_pending,
    record_continued_use,
    request_card_move_in,
)
from jichi.network.flows.visit_reservation import Reservation, ReservationStore
from jichi.registry.model import Address
from jichi.security.staff import OTHER_MUNICIPALITY_STAFF
from jichi.store.engine import write_transaction
from jichi.web.pages.common import STAFF_ROLES, Form, Page, PageRoute, counter_page
from jichi.web.pages.portal import READER_LIMIT
from jichi.web.pages.portal_receipt import cas_of, portal_node

router = APIRouter(prefix="/counter/visits", include_in_schema=False, route_class=PageRoute)

DONE = {
    "requested": "特例転入を受け付けました。転出地の転出証明書情報を待っています。",
    "continued": "カードの継続利用を記録しました。",
}
STATUS_JA = {"booked": "来庁予定", "arrived": "来庁済み"}
PENDING_JA = {
    "pending": "転出地の返事待ち",
    "registered": "転入を記録しました",
    "refused": "転出地が拒否・期間外",
    "failed": "転入を記録できず",
}


def _staff(request: Request, action: str, form: Any = None) -> Page:
    page = counter_page(request, form)
    actor = page.require(action, *STAFF_ROLES)
    if actor.lg_code != page.registry.lg_code:
        raise JichiError(OTHER_MUNICIPALITY_STAFF, field="staff_id", staff_id=actor.staff_id)
    return page


@router.get("")
def visits(request: Request) -> Response:
    page = _staff(request, "portal.visits.read")
    actor = page.actor
    assert actor is not None
    with write_transaction(page.registry.engine) as conn:
        booked = ReservationStore(page.registry.lg_code).booked_here(conn)
        if booked:  # names of people moving in: a read of personal data, audited
            page.registry.audit_each(
                conn,
                actor,
                [v.filer_person_id for v in booked],
                action="portal.visit.read",
                detail={"list": True},
            )
    return page.render(
        "counter/visits.html", reservations=booked, status_ja=STATUS_JA, values={}, errors={}
    )


def _pending(page: Page, request: Request, reservation: Reservation) -> PendingMoveIn | None:
    if not reservation.move_in_request_id:
        return None
    return get_pending(portal_node(request, page.registry), reservation.move_in_request_id)


def _visit_page(
    page: Page,
    request: Request,
    reservation_id: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    done: str = "",
) -> Response:
    registry = page.registry
    with write_transaction(registry.engine) as conn:
        reservation = ReservationStore(registry.lg_code).get_here(conn, reservation_id)
        text = challenge.issue(conn, registry.lg_code, registry.clock())
        assert page.actor is not None
        registry.audit(
            conn,
            page.actor,
            action="portal.visit.read",
            subject_person_id=reservation.filer_person_id,
            detail={"reservation_id": reservation_id, "from": reservation.lg_code},
        )
    pending = _pending(page, request, reservation)
    holders: dict[str, str] = {}
    if pending is not None and pending.status.value == "registered":
        use = pending.outcome.get("card_continued_use", {})
        waiting = [p for p in use.get("card_holders", []) if p not in use.get("done", [])]
        holders = registry.names(waiting, page.actor, purpose="カードの継続利用")
    defaults = {
        k: str(reservation.destination.get(k, ""))
        for k in ("town", "block", "building", "postal_code")
    }
    return page.render(
        "counter/visit.html",
        status_code=status_code,
        reservation=reservation,
        pending=pending,
        holders=holders,
        pending_ja=PENDING_JA,
        status_ja=STATUS_JA,
        challenge=text,
        values={**defaults, **(values or {})},
        errors=errors or {},
        done=DONE.get(done, ""),
    )


@router.get("/{reservation_id}")
def visit(request: Request, reservation_id: str, done: str = "") -> Response:
    page = _staff(request, "portal.visits.read")
    return _visit_page(page, request, reservation_id, done=done)


@router.post("/{reservation_id}/move_in")
def move_in(request: Request, reservation_id: str, form: Form) -> Response:
    """特例転入 with the card and its PIN (住基法24条の2)."""
    page = _staff(request, "portal.visits.move_in", form)
    registry = page.registry
    actor = page.actor
    assert actor is not None
    fields = ("effective_date", "town", "block", "building", "postal_code")
    values = {k: str(form.get(k, "")).strip()[:200] for k in fields}
    raw = str(form.get("reader_output", "")).strip()
    text = str(form.get("challenge", ""))[:200]
    errors: dict[str, str] = {}
    with registry.engine.connect() as conn:
        reservation = ReservationStore(registry.lg_code).get_here(conn, reservation_id)
    if reservation.move_in_request_id:
        errors[""] = "この来庁予定の転入は受付済みです。"
    moved_on = None
    try:
        moved_on = parse_date(values["effective_date"], field="effective_date")
    except JichiError as error:
        errors["effective_date"] = error.message_ja
    if not values["town"]:
        errors["town"] = "住所の町字を入力してください。"
    if not raw or len(raw) > READER_LIMIT:
        errors["reader_output"] = "カードリーダーの読み取り結果を貼り付けてください。"
    if not errors and moved_on is not None:
        try:
            output = ReaderOutput.parse(raw, Purpose.AUTH)
            now = registry.clock()
            with write_transaction(registry.engine) as conn:
                challenge.consume(conn, registry.lg_code, text, now)
            signer = check(
                registry.engine, cas_of(request), output, text.encode(), Purpose.AUTH, now
            )
            if (
                signer.person_id != reservation.filer_person_id
                or signer.lg_code != reservation.lg_code
            ):
                raise JichiError(pe.SIGNER_MISMATCH, field="reader_output")
            address = Address.model_validate(
                {**reservation.destination, **{k: values[k] for k in fields[1:]}}
            )
            draft = CardMoveIn(
                from_lg_code=reservation.lg_code,
                resident_code=reservation.resident_code,
                effective_date=moved_on,
                address=address,
                note="引越しワンストップ（来庁予定）",
            )
            pending = request_card_move_in(portal_node(request, registry), draft, actor)
            with write_transaction(registry.engine) as conn:
                ReservationStore(registry.lg_code).mark_arrived(
                    conn, reservation_id, pending.request_id, now
                )
        except JichiError as error:
            errors[error.field if error.field in fields else "reader_output"] = error.message_ja
        else:
            return page.redirect(f"/counter/visits/{reservation_id}?done=requested")
    return _visit_page(page, request, reservation_id, values=values, errors=errors, status_code=422)


@router.post("/{reservation_id}/continued_use")
def continued_use(request: Request, reservation_id: str, form: Form) -> Response:
    """継続利用 for the card holders of a recorded 特例転入 (within 90 days)."""
    page = _staff(request, "portal.visits.continued_use", form)
    actor = page.actor
    assert actor is not None
    with page.registry.engine.connect() as conn:
        reservation = ReservationStore(page.registry.lg_code).get_here(conn, reservation_id)
    pending = _pending(page, request, reservation)
    if pending is None:
        raise JichiError(ne.RESERVATION_NOT_FOUND, field="reservation_id")
    node = portal_node(request, page.registry)
    registry = page.registry
    cards = CardStore(
        registry.engine,
        registry.lg_code,
        listeners=mynumber_wiring.card_listeners(),
        actor=actor,
        audit_key=registry.cipher.audit_key,
    )
    today = jst_date(registry.clock())
    use = pending.outcome.get("card_continued_use", {})
    errors: dict[str, str] = {}
    for person_id in use.get("card_holders", []):
        if person_id in use.get("done", []):
            continue
        card = cards.live_card_of(person_id)
        if card is not None and card.move is not None:
            field = f"pin-{person_id}"
            pin = str(form.get(field, ""))[:16]
            if not pin:
                errors[field] = "住民基本台帳用の暗証番号（数字4桁）を入力してください。"
                continue
            try:
                cards.continue_use(card.card_id, today, pin=pin)
            except JichiError as error:
                errors[field] = error.message_ja
                continue
        record_continued_use(node, pending.request_id, person_id, actor)
    if errors:
        return _visit_page(page, request, reservation_id, errors=errors, status_code=422)
    return page.redirect(f"/counter/visits/{reservation_id}?done=continued")
