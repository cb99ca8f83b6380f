"""事務の委託 at the entrusted counter (受託団体の窓口): find, confirm, charge, issue.

The clerk of a 受託団体 chooses the 委託団体 (only those whose 委託 of certificate
issuance is in force today are offered), the kind the contract names, and types what
the requester's identity document shows (氏名・生年月日, the fields 広域交付 uses, read by
:mod:`jichi.web.pages.requester_fields`).  「交付する」 calls
:func:`jichi.registry.entrusted_issue.issue_entrusted_copy` through the holders channel
on ``app.state.holders`` (the composition root puts :class:`SharedDatabaseHolders` there
for a deployment whose municipalities share one database): the holder finds the one
person, refuses a protected one and audits the read; the copy gets this counter's 通番
and the fee of the side whose rules the contract applies (``rules_of``: this counter's
table, or the holder's amount from its answer), recorded with it for the 日計表.
「印刷用PDF」 posts the same request id again: the same certificate re-made, never a
second one (the holder audits that read too — it is one).

A counter with no 委託 in force gets COOP-001 as a Japanese page, before anything is read.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.datastructures import FormData

from jichi.kernel.clock import jst_date
from jichi.kernel.era import parse_date
from jichi.kernel.errors import NOT_FOUND, JichiError
from jichi.places import cooperation_store
from jichi.places.catalog import default_catalog
from jichi.places.cooperation import NOT_ENTRUSTED, Entrustment, entrusted_to
from jichi.registry.certificates import CertificateKind
from jichi.registry.counter_day import charges, fees
from jichi.registry.counter_day.fees import EXEMPTIONS
from jichi.registry.entrusted_issue import (
    KINDS,
    EntrustedDraft,
    EntrustedIssue,
    Holders,
    issue_entrusted_copy,
)
from jichi.registry.requester_identity import ID_DOCUMENTS
from jichi.web.pages.certificates import first_page_png, settings_for
from jichi.web.pages.common import STAFF_ROLES, Form, Page, PageRoute, counter_page
from jichi.web.pages.requester_fields import id_checked, identity, required

router = APIRouter(route_class=PageRoute)

SERVICE_JA = "住民票の写し等の交付"
ANY_HOLDER = "いずれか"  # COOP-001's holder when the counter has no 委託 at all
KIND_JA = {
    CertificateKind.RECORD_COPY_PERSONAL.value: "住民票の写し（個人票）",
    CertificateKind.RECORD_COPY_HOUSEHOLD.value: "住民票の写し（世帯票・本人のみ）",
    CertificateKind.REMOVED_RECORD_COPY.value: "除票の写し",
}
RULES_JA = {
    "entrusting": "委託団体の規則（認証文・手数料）",
    "entrusted": "この窓口の規則（認証文・手数料）",
}
# The domain's error fields → the inputs they belong to.
FIELD_OF = {
    "holder": "holder",
    "name": "requester_name",
    "exemption": "exemption",
    "exemption_note": "exemption_note",
    "requester.id_document": "id_document",
}
ORDER = (
    "holder",
    "kind",
    "requester_name",
    "requester_dob",
    "id_document",
    "id_checked",
    "exemption",
    "exemption_note",
)


def holders_of(page: Page) -> Holders:
    """The channel to the holders, as the composition root set it on ``app.state``."""
    holders: Holders | None = getattr(page.request.app.state, "holders", None)
    if holders is None:
        raise JichiError(NOT_FOUND, field="holder", what="事務の委託の照会先")
    return holders


def grants(page: Page) -> list[Entrustment]:
    """What this counter may issue today under a 委託; COOP-001 if nothing at all."""
    lg_code = page.registry.lg_code
    today = jst_date(page.registry.clock())
    with page.registry.engine.connect() as conn:
        found = entrusted_to(cooperation_store.load(conn), lg_code, today, [k.value for k in KINDS])
    if not found:
        raise JichiError(
            NOT_ENTRUSTED,
            field="holder",
            on=today.isoformat(),
            holder=ANY_HOLDER,
            counter=lg_code,
            service=SERVICE_JA,
        )
    return found


def _values(form: FormData | None = None) -> dict[str, Any]:
    if form is None:
        return {"request_id": str(uuid.uuid4())}
    values = {k: str(v).strip() for k, v in form.multi_items() if k != "csrf_token"}
    values["request_id"] = values.get("request_id") or str(uuid.uuid4())
    return values


def read_draft(
    values: dict[str, Any], offered: list[Entrustment]
) -> tuple[EntrustedDraft | None, charges.Charge, dict[str, str]]:
    """The request the form describes, its fee side, or every input's error at once."""
    errors: dict[str, str] = {}
    holders = {g.holder for g in offered}
    kinds = {g.service for g in offered}
    if not values.get("holder"):
        errors["holder"] = required("委託団体", "holder")
    elif values["holder"] not in holders:
        errors["holder"] = "一覧の委託団体から選んでください。"
    if values.get("kind", "") not in kinds:
        errors["kind"] = "交付する証明書の種類を選んでください。"
    who = identity(values, "requester_name", "requester_dob", "", errors)
    if values.get("id_document", "") not in ID_DOCUMENTS:
        errors["id_document"] = required("確認した本人確認書類", "id_document")
    id_checked(values, errors)
    charge = charges.Charge(
        exemption=values.get("exemption", ""), exemption_note=values.get("exemption_note", "")
    )
    try:
        fees.check_exemption(charge.exemption, charge.exemption_note)
    except JichiError as error:
        errors[FIELD_OF.get(error.field or "", "exemption")] = error.message_ja
    if errors:
        return None, charge, errors
    draft = EntrustedDraft(
        holder=values["holder"],
        kind=CertificateKind(values["kind"]),
        name=who["name"],
        date_of_birth=parse_date(who["date_of_birth"]),
        id_document=values["id_document"],
        request_id=values["request_id"],
    )
    return draft, charge, {}


def _ordered(errors: dict[str, str]) -> dict[str, str]:
    known = [k for k in ORDER if k in errors]
    return {**{k: errors[k] for k in known}, **{k: v for k, v in errors.items() if k not in known}}


def _form(
    page: Page,
    offered: list[Entrustment],
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    errors = _ordered(errors)
    catalog = default_catalog()
    with page.registry.engine.connect() as conn:
        table = fees.fee_table(conn, page.registry.lg_code)
    kinds = [k.value for k in KINDS if any(g.service == k.value for g in offered)]
    holders: dict[str, Entrustment] = {}
    for grant in offered:
        holders.setdefault(grant.holder, grant)
    return page.render(
        "counter/entrusted_copy_form.html",
        status_code=status_code,
        values=values,
        errors=errors,
        focus=next(iter(errors), "") if errors else "holder",
        holders=[
            (code, f"{catalog.get(code).display_name}（{g.arrangement.name}）")
            for code, g in holders.items()
        ],
        grants=[
            (
                catalog.get(g.holder).display_name,
                KIND_JA[g.service],
                RULES_JA[g.arrangement.rules_of],
                _fee_text(g, table.fee(CertificateKind(g.service))),
            )
            for g in offered
        ],
        kinds=[(k, KIND_JA[k]) for k in kinds],
        fee_example=any(
            CertificateKind(g.service) in table.example
            for g in offered
            if g.rules_lg_code == g.counter
        ),
        documents=[("", "（選んでください）"), *ID_DOCUMENTS.items()],
        exemptions=[("", "免除しない"), *EXEMPTIONS.items()],
    )


def _fee_text(grant: Entrustment, own_fee: int) -> str:
    """The fee a grant charges: this counter's amount, or the holder's under its rules."""
    if grant.rules_lg_code == grant.counter:
        return f"{own_fee:,}円（この窓口の手数料表）"
    return "委託団体の手数料表による（交付の時に委託団体から）"


def _issue(
    page: Page, form: FormData
) -> tuple[EntrustedIssue | None, dict[str, Any], Response | None]:
    """Issue (or re-make, for the same request id); on any error the form again with it."""
    actor = page.require("certificate.issue", *STAFF_ROLES)
    offered = grants(page)
    values = _values(form)
    draft, charge, errors = read_draft(values, offered)
    if draft is None:
        return None, values, _form(page, offered, values, errors, status_code=422)
    try:
        done = issue_entrusted_copy(
            page.registry,
            holders_of(page),
            draft,
            actor,
            settings_for(page.request, page.registry.lg_code),
            charge,
            rules_settings=settings_for(page.request, draft.holder),
        )
    except JichiError as error:
        field = FIELD_OF.get(error.field or "", "")
        shown = {field: f"{error.message_ja}（{error.code}）"}
        return None, values, _form(page, offered, values, shown, status_code=error.http_status)
    return done, values, None


@router.get("/entrusted_copies")
def entrusted_copy_form(request: Request) -> Response:
    page = counter_page(request)
    page.require("certificate.issue", *STAFF_ROLES)
    return _form(page, grants(page), _values(), {})


@router.post("/entrusted_copies")
def entrusted_copy_issue(request: Request, form: Form) -> Response:
    """交付する: the holder's answer made into this counter's certificate."""
    page = counter_page(request, form)
    done, values, failed = _issue(page, form)
    if failed is not None:
        return failed
    assert done is not None
    cert = done.certificate
    with page.registry.engine.connect() as conn:
        charge = charges.charge_of(conn, page.registry.lg_code, cert.serial)
    image = first_page_png(cert.pdf)
    grant = done.entrusted.entrustment
    return page.render(
        "counter/entrusted_copy.html",
        cert=cert,
        holder=default_catalog().get(grant.holder),
        arrangement=grant.arrangement,
        rules=RULES_JA[grant.arrangement.rules_of],
        kind_label=KIND_JA[cert.kind.value],
        charge=charge,
        exemption_ja=EXEMPTIONS.get(str(charge.exemption), "") if charge is not None else "",
        image=base64.b64encode(image).decode() if image else "",
        pdf=base64.b64encode(cert.pdf).decode() if not image else "",
        hidden=sorted(values.items()),
    )


@router.post("/entrusted_copies/pdf")
def entrusted_copy_pdf(request: Request, form: Form) -> Response:
    """印刷用PDF: the same certificate again (the same request id), as a download."""
    page = counter_page(request, form)
    done, _values_shown, failed = _issue(page, form)
    if failed is not None:
        return failed
    assert done is not None
    cert = done.certificate
    filename = f"certificate-{cert.serial.split()[-1]}.pdf"
    return Response(
        cert.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
