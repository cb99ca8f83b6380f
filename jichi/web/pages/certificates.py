"""証明書の発行 (counter) and the public verification page (/verify).

The clerk opens ``/counter/certificates?person_id=…``, chooses the kind, the members,
the optional items (個人番号・住民票コード・本籍 are off unless asked for) and who is
asking on what ground, and presses 「プレビュー（発行しない）」.  That calls
:func:`jichi.registry.certificates.preview` — the same checks and support-measure gate,
the records read (and audited) as reads — and shows the first page marked 見本: no 通番
is taken, no certificate row or 本人通知 is written.  「発行する」 then calls
:func:`jichi.registry.certificates.issue` — the gate first, then one transaction — and
shows the first page with the 発行番号 and the verification code.  「印刷用PDF」 posts
the same request again with the same ``request_id``: ``issue`` then hands back the same
certificate, re-made byte for byte, never a second one.  No PDF is kept by the server.

A refusal by the gate (支援措置) shows its Japanese message on the form; the gate has
already written it to the audit log for the supervisor, and it is logged here too.

``/verify`` needs no sign-in: the code (typed, or from the QR's ``?code=``) and
optionally the PDF give 「発行されたものです」 or 「改ざんされています」 — nothing personal.
"""

from __future__ import annotations

import base64
import logging
import os
import shutil
import subprocess
import tempfile
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.datastructures import FormData, UploadFile

from jichi.kernel.errors import JichiError
from jichi.registry.certificates import (
    Certificate,
    CertificateKind,
    CertificateRequest,
    CertificateSettings,
    Items,
    Preview,
    issue,
    municipality_settings,
    preview,
    verify,
)
from jichi.registry.counter_day import charges, fees
from jichi.registry.counter_day.fees import EXEMPTIONS
from jichi.registry.model import ResidentRecord, Sex
from jichi.registry.protection import Protection
from jichi.registry.requester_identity import ID_DOCUMENTS
from jichi.registry.restrictions import Requester, RequesterType
from jichi.web import public_url
from jichi.web.pages.common import (
    STAFF_ROLES,
    Form,
    Page,
    PageRoute,
    counter_page,
    registry_of,
    templates,
)
from jichi.web.pages.counter_day import reception_of
from jichi.web.pages.protection_warning import warning

log = logging.getLogger("jichi.web.certificates")

DEMO_MAYOR = "見本　太郎"  # a clearly fictional name; set JICHI_MAYOR_NAME for a real one
MAX_UPLOAD = 10 * 1024 * 1024
KIND_CHOICES = [
    (CertificateKind.RECORD_COPY_HOUSEHOLD.value, "住民票の写し（世帯連記式）"),
    (CertificateKind.RECORD_COPY_PERSONAL.value, "住民票の写し（個人票）"),
    (CertificateKind.REMOVED_RECORD_COPY.value, "除票の写し"),
    (CertificateKind.RECORD_ITEMS_CERTIFICATE.value, "住民票記載事項証明書"),
    (CertificateKind.MOVE_OUT_CERTIFICATE.value, "転出証明書"),
]
ITEM_CHOICES = [
    ("relationship", "世帯主・続柄"),
    ("honseki", "本籍・筆頭者"),
    ("individual_number", "個人番号（本人・同一世帯の請求のみ）"),
    ("resident_code", "住民票コード（本人・同一世帯の請求のみ）"),
    ("previous_address", "転入前住所"),
    ("history", "異動履歴（個人票）"),
    ("foreign_items", "外国人住民の記載事項"),
]
DEFAULT_ITEMS = [name for name, on in Items().__dict__.items() if on]
REQUESTER_CHOICES = [
    (RequesterType.SELF.value, "本人"),
    (RequesterType.SAME_HOUSEHOLD.value, "同一世帯の方"),
    (RequesterType.PROXY.value, "代理人"),
    (RequesterType.THIRD_PARTY.value, "第三者（法12条の3）"),
    (RequesterType.PROFESSIONAL.value, "職務上請求（8士業）"),
]

ID_DOCUMENT_CHOICES = [("", "（選んでください）"), *ID_DOCUMENTS.items()]
EXEMPTION_CHOICES = [("", "免除しない"), *EXEMPTIONS.items()]
SEX_CHOICES = [("", "（選んでください）"), (Sex.MALE.value, "男"), (Sex.FEMALE.value, "女")]
# Where a requester-identity error (RES-010..012) is shown on the form.
REQUESTER_FIELDS = {
    "requester.name": "requester_name",
    "requester.date_of_birth": "requester_date_of_birth",
    "requester.sex": "requester_sex",
    "requester.address": "requester_address",
    "requester.id_document": "id_document",
    "power_of_attorney": "power_of_attorney",
    "exemption": "exemption",
    "exemption_note": "exemption_note",
}

counter = APIRouter(prefix="/counter", include_in_schema=False, route_class=PageRoute)
public = APIRouter(include_in_schema=False, route_class=PageRoute)


def settings_for(request: Request, lg_code: str) -> CertificateSettings:
    """The demo's settings: the mayor's name from ``JICHI_MAYOR_NAME`` (fictional default)."""
    mayor = os.environ.get("JICHI_MAYOR_NAME", "").strip() or DEMO_MAYOR
    # The configured public address, never the request's Host (jichi.web.public_url).
    verify_url = public_url.verify_url(request.app.state.public_base_url)
    return municipality_settings(lg_code, mayor, verify_url=verify_url)


# -- the counter -----------------------------------------------------------------------


def _members(page: Page, person_id: str) -> tuple[ResidentRecord, list[ResidentRecord]]:
    actor = page.actor
    assert actor is not None
    record = page.registry.read_record(person_id, actor, purpose="証明書の発行")
    found = page.registry.household(record.household_id, actor)
    members = found[1] if found is not None else []
    if not any(m.person_id == record.person_id for m in members):
        members = [record, *members]
    return record, members


@counter.get("/certificates")
def certificate_form(request: Request, person_id: str, reception_id: str = "") -> Response:
    page = counter_page(request)
    page.require("certificate.issue", *STAFF_ROLES)
    record, members = _members(page, person_id)
    kind = (
        CertificateKind.RECORD_COPY_HOUSEHOLD.value
        if record.is_active
        else CertificateKind.REMOVED_RECORD_COPY.value
    )
    values: dict[str, Any] = {
        "kind": kind,
        "person_ids": [person_id],
        "items": DEFAULT_ITEMS,
        "requester_type": RequesterType.SELF.value,
        # Typed or confirmed from the identity document, never pre-filled from the record:
        # a form that offered the subject's own name let 本人 be "any name" (issue 9).
        "requester_name": "",
        "request_id": str(uuid.uuid4()),
        "reception_id": reception_id if _is_uuid(reception_id) else "",
    }
    return _form(page, record, members, values, {})


def _form(
    page: Page,
    record: ResidentRecord,
    members: list[ResidentRecord],
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    protected, parties = warning(page, [m.person_id for m in members])
    with page.registry.engine.connect() as conn:
        table = fees.fee_table(conn, page.registry.lg_code)
    try:
        fee_kind = CertificateKind(values.get("kind", ""))
    except ValueError:
        fee_kind = CertificateKind.RECORD_COPY_HOUSEHOLD
    visit = reception_of(page, values.get("reception_id"))
    values["reception_id"] = visit.reception_id if visit else ""  # an unknown one is dropped
    return page.render(
        "counter/certificate.html",
        visit=visit,
        fee_yen=table.fee(fee_kind),
        fee_kind_ja=fee_kind.label_ja,
        fee_example=fee_kind in table.example,
        exemptions=EXEMPTION_CHOICES,
        status_code=status_code,
        record=record,
        members=members,
        values=values,
        errors=errors,
        kinds=KIND_CHOICES,
        item_choices=ITEM_CHOICES,
        requesters=REQUESTER_CHOICES,
        id_documents=ID_DOCUMENT_CHOICES,
        sexes=SEX_CHOICES,
        protected=protected,
        other_parties=parties,
    )


def _values(form: FormData) -> dict[str, Any]:
    return {
        "subject": str(form.get("subject", "")),
        "kind": str(form.get("kind", "")),
        "person_ids": [str(v) for v in form.getlist("person_ids")],
        "whole_household": form.get("whole_household") == "on",
        "items": [str(v) for v in form.getlist("items")],
        "requester_type": str(form.get("requester_type", "")),
        "requester_name": str(form.get("requester_name", "")).strip(),
        "requester_date_of_birth": str(form.get("requester_date_of_birth", "")).strip(),
        "requester_sex": str(form.get("requester_sex", "")).strip(),
        "requester_address": str(form.get("requester_address", "")).strip(),
        "id_document": str(form.get("id_document", "")).strip(),
        "purpose": str(form.get("purpose", "")).strip(),
        "request_form_number": str(form.get("request_form_number", "")).strip(),
        "official_use": form.get("official_use") == "on",
        "request_id": str(form.get("request_id", "")) or str(uuid.uuid4()),
        "reception_id": str(form.get("reception_id", "")).strip(),
        "exemption": str(form.get("exemption", "")).strip(),
        "exemption_note": str(form.get("exemption_note", "")).strip(),
        "power_of_attorney": form.get("power_of_attorney") == "on",
    }


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _charge(values: dict[str, Any]) -> charges.Charge:
    """The fee side of the request (the 受付 it belongs to, an exemption, the 委任状)."""
    reception_id = values["reception_id"]
    return charges.Charge(
        exemption=values["exemption"],
        exemption_note=values["exemption_note"],
        reception_id=reception_id if _is_uuid(reception_id) else None,
        power_of_attorney=values["power_of_attorney"],
    )


def _request(values: dict[str, Any]) -> tuple[CertificateRequest | None, dict[str, str]]:
    errors: dict[str, str] = {}
    try:
        kind = CertificateKind(values["kind"])
    except ValueError:
        errors["kind"] = "証明書の種類を選んでください。"
    try:
        requester_type = RequesterType(values["requester_type"])
    except ValueError:
        errors["requester_type"] = "請求者の種別を選んでください。"
    if not values["person_ids"]:
        errors["person_ids"] = "証明書に記載する方を1人以上選んでください。"
    if not values["requester_name"]:
        errors["requester_name"] = "請求者の氏名（名称）を入力してください。"
    try:
        uuid.UUID(values["request_id"])
    except ValueError:
        errors["request_id"] = "請求番号が正しくありません。画面を開き直してください。"
    born = None
    if values["requester_date_of_birth"]:
        try:
            born = date.fromisoformat(values["requester_date_of_birth"])
        except ValueError:
            errors["requester_date_of_birth"] = "生年月日は西暦の YYYY-MM-DD で入力してください。"
    sex = Sex(values["requester_sex"]) if values["requester_sex"] in {"male", "female"} else None
    if errors:
        return None, errors
    chosen = set(values["items"])
    items = Items(**{name: name in chosen for name, _ in ITEM_CHOICES})
    return (
        CertificateRequest(
            kind=kind,
            person_ids=tuple(values["person_ids"]),
            requester=Requester(
                requester_type,
                values["requester_name"],
                born,
                sex=sex,
                address=values["requester_address"],
                id_document=values["id_document"],
            ),
            request_id=values["request_id"],
            items=items,
            whole_household=values["whole_household"],
            purpose=values["purpose"],
            request_form_number=values["request_form_number"],
            official_use=values["official_use"],
        ),
        {},
    )


def _issue(
    page: Page, form: FormData, *, draft: bool = False
) -> tuple[Certificate | Preview | None, Response | None]:
    """Issue (or re-make, for the same request id) — or, as a draft, only preview.

    On any error, the form again with it.
    """
    actor = page.require("certificate.issue", *STAFF_ROLES)
    values = _values(form)
    subject = values["subject"] or (values["person_ids"] or [""])[0]
    record, members = _members(page, subject)
    asked, errors = _request(values)
    if asked is not None:
        try:
            settings = settings_for(page.request, page.registry.lg_code)
            protection = Protection(page.registry)
            if draft:  # a 見本 needs no fee record: the 委任状 is asked for at 発行
                cert: Certificate | Preview = preview(
                    page.registry, protection, asked, actor, settings
                )
            else:
                record_fee = charges.recorder(asked, _charge(values), actor)  # refuses first
                cert = issue(
                    page.registry, protection, asked, actor, settings, after_store=record_fee
                )
        except JichiError as error:
            if (error.field or "") in REQUESTER_FIELDS:
                log.warning(
                    "certificate refused: requester not confirmed: %s (clerk %s, request %s)",
                    error.code,
                    actor.staff_id,
                    asked.request_id,
                )
                errors = {REQUESTER_FIELDS[error.field or ""]: error.message_ja}
            elif error.code.startswith("RES-"):
                log.warning(
                    "certificate refused by the support-measure gate: %s (clerk %s, request %s)",
                    error.code,
                    actor.staff_id,
                    asked.request_id,
                )
                errors = {"": error.message_ja}
            else:
                field = (error.field or "").split(".")[0]
                errors = {field if field in values else "": error.message_ja}
        else:
            return cert, None
    refused = any(m and ("支援措置" in m or "一致しません" in m) for m in errors.values())
    status = 403 if refused else 422
    return None, _form(page, record, members, values, errors, status_code=status)


@counter.post("/certificates/preview")
def preview_page(request: Request, form: Form) -> Response:
    """プレビュー: the first page marked 見本 — no 通番, no row, no 本人通知 (a read)."""
    page = counter_page(request, form)
    draft, failed = _issue(page, form, draft=True)
    if failed is not None:
        return failed
    assert isinstance(draft, Preview)
    return _shown(page, form, draft)


@counter.post("/certificates/issue")
def issue_page(request: Request, form: Form) -> Response:
    """発行: the certificate is issued (or handed back, for the same request id)."""
    page = counter_page(request, form)
    cert, failed = _issue(page, form)
    if failed is not None:
        return failed
    assert isinstance(cert, Certificate)
    return _shown(page, form, cert)


@counter.post("/certificates/edit")
def edit(request: Request, form: Form) -> Response:
    """Back from the preview to the form, with what was chosen (the same request id)."""
    page = counter_page(request, form)
    page.require("certificate.issue", *STAFF_ROLES)
    values = _values(form)
    subject = values["subject"] or (values["person_ids"] or [""])[0]
    record, members = _members(page, subject)
    return _form(page, record, members, values, {})


def _shown(page: Page, form: FormData, cert: Certificate | Preview) -> Response:
    image = first_page_png(cert.pdf)
    protected, _ = warning(page, list(cert.subject_person_ids))
    actor = page.actor
    assert actor is not None
    names = [
        page.registry.read_record(pid, actor, purpose="証明書の発行").name.text()
        for pid, on in protected.items()
        if on
    ]
    charge = None
    if isinstance(cert, Certificate):
        with page.registry.engine.connect() as conn:
            charge = charges.charge_of(conn, page.registry.lg_code, cert.serial)
    return page.render(
        "counter/certificate_preview.html",
        charge=charge,
        exemption_ja=EXEMPTIONS.get(str(charge.exemption), "") if charge is not None else "",
        cert=cert,
        draft=isinstance(cert, Preview),
        image=base64.b64encode(image).decode() if image else "",
        pdf=base64.b64encode(cert.pdf).decode() if not image else "",
        values=_values(form),
        hidden=_hidden(form),
        protected_names=names,
    )


@counter.post("/certificates/pdf")
def pdf(request: Request, form: Form) -> Response:
    """The printable PDF: the same certificate again (the same request id), as a download."""
    page = counter_page(request, form)
    cert, failed = _issue(page, form)
    if failed is not None:
        return failed
    assert isinstance(cert, Certificate)
    filename = f"certificate-{cert.serial.split()[-1]}.pdf"
    return Response(
        cert.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _hidden(form: FormData) -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in form.multi_items() if k != "csrf_token"]


def first_page_png(pdf_bytes: bytes, resolution: int = 60) -> bytes:
    """The first page as a PNG (``pdftoppm``), or empty when poppler is not installed."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        return b""
    with tempfile.TemporaryDirectory(prefix="jichi-preview-") as tmp:
        source = Path(tmp) / "c.pdf"
        source.write_bytes(pdf_bytes)
        out = Path(tmp) / "page"
        subprocess.run(
            [tool, "-png", "-r", str(resolution), "-f", "1", "-l", "1", "-singlefile", source, out],
            check=True,
            capture_output=True,
            timeout=30,
        )
        return (Path(tmp) / "page.png").read_bytes()


# -- the public verification page ------------------------------------------------------


def _verify_page(request: Request, code: str, result: Any, status_code: int = 200) -> Response:
    response = templates.TemplateResponse(
        request,
        "counter/certificate_verify.html",
        {"code": code, "result": result, "municipality": request.app.state.municipality},
        status_code=status_code,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@public.get("/verify")
def verify_form(request: Request, code: str = "") -> Response:
    result = None
    if code:
        with registry_of(request).engine.connect() as conn:
            result = verify(conn, code)
    return _verify_page(request, code, result)


@public.post("/verify")
async def verify_submit(request: Request, form: Form) -> Response:
    code = str(form.get("code", "")).strip()
    upload = form.get("pdf")
    pdf_bytes = None
    if isinstance(upload, UploadFile) and upload.filename:
        pdf_bytes = await upload.read(MAX_UPLOAD + 1)
        if len(pdf_bytes) > MAX_UPLOAD:
            return _verify_page(request, code, None, status_code=413)
    with registry_of(request).engine.connect() as conn:
        result = verify(conn, code, pdf_bytes) if code else None
    return _verify_page(request, code, result, status_code=200 if code else 422)


router = APIRouter(include_in_schema=False)
router.include_router(counter)
router.include_router(public)
