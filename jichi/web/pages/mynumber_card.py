"""マイナンバーカードの窓口: 交付, 暗証番号の初期化, 一時停止と解除, 有効期間変更, 通知書.

Every page needs a signed-in staff member (:func:`counter_page`, the same role policy
as the other counter pages) and acts on the cards of the registry's municipality only:
the :class:`CardStore` is bound to that municipality and built per request with the
acting staff member, so every change is audited on the holder's own audit page, and
with the composition root's card listeners, so a 一時停止 revokes both certificates in
the same transaction (:mod:`jichi.mynumber.wiring`).

PINs are typed in password inputs, checked all at once with the other fields, passed to
the store and dropped: they are never rendered back, logged or put in an error.  The
individual number appears on no page; only the 個人番号通知書 PDF carries it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request, Response
from starlette.datastructures import FormData

from jichi.kernel.era import parse_date
from jichi.kernel.errors import JichiError
from jichi.mynumber import notice, wiring
from jichi.mynumber.card import STATE_JA, Card, Channel
from jichi.mynumber.card_store import CardStore
from jichi.mynumber.errors import NUMBER_NOT_RECORDED, SUSPEND_REASON_REQUIRED
from jichi.mynumber.pins import LABELS_JA as PIN_LABELS
from jichi.mynumber.pins import PinKind, check_format
from jichi.registry.model import ResidentRecord
from jichi.registry.requester_identity import ID_DOCUMENTS
from jichi.registry.service import JST, NUMBER_CONTEXT
from jichi.registry.tables import resident
from jichi.security import audit
from jichi.security.staff import OTHER_MUNICIPALITY_STAFF
from jichi.store.engine import write_transaction
from jichi.web.pages.common import STAFF_ROLES, Form, Page, PageRoute, counter_page

router = APIRouter(prefix="/counter/mynumber", include_in_schema=False, route_class=PageRoute)

ID_CHOICES = [("", "（選んでください）"), *ID_DOCUMENTS.items()]
SUSPEND_REASONS = [("loss", "紛失"), ("theft", "盗難"), ("other", "その他（カードが手元にない）")]
PIN_CHOICES = [("", "（選んでください）"), *((k.value, PIN_LABELS[k]) for k in PinKind)]
PURPOSE = "マイナンバーカードの事務"


def _today() -> date:
    return datetime.now(JST).date()


def _store(page: Page) -> CardStore:
    actor = page.actor
    assert actor is not None
    return CardStore(
        page.registry.engine,
        page.registry.lg_code,
        listeners=wiring.card_listeners(),
        actor=actor,
        audit_key=page.registry.cipher.audit_key,
    )


def _staff(request: Request, action: str, form: FormData | None = None) -> Page:
    """The signed-in staff member, of a counter role and of this registry's municipality."""
    page = counter_page(request, form)
    actor = page.require(action, *STAFF_ROLES)
    if actor.lg_code != page.registry.lg_code:
        raise JichiError(OTHER_MUNICIPALITY_STAFF, field="staff_id", staff_id=actor.staff_id)
    return page


def _record(page: Page, person_id: str) -> ResidentRecord:
    assert page.actor is not None
    return page.registry.read_record(person_id, page.actor, purpose=PURPOSE)


def _field(error: JichiError) -> str:
    """Where a store error is shown on a form (``pin.signature`` stays as it is)."""
    return error.field or ""


def _text(form: FormData, name: str) -> str:
    return str(form.get(name, "")).strip()


def _card_page(
    page: Page,
    template: str,
    card: Card,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    return page.render(
        template,
        status_code=status_code,
        card=card,
        record=_record(page, card.person_id),
        state_ja=STATE_JA,
        values=values or {},
        errors=errors or {},
        **extra,
    )


# -- overview -----------------------------------------------------------------------------


@router.get("/residents/{person_id}")
def overview(request: Request, person_id: str, done: str = "") -> Response:
    page = _staff(request, "mynumber.card.read")
    record = _record(page, person_id)
    cards = list(reversed(_store(page).cards_of(person_id)))
    return page.render(
        "counter/mynumber/overview.html",
        record=record,
        cards=cards,
        state_ja=STATE_JA,
        live=next((c for c in cards if c.live), None),
        reasons=SUSPEND_REASONS,
        done=DONE.get(done, ""),
        values={},
        errors={},
    )


DONE = {
    "applied": "交付申請を受け付けました。",
    "manufactured": "カードの作成（機構から到着）を記録しました。",
    "delivered": "カードを交付しました。",
    "suspended": "一時停止しました。署名用・利用者証明用の電子証明書は失効しました。",
    "resumed": "一時停止を解除しました。電子証明書は改めて発行してください。",
    "pin_reset": "暗証番号を初期化（再設定）しました。",
    "validity_changed": "有効期間を変更しました。",
    "certificates": "署名用・利用者証明用の電子証明書を発行しました（鍵はカードの中で作成）。",
}


def _back(page: Page, person_id: str, done: str) -> Response:
    return page.redirect(f"/counter/mynumber/residents/{person_id}?done={done}")


def _overview_error(page: Page, person_id: str, error: JichiError) -> Response:
    cards = list(reversed(_store(page).cards_of(person_id)))
    return page.render(
        "counter/mynumber/overview.html",
        status_code=error.http_status,
        record=_record(page, person_id),
        cards=cards,
        state_ja=STATE_JA,
        live=next((c for c in cards if c.live), None),
        reasons=SUSPEND_REASONS,
        done="",
        values={},
        errors={_field(error): error.message_ja},
    )


@router.post("/residents/{person_id}/apply")
def apply(request: Request, person_id: str, form: Form) -> Response:
    page = _staff(request, "mynumber.card.apply", form)
    try:
        _store(page).apply_for_resident(person_id, _today())
    except JichiError as error:
        return _overview_error(page, person_id, error)
    return _back(page, person_id, "applied")


@router.post("/cards/{card_id}/manufacture")
def manufacture(request: Request, card_id: str, form: Form) -> Response:
    """機構が作成したカードの到着 (J-LIS makes the card; the counter records its arrival)."""
    page = _staff(request, "mynumber.card.manufacture", form)
    store = _store(page)
    card = store.get(card_id)
    try:
        store.manufacture(card_id, _today())
    except JichiError as error:
        return _overview_error(page, card.person_id, error)
    return _back(page, card.person_id, "manufactured")


@router.post("/cards/{card_id}/suspend")
def suspend(request: Request, card_id: str, form: Form) -> Response:
    """一時停止 (any channel; at the counter here): both certificates are revoked at once."""
    page = _staff(request, "mynumber.card.suspend", form)
    store = _store(page)
    card = store.get(card_id)
    reason = _text(form, "reason")
    if reason not in dict(SUSPEND_REASONS):
        error = JichiError(SUSPEND_REASON_REQUIRED, field="reason")
        return _overview_error(page, card.person_id, error)
    try:
        store.suspend(card_id, _today(), reason=reason)
    except JichiError as error:
        return _overview_error(page, card.person_id, error)
    return _back(page, card.person_id, "suspended")


# -- 交付 ------------------------------------------------------------------------------------


def _pins(form: FormData, kinds: list[PinKind], errors: dict[str, str]) -> dict[PinKind, str]:
    """The typed PINs, each checked for format and against its confirmation (all at once)."""
    pins: dict[PinKind, str] = {}
    for kind in kinds:
        name = f"pin.{kind.value}"
        pin = str(form.get(name, ""))
        if not pin:
            errors[name] = f"{PIN_LABELS[kind]}の暗証番号を入力してください。"
            continue
        try:
            check_format(kind, pin)
        except JichiError as error:
            errors[name] = error.message_ja
            continue
        if str(form.get(f"{name}_confirm", "")) != pin:
            errors[f"{name}_confirm"] = f"{PIN_LABELS[kind]}の暗証番号（確認）が一致しません。"
            continue
        pins[kind] = pin
    return pins


def _identity(form: FormData, errors: dict[str, str]) -> str:
    document = _text(form, "identity_document")
    if document not in ID_DOCUMENTS:
        errors["identity_document"] = "本人確認書類を選んでください。"
        return ""
    note = _text(form, "identity_note")
    return ID_DOCUMENTS[document] + (f"（{note}）" if note else "")


@router.get("/cards/{card_id}/deliver")
def deliver_form(request: Request, card_id: str) -> Response:
    page = _staff(request, "mynumber.card.deliver")
    card = _store(page).get(card_id)
    return _card_page(page, "counter/mynumber/deliver.html", card, **_deliver_choices())


def _deliver_choices() -> dict[str, Any]:
    return {"id_documents": ID_CHOICES, "pin_kinds": [(k.value, PIN_LABELS[k]) for k in PinKind]}


@router.post("/cards/{card_id}/deliver")
def deliver(request: Request, card_id: str, form: Form) -> Response:
    """交付 (番号法17条): 本人確認 recorded and the four PINs set, at the counter."""
    page = _staff(request, "mynumber.card.deliver", form)
    store = _store(page)
    card = store.get(card_id)
    errors: dict[str, str] = {}
    identity = _identity(form, errors)
    pins = _pins(form, list(PinKind), errors)
    values = {k: _text(form, k) for k in ("identity_document", "identity_note")}
    if not errors:
        try:
            store.deliver(card_id, _today(), identity_check=identity, pins=pins)
        except JichiError as error:
            errors[_field(error)] = error.message_ja
        else:
            return _back(page, card.person_id, "delivered")
    return _card_page(
        page,
        "counter/mynumber/deliver.html",
        store.get(card_id),
        values=values,
        errors=errors,
        status_code=422,
        **_deliver_choices(),
    )


# -- 暗証番号の初期化 ----------------------------------------------------------------------------


@router.get("/cards/{card_id}/pin_reset")
def pin_reset_form(request: Request, card_id: str) -> Response:
    page = _staff(request, "mynumber.card.pin_reset")
    card = _store(page).get(card_id)
    return _card_page(page, "counter/mynumber/pin_reset.html", card, **_pin_choices())


def _pin_choices() -> dict[str, Any]:
    return {"id_documents": ID_CHOICES, "pin_choices": PIN_CHOICES}


@router.post("/cards/{card_id}/pin_reset")
def pin_reset(request: Request, card_id: str, form: Form) -> Response:
    """暗証番号の初期化・再設定 (locked or forgotten): only at the counter, identity checked."""
    page = _staff(request, "mynumber.card.pin_reset", form)
    store = _store(page)
    card = store.get(card_id)
    errors: dict[str, str] = {}
    _identity(form, errors)
    values = {k: _text(form, k) for k in ("identity_document", "identity_note", "pin_kind")}
    kind: PinKind | None = None
    try:
        kind = PinKind(values["pin_kind"])
    except ValueError:
        errors["pin_kind"] = "初期化する暗証番号の種類を選んでください。"
    new_pin = ""
    if kind is not None:
        pin = str(form.get("new_pin", ""))
        try:
            check_format(kind, pin)
        except JichiError as error:
            errors["new_pin"] = error.message_ja
        else:
            if str(form.get("new_pin_confirm", "")) != pin:
                errors["new_pin_confirm"] = "新しい暗証番号（確認）が一致しません。"
            new_pin = pin
    if not errors and kind is not None:
        try:
            store.reset_pin(card_id, kind, new_pin, _today(), channel=Channel.COUNTER)
        except JichiError as error:
            errors[_field(error)] = error.message_ja
        else:
            return _back(page, card.person_id, "pin_reset")
    return _card_page(
        page,
        "counter/mynumber/pin_reset.html",
        store.get(card_id),
        values=values,
        errors=errors,
        status_code=422,
        **_pin_choices(),
    )


# -- 一時停止解除 ----------------------------------------------------------------------------


@router.get("/cards/{card_id}/resume")
def resume_form(request: Request, card_id: str) -> Response:
    page = _staff(request, "mynumber.card.resume")
    card = _store(page).get(card_id)
    return _card_page(page, "counter/mynumber/resume.html", card, id_documents=ID_CHOICES)


@router.post("/cards/{card_id}/resume")
def resume(request: Request, card_id: str, form: Form) -> Response:
    """一時停止解除: only here, in person; the certificates stay revoked (facts §2.3)."""
    page = _staff(request, "mynumber.card.resume", form)
    store = _store(page)
    card = store.get(card_id)
    errors: dict[str, str] = {}
    identity = _identity(form, errors)
    values = {k: _text(form, k) for k in ("identity_document", "identity_note")}
    if not errors:
        try:
            store.resume(card_id, _today(), identity_check=identity, channel=Channel.COUNTER)
        except JichiError as error:
            errors[_field(error)] = error.message_ja
        else:
            return _back(page, card.person_id, "resumed")
    return _card_page(
        page,
        "counter/mynumber/resume.html",
        store.get(card_id),
        values=values,
        errors=errors,
        status_code=422,
        id_documents=ID_CHOICES,
    )


# -- 有効期間変更 ----------------------------------------------------------------------------


@router.get("/cards/{card_id}/validity_change")
def validity_form(request: Request, card_id: str) -> Response:
    page = _staff(request, "mynumber.card.validity_change")
    card = _store(page).get(card_id)
    return _card_page(page, "counter/mynumber/validity_change.html", card)


@router.post("/cards/{card_id}/validity_change")
def validity_change(request: Request, card_id: str, form: Form) -> Response:
    """有効期間変更 (foreign residents after a renewed stay): new date, 4-digit PIN."""
    page = _staff(request, "mynumber.card.validity_change", form)
    store = _store(page)
    card = store.get(card_id)
    errors: dict[str, str] = {}
    values = {"stay_expires_on": _text(form, "stay_expires_on")}
    stay: date | None = None
    try:
        stay = parse_date(values["stay_expires_on"], field="stay_expires_on")
    except JichiError as error:
        errors["stay_expires_on"] = error.message_ja
    pin = str(form.get("pin.resident_registry", ""))
    try:
        check_format(PinKind.RESIDENT_REGISTRY, pin)
    except JichiError as error:
        errors["pin.resident_registry"] = error.message_ja
    if not errors and stay is not None:
        try:
            store.validity_change(card_id, stay, _today(), pin=pin)
        except JichiError as error:
            errors[_field(error)] = error.message_ja
        else:
            return _back(page, card.person_id, "validity_changed")
    return _card_page(
        page,
        "counter/mynumber/validity_change.html",
        store.get(card_id),
        values=values,
        errors=errors,
        status_code=422,
    )


# -- 個人番号通知書 ---------------------------------------------------------------------------


@router.get("/residents/{person_id}/notice")
def notice_form(request: Request, person_id: str) -> Response:
    page = _staff(request, "mynumber.notice.print")
    record = _record(page, person_id)
    return page.render(
        "counter/mynumber/notice.html",
        record=record,
        has_number=record.has_individual_number,
        values={},
        errors={},
    )


@router.post("/residents/{person_id}/notice.pdf")
def notice_pdf(request: Request, person_id: str, form: Form) -> Response:
    """The 個人番号通知書 PDF (番号法7条): the one output of these pages with the number."""
    page = _staff(request, "mynumber.notice.print", form)
    actor = page.actor
    assert actor is not None
    record = _record(page, person_id)
    registry = page.registry
    with write_transaction(registry.engine) as conn:
        encrypted = conn.execute(
            sa.select(resident.c.individual_number_enc).where(
                resident.c.lg_code == registry.lg_code, resident.c.person_id == person_id
            )
        ).scalar_one_or_none()
        if not encrypted:
            return page.render(
                "counter/mynumber/notice.html",
                status_code=422,
                record=record,
                has_number=False,
                values={},
                errors={"": JichiError(NUMBER_NOT_RECORDED).message_ja},
            )
        audit.append_many(
            conn,
            [
                audit.AuditEntry(
                    lg_code=registry.lg_code,
                    actor=actor.staff_id,
                    actor_role=actor.role,
                    action="mynumber.notice.printed",
                    subject_person_id=person_id,
                    detail={"changed": form.get("changed") == "on"},
                )
            ],
            registry.cipher.audit_key,
        )
    municipality = getattr(request.app.state, "municipality", None)
    issuer = f"{municipality.display_name}長" if municipality is not None else "市区町村長"
    data = notice.NoticeData(
        individual_number=registry.cipher.decrypt(encrypted, context=NUMBER_CONTEXT),
        name=record.name.text(),
        date_of_birth=record.date_of_birth,
        address=record.address.text(),
        notified_on=_today(),
        issuer=issuer,
        changed=form.get("changed") == "on",
    )
    pdf = notice.to_pdf(notice.render(data))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": 'inline; filename="kojin-bango-tsuchisho.pdf"',
        },
    )
