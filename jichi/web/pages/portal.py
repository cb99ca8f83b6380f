"""マイナポータル-like pages (/me/portal): card login and the resident's own view (ADR 0025).

Login: the page shows a fresh challenge; the resident's card reader (``jichi mynumber
reader sign --purpose auth``, the stand-in for the JPKI client software) signs it with the
利用者証明用 key inside the card after the PIN; the page takes the reader's one-line
output.  The session cookie (``jichi_me``, signed with a key derived per municipality)
then holds the person, the municipality and ``via=card``; every portal page checks all
three (:func:`portal_page`).  No individual number is shown, put in a URL or logged.

Home: the 住民票 (read as the resident, so the look is audited), who read it (the
registry's and the center's entries in the audit log, :class:`ResidentAccess`), the
cards and certificates, the 来庁予定 booked online, and a link to the hub's やりとり履歴
(:mod:`jichi.web.pages.portal_exchanges`, fetched only when the resident asks).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request, Response
from starlette.datastructures import FormData

from jichi.kernel.errors import JichiError
from jichi.mynumber.card import STATE_JA
from jichi.mynumber.card_store import CardStore
from jichi.mynumber.jpki import store as certificates
from jichi.mynumber.jpki.revocation import REASON_JA
from jichi.mynumber.jpki.tables import jpki_certificate
from jichi.mynumber.jpki.token import Purpose
from jichi.mynumber.pins import LABELS_JA as PIN_LABELS
from jichi.mynumber.portal import challenge
from jichi.mynumber.portal.login import authenticate
from jichi.mynumber.portal.reader import ReaderOutput
from jichi.network.flows.visit_reservation import ReservationStore
from jichi.registry.resident_access import ResidentAccess
from jichi.security.staff import UNAUTHENTICATED
from jichi.store.engine import write_transaction
from jichi.web.pages.audit_view import resident_access_rows
from jichi.web.pages.common import Form, Page, PageRoute, resident_page
from jichi.web.pages.portal_receipt import cas_of

router = APIRouter(prefix="/me/portal", include_in_schema=False, route_class=PageRoute)

READER_LIMIT = 20_000  # a certificate and a signature in base64 fit in well under this
DONE = {"moved": "転出届を受け付けました。新しい市区町村の窓口に、カードをお持ちください。"}


def portal_page(request: Request, form: FormData | None = None) -> Page:
    """The signed-in resident, bound to this municipality and signed in with the card."""
    page = resident_page(request, form)
    session = page.session
    if session.get("via") != "card" or session.get("lg_code") != page.registry.lg_code:
        raise JichiError(UNAUTHENTICATED)
    return page


def _login_page(page: Page, errors: dict[str, str], status_code: int = 200) -> Response:
    cas_of(page.request)  # JPKI-… when no CA is configured: nothing to sign in with
    with write_transaction(page.registry.engine) as conn:
        text = challenge.issue(conn, page.registry.lg_code, page.registry.clock())
    return page.render(
        "me/portal_login.html",
        status_code=status_code,
        challenge=text,
        values={},
        errors=errors,
        signed_in=False,
    )


@router.get("/login")
def login_form(request: Request) -> Response:
    return _login_page(resident_page(request, signed_in=False), {})


@router.post("/login")
def login(request: Request, form: Form) -> Response:
    page = resident_page(request, form, signed_in=False)
    text = str(form.get("challenge", ""))[:200]
    raw = str(form.get("reader_output", "")).strip()
    errors: dict[str, str] = {}
    if not raw:
        errors["reader_output"] = "カードリーダーの読み取り結果を貼り付けてください。"
    elif len(raw) > READER_LIMIT:
        errors["reader_output"] = "読み取り結果が長すぎます。"
    if not text:
        errors["challenge"] = "確認文字列がありません。画面を読み込み直してください。"
    if not errors:
        try:
            output = ReaderOutput.parse(raw, Purpose.AUTH)
            signed = authenticate(
                page.registry.engine,
                cas_of(request),
                page.registry.lg_code,
                text,
                output,
                page.registry.clock(),
            )
            page.registry.read_record(
                signed.person_id,
                ResidentAccess.actor(page.registry.lg_code),
                purpose="マイナポータルへのログイン",
            )
        except JichiError as error:
            errors[error.field if error.field in ("challenge",) else "reader_output"] = (
                error.message_ja
            )
        else:
            page.session.start(
                person_id=signed.person_id, lg_code=signed.lg_code, via="card", serial=signed.serial
            )
            return page.redirect("/me/portal/")
    return _login_page(page, errors, status_code=422)


@router.post("/logout")
def logout(request: Request, form: Form) -> Response:
    page = resident_page(request, form, signed_in=False)
    page.session.clear()
    return page.redirect("/me/portal/login")


def _certificates(page: Page, person_id: str) -> list[dict[str, Any]]:
    with page.registry.engine.connect() as conn:
        rows = conn.execute(
            sa.select(jpki_certificate.c.serial)
            .where(
                jpki_certificate.c.person_id == person_id,
                jpki_certificate.c.lg_code == page.registry.lg_code,
            )
            .order_by(jpki_certificate.c.issued_at.desc())
        ).all()
        found = [certificates.get(conn, r.serial) for r in rows]
    return [
        {
            "profile": Purpose(c.profile).label_ja + "電子証明書",
            "status": "有効" if c.status == "good" else "失効",
            "reason": REASON_JA.get(c.revocation_reason or 0, "") if c.status != "good" else "",
            "not_after": c.not_after,
            "revoked_at": c.revoked_at,
        }
        for c in found
        if c is not None
    ]


def _cards(page: Page, person_id: str) -> list[dict[str, Any]]:
    cards = CardStore(page.registry.engine, page.registry.lg_code).cards_of(person_id)
    return [
        {
            "state": STATE_JA[card.state],
            "valid_until": card.valid_until,
            "pins": [
                {
                    "label": PIN_LABELS[kind],
                    "locked": r.locked(kind),
                    "remaining": r.remaining(kind),
                }
                for kind, r in card.pins.items()
            ],
            "move": card.move,
        }
        for card in reversed(cards)
    ]


@router.get("/")
def home(request: Request, done: str = "") -> Response:
    page = portal_page(request)
    person_id = str(page.session.get("person_id"))
    registry = page.registry
    access = ResidentAccess(registry)
    record = registry.read_record(
        person_id, access.actor(registry.lg_code), purpose="本人による閲覧（マイナポータル）"
    )
    with registry.engine.connect() as conn:
        accesses = resident_access_rows(conn, registry.lg_code, access.accesses(person_id))
        reservations = ReservationStore(registry.lg_code).sent_from_here(conn, person_id)
    return page.render(
        "me/portal.html",
        record=record,
        accesses=accesses,
        cards=_cards(page, person_id),
        certificates=_certificates(page, person_id),
        reservations=reservations,
        done=DONE.get(done, ""),
        signed_in=True,
        portal=True,
    )
