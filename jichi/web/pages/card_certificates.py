"""電子証明書の発行 at the counter: keys made inside the card's chip, then certified.

After 交付 (the PINs set), the resident types the 署名用 and 利用者証明用 PINs; each is
tried on the card (counted, as every PIN use) and opens that key's token, where the key
pair is generated; the CA certifies the public halves (:func:`jichi.mynumber.portal.chip.certify`).
With ``JICHI_CHIP_PROVISION=softhsm`` (the demo and the tests) the blank chip is first
made in SoftHSM2, one token per PIN; with a real card the chip already exists.  Under-15s
get the 利用者証明用 certificate only.  PINs are never rendered back or logged.
"""

from __future__ import annotations

import os
from datetime import date, datetime

from fastapi import APIRouter, Request, Response

from jichi.kernel.age import age_on
from jichi.kernel.errors import JichiError
from jichi.mynumber.jpki.profiles import Holder
from jichi.mynumber.jpki.token import Purpose
from jichi.mynumber.pins import PinKind, check_format
from jichi.mynumber.portal.chip import PIN_OF, certify, provision_softhsm
from jichi.registry.service import JST
from jichi.store.engine import write_transaction
from jichi.web.pages.common import Form, PageRoute
from jichi.web.pages.mynumber_card import _card_page, _record, _staff, _store
from jichi.web.pages.portal_receipt import cas_of

router = APIRouter(prefix="/counter/mynumber", include_in_schema=False, route_class=PageRoute)

SIGNING_MIN_AGE = 15


def _purposes(born: date, today: date) -> list[Purpose]:
    if age_on(born, today, field="date_of_birth") < SIGNING_MIN_AGE:
        return [Purpose.AUTH]
    return [Purpose.SIGN, Purpose.AUTH]


@router.get("/cards/{card_id}/certificates")
def certificates_form(request: Request, card_id: str) -> Response:
    page = _staff(request, "mynumber.certificates.issue")
    card = _store(page).get(card_id)
    record = _record(page, card.person_id)
    today = datetime.now(JST).date()
    return _card_page(
        page,
        "counter/mynumber/certificates.html",
        card,
        purposes=[p.value for p in _purposes(record.date_of_birth, today)],
    )


@router.post("/cards/{card_id}/certificates")
def issue_certificates(request: Request, card_id: str, form: Form) -> Response:
    page = _staff(request, "mynumber.certificates.issue", form)
    store = _store(page)
    card = store.get(card_id)
    record = _record(page, card.person_id)
    today = datetime.now(JST).date()
    purposes = _purposes(record.date_of_birth, today)
    errors: dict[str, str] = {}
    pins: dict[Purpose, str] = {}
    for purpose in purposes:
        kind: PinKind = PIN_OF[purpose]
        name = f"pin.{kind.value}"
        pin = str(form.get(name, ""))[:16]
        try:
            check_format(kind, pin)
        except JichiError as error:
            errors[name] = error.message_ja
        else:
            pins[purpose] = pin
    if not errors:
        try:
            for purpose, pin in pins.items():
                store.use_pin(card_id, PIN_OF[purpose], pin, today)
            if os.environ.get("JICHI_CHIP_PROVISION") == "softhsm":
                provision_softhsm(card_id, pins)
            holder = Holder(
                person_id=card.person_id,
                lg_code=page.registry.lg_code,
                name=record.name.text(),
                address=record.address.text(),
                date_of_birth=record.date_of_birth,
                sex=record.sex.value,
            )
            jpki = request.app.state.jpki
            cas_of(request)
            with write_transaction(page.registry.engine) as conn:
                certify(conn, jpki.issuer, holder, card_id, pins)
        except JichiError as error:
            errors[error.field or ""] = error.message_ja
        else:
            return page.redirect(f"/counter/mynumber/residents/{card.person_id}?done=certificates")
    return _card_page(
        page,
        "counter/mynumber/certificates.html",
        store.get(card_id),
        errors=errors,
        status_code=422,
        purposes=[p.value for p in purposes],
    )
