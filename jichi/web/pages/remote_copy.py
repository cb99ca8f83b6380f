"""広域交付 at the counter (住基法12条の4): the request, its status, and the copy.

The web process does not talk to the network.  「広域交付の請求」 calls
:func:`jichi.network.flows.remote_copy.request_remote_copy`, which stores the request
*pending* and writes ``municipality.<A>.remote_copy_request`` to the outbox in the same
transaction (audited); the node process (``jichi network node``) relays it and applies
the answer.  The status page reads the stored request (and polls it with a small JSON
endpoint); 「交付する」 calls :func:`issue_remote_copy`, which renders the copy from the
items the 住所地 sent, charged this counter's 手数料 from its fee table (or exempted
with a ground, e.g. 公用) and then put on a 領収書 like any certificate.  「印刷用PDF」
calls it again with the same request id: the same certificate re-made byte for byte,
never a second one, and no second charge (as for a local certificate).

The app gets its :class:`Node` from ``app.state.node`` when the composition root put one
there; otherwise it builds one over its own engine whose transport refuses to send
(:class:`CounterOnlyTransport`) — the counter never publishes, so nothing is lost: the
rows wait in the outbox for the node process.

What the law allows is decided by the flow (NOD-018/019/020/027, CRT-002); this module
only reads the form, shows the flow's typed errors next to their inputs (the first one
focused) and offers only what a remote copy may carry.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.datastructures import FormData

from jichi.kernel.errors import JichiError, define
from jichi.kernel.identifiers import normalize_digits
from jichi.network.flows.remote_copy import (
    ITEM_LABELS,
    NEVER,
    Refusal,
    RemoteCopy,
    RemoteCopyDraft,
    Status,
    get_remote_copy,
    request_remote_copy,
)
from jichi.network.flows.remote_copy_issue import issue_remote_copy
from jichi.network.flows.settings import FlowSettings
from jichi.network.messages import SUBJECT_ROOT, Envelope
from jichi.network.node import Node
from jichi.network.transport import BatchHandler, Handler, Subscription, unavailable
from jichi.places.catalog import default_catalog
from jichi.places.model import LocalGovernment
from jichi.registry.certificates import Certificate, CertificateKind
from jichi.registry.counter_day import charges, fees
from jichi.registry.counter_day.charges import Charge
from jichi.registry.counter_day.fees import EXEMPTIONS
from jichi.security.actor import Actor
from jichi.web.pages.certificates import EXEMPTION_CHOICES, first_page_png, settings_for
from jichi.web.pages.common import STAFF_ROLES, Form, Page, PageRoute, counter_page
from jichi.web.pages.forms import TOO_LONG, UNKNOWN_PLACE
from jichi.web.pages.requester_fields import DOCUMENT_LIMIT, id_checked, identity, required

router = APIRouter(route_class=PageRoute)
FEE_FIELDS = ("exemption", "exemption_note")  # the 交付 form's fee side

AMBIGUOUS_PLACE = define(
    "WEB-007",
    "「{text}」に当たる市区町村が複数あります（{candidates}）。"
    "都道府県名を付けるか、団体コードで指定してください。",
    "several municipalities are named {text}; add the prefecture or give the code",
    params=("text", "candidates"),
)

ROWS = 4  # person rows on the form (the flow takes up to 20; more rows, more requests)
KIND_CHOICES = [
    (CertificateKind.RECORD_COPY_HOUSEHOLD.value, "住民票の写し（世帯連記式）"),
    (CertificateKind.RECORD_COPY_PERSONAL.value, "住民票の写し（個人票）"),
]
REQUESTER_CHOICES = [("self", "本人"), ("same_household", "同一世帯の方")]
SCOPE_CHOICES = [
    ("self", "請求者本人だけ"),
    ("household", "世帯全員（世帯連記式）"),
    ("named", "次に入力する方（同一世帯の方）"),
]
DOCUMENTS = [
    "マイナンバーカード",
    "運転免許証",
    "旅券（パスポート）",
    "在留カード",
    "特別永住者証明書",
]
DEFAULT_ITEMS = ["previous_address"]  # the flow's default: 転入前住所 unless declined

# What the page calls each state (the flow's own labels are for lists).
STATE_JA = {
    Status.PENDING: "待機中",
    Status.READY: "交付できます",
    Status.ISSUED: "交付済み",
    Status.REFUSED: "断られました",
    Status.FAILED: "中止しました（返事が請求と一致しません）",
}
REFUSAL_JA = {r.value: r.text[0] for r in Refusal}

# The flow's error fields → the inputs they belong to.
FIELD_OF = {
    "holder_lg_code": "holder",
    "code": "holder",
    "requester_type": "requester_type",
    "kind": "kind",
    "subjects": "scope",
    "requester": "requester_name",
    "id_document": "id_document",
}
ORDER = (
    "holder",
    "requester_type",
    "requester_name",
    "requester_dob",
    "requester_code",
    "id_document",
    "id_checked",
    "kind",
    "scope",
    *(f"subjects.{i}.{part}" for i in range(ROWS) for part in ("name", "dob", "code")),
    "items",
)


# -- the node this web process acts through --------------------------------------------


class CounterOnlyTransport:
    """The web process's transport: it never sends or receives (the node process does).

    :func:`request_remote_copy` only writes to the outbox, so nothing here is called in
    normal use; if something did try to publish, it fails like a broker that is down
    (NET-003) and the rows stay in the outbox.
    """

    root = SUBJECT_ROOT

    async def publish(self, envelope: Envelope) -> None:
        raise unavailable("the counter web process does not send; the node process relays")

    async def publish_many(self, envelopes: Sequence[Envelope]) -> int:
        raise unavailable("the counter web process does not send; the node process relays")

    async def pull(
        self, consumer: str, subjects: str, handler: Handler, *, batch: int = 100
    ) -> int:
        raise unavailable("the counter web process does not receive; the node process does")

    async def pull_batch(
        self,
        consumer: str,
        subjects: str,
        handler: BatchHandler,
        *,
        batch: int = 100,
        wait: float | None = None,
    ) -> int:
        raise unavailable("the counter web process does not receive; the node process does")

    async def subscribe(
        self, consumer: str, subjects: str, handler: BatchHandler, *, idle: float = 0.2
    ) -> Subscription:
        raise unavailable("the counter web process does not receive; the node process does")

    async def close(self) -> None:
        return None


def node_of(page: Page) -> Node:
    """``app.state.node`` if the composition root set one, else one over the app's engine."""
    state = page.request.app.state
    node: Node | None = getattr(state, "node", None)
    if node is None or node.lg_code != page.registry.lg_code:
        registry = page.registry
        node = Node(
            registry.engine,
            registry.lg_code,
            CounterOnlyTransport(),
            cipher=registry.cipher,
            settings=getattr(state, "flow_settings", None) or FlowSettings(),
            calendar=registry.calendar,
            clock=registry.clock,
        )
        state.node = node
    return node


# -- the form --------------------------------------------------------------------------


def _municipalities() -> list[LocalGovernment]:
    return [lg for lg in default_catalog() if not lg.is_prefecture and not lg.northern_territories]


def find_holder(text: str) -> tuple[str, str]:
    """The 団体コード for what was typed (a name, a code, or the list's 「名前 コード」).

    Returns ``(code, "")`` or ``("", Japanese error)``.
    """
    typed = text.strip()
    catalog = default_catalog()
    digits = re.findall(r"\d{5,6}", normalize_digits(typed))
    if digits:
        try:
            found = catalog.get(digits[-1])
        except JichiError as error:
            return "", error.message_ja
        if found.is_prefecture:
            return "", JichiError(UNKNOWN_PLACE, text=typed).message_ja
        return found.code, ""
    matches = [lg for lg in catalog.find_by_name(typed) if not lg.is_prefecture]
    if len(matches) == 1:
        return matches[0].code, ""
    if len(matches) > 1:
        listed = "、".join(f"{lg.display_name} {lg.code}" for lg in matches)
        return "", JichiError(AMBIGUOUS_PLACE, text=typed, candidates=listed).message_ja
    return "", JichiError(UNKNOWN_PLACE, text=typed).message_ja


def _values(form: FormData | None = None) -> dict[str, Any]:
    if form is None:
        return {
            "requester_type": "self",
            "kind": CertificateKind.RECORD_COPY_HOUSEHOLD.value,
            "scope": "self",
            "items": list(DEFAULT_ITEMS),
        }
    values: dict[str, Any] = {
        k: str(v).strip() for k, v in form.multi_items() if k not in {"csrf_token", "items"}
    }
    values["items"] = [str(v) for v in form.getlist("items")]
    return values


def read_draft(values: dict[str, Any]) -> tuple[RemoteCopyDraft | None, dict[str, str]]:
    """The draft the form describes, or the inputs' errors (in Japanese)."""
    errors: dict[str, str] = {}
    holder = ""
    if not values.get("holder"):
        errors["holder"] = required("住所地の市区町村", "holder")
    else:
        holder, problem = find_holder(values["holder"])
        if problem:
            errors["holder"] = problem
    if not values.get("requester_type"):
        errors["requester_type"] = "請求者の種別を選んでください。"
    requester = identity(values, "requester_name", "requester_dob", "requester_code", errors)
    document = values.get("id_document", "")
    if not document:
        errors["id_document"] = required("確認した本人確認書類", "id_document")
    elif len(document) > DOCUMENT_LIMIT:
        errors["id_document"] = JichiError(
            TOO_LONG, label="本人確認書類", label_en="id_document", max=DOCUMENT_LIMIT
        ).message_ja
    id_checked(values, errors)
    scope = values.get("scope", "")
    subjects: list[dict[str, Any]] = []
    if scope == "named":
        for i in range(ROWS):
            keys = (f"subjects.{i}.name", f"subjects.{i}.dob", f"subjects.{i}.code")
            if any(values.get(k) for k in keys):
                subjects.append(identity(values, *keys, errors))
        if not subjects and not any(k.startswith("subjects.") for k in errors):
            errors["subjects.0.name"] = "記載する方を1人以上入力してください。"
    elif scope not in ("self", "household"):
        errors["scope"] = "記載する方を選んでください。"
    if errors:
        return None, errors
    try:
        draft = RemoteCopyDraft.model_validate(
            {
                "holder_lg_code": holder,
                "kind": values.get("kind", ""),
                "requester_type": values["requester_type"],
                "requester": requester,
                "id_document": document,
                "subjects": subjects,
                "whole_household": scope == "household",
                "items": values.get("items", []),
            }
        )
    except ValidationError as bad:  # a value no choice on the form gives
        for item in bad.errors():
            top = str(item["loc"][0]) if item.get("loc") else ""
            errors.setdefault(FIELD_OF.get(top, ""), "選択肢から選んでください。")
        return None, errors
    return draft, {}  # 住所地 ≠ 交付地 and the law's limits: the flow checks them


def flow_error(error: JichiError) -> dict[str, str]:
    """A flow's typed error next to the input it concerns (else above the form)."""
    field = error.field or ""
    name = "items" if field.startswith("items") else FIELD_OF.get(field.split(".")[0], "")
    return {name: f"{error.message_ja}（{error.code}）"}


def _ordered(errors: dict[str, str]) -> dict[str, str]:
    known = [k for k in ORDER if k in errors]
    return {**{k: errors[k] for k in known}, **{k: v for k, v in errors.items() if k not in known}}


def _form(
    page: Page, node: Node, values: dict[str, Any], errors: dict[str, str], status_code: int = 200
) -> Response:
    errors = _ordered(errors)
    allowed = node.settings.remote_copy_items
    return page.render(
        "counter/remote_copy_form.html",
        status_code=status_code,
        values=values,
        errors=errors,
        focus=next((k for k in errors if k), "") if errors else "holder",
        rows=ROWS,
        kinds=KIND_CHOICES,
        requesters=REQUESTER_CHOICES,
        scopes=SCOPE_CHOICES,
        item_choices=[(k, v[0]) for k, v in ITEM_LABELS.items() if k in allowed],
        never=[(v[0], v[2]) for v in NEVER.values()],
        documents=DOCUMENTS,
        places=_municipalities(),
    )


@router.get("/remote_copies/new")
def remote_copy_form(request: Request) -> Response:
    page = counter_page(request)
    page.require("network.remote_copy.request", *STAFF_ROLES)
    return _form(page, node_of(page), _values(), {})


@router.post("/remote_copies")
def remote_copy_submit(request: Request, form: Form) -> Response:
    page = counter_page(request, form)
    actor = page.require("network.remote_copy.request", *STAFF_ROLES)
    node = node_of(page)
    values = _values(form)
    draft, errors = read_draft(values)
    if draft is None:
        return _form(page, node, values, errors, status_code=422)
    try:
        asked = request_remote_copy(node, draft, actor)
    except JichiError as error:
        return _form(page, node, values, flow_error(error), status_code=error.http_status)
    return page.redirect(f"/counter/remote_copies/{asked.request_id}?sent=1")


# -- the status page, the copy and its PDF ------------------------------------------------


def _fee(page: Page, found: RemoteCopy) -> dict[str, Any]:
    """The issuing counter's 手数料 for this copy: before 交付, the amount from this
    municipality's fee table; once issued, the charge recorded with the copy."""
    lg_code = page.registry.lg_code
    with page.registry.engine.connect() as conn:
        table = fees.fee_table(conn, lg_code)
        serial = found.certificate_serial
        charge = charges.charge_of(conn, lg_code, serial) if serial else None
    kind = found.draft.kind
    return {
        "fee_yen": table.fee(kind),
        "fee_kind_ja": kind.label_ja,
        "fee_example": kind in table.example,
        "exemptions": EXEMPTION_CHOICES,
        "charge": charge,
        "exemption_ja": EXEMPTIONS.get(str(charge.exemption), "") if charge is not None else "",
    }


def _shown(
    page: Page,
    found: RemoteCopy,
    *,
    cert: Certificate | None = None,
    error: JichiError | None = None,
    sent: bool = False,
    status_code: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    catalog = default_catalog()
    image = first_page_png(cert.pdf) if cert is not None else b""
    return page.render(
        "counter/remote_copy.html",
        **_fee(page, found),
        values=values or {},
        errors=errors or {},
        status_code=status_code,
        copy=found,
        state=STATE_JA[found.status],
        holder=catalog.get(found.holder_lg_code),
        kind_label=dict(KIND_CHOICES)[found.draft.kind.value],
        requester_label=dict(REQUESTER_CHOICES).get(found.draft.requester_type.value, ""),
        item_labels=[ITEM_LABELS[i][0] for i in found.draft.items if i in ITEM_LABELS],
        refusal=REFUSAL_JA.get(found.refusal, ""),
        cert=cert,
        image=base64.b64encode(image).decode() if image else "",
        pdf=base64.b64encode(cert.pdf).decode() if cert is not None and not image else "",
        error=error,
        sent=sent,
    )


@router.get("/remote_copies/{request_id}")
def remote_copy_page(request: Request, request_id: str, sent: str = "") -> Response:
    page = counter_page(request)
    page.require("network.remote_copy.read", *STAFF_ROLES)
    return _shown(page, get_remote_copy(node_of(page), request_id), sent=bool(sent))


@router.get("/remote_copies/{request_id}/status")
def remote_copy_status(request: Request, request_id: str) -> Response:
    """The stored status only (what the status page polls); no personal data."""
    page = counter_page(request)
    page.require("network.remote_copy.read", *STAFF_ROLES)
    found = get_remote_copy(node_of(page), request_id)
    return JSONResponse(
        {"status": found.status.value, "label": STATE_JA[found.status]},
        headers={"Cache-Control": "no-store"},
    )


def _issue(
    page: Page, actor: Actor, request_id: str, form: FormData
) -> tuple[Certificate | None, Response | None]:
    """交付 with the fee side of the form (an exemption and its ground), or the page
    again with the error: at its input for the exemption, in the summary otherwise."""
    node = node_of(page)
    values = {name: str(form.get(name, "")).strip()[:200] for name in FEE_FIELDS}
    charge = Charge(exemption=values["exemption"], exemption_note=values["exemption_note"])
    try:
        cert = issue_remote_copy(
            node,
            request_id,
            actor,
            settings_for(page.request, page.registry.lg_code),
            charge=charge,
        )
    except JichiError as error:
        found = get_remote_copy(node, request_id)
        if error.field in FEE_FIELDS:
            errors = {str(error.field): error.message_ja}
            return None, _shown(page, found, values=values, errors=errors, status_code=422)
        return None, _shown(page, found, error=error, status_code=error.http_status)
    return cert, None


@router.post("/remote_copies/{request_id}/issue")
def remote_copy_issue(request: Request, request_id: str, form: Form) -> Response:
    """交付する: the copy from the 住所地's items (the same one again for this request)."""
    page = counter_page(request, form)
    actor = page.require("certificate.issue", *STAFF_ROLES)
    cert, failed = _issue(page, actor, request_id, form)
    if failed is not None:
        return failed
    assert cert is not None
    return _shown(page, get_remote_copy(node_of(page), request_id), cert=cert)


@router.post("/remote_copies/{request_id}/pdf")
def remote_copy_pdf(request: Request, request_id: str, form: Form) -> Response:
    """印刷用PDF: the same certificate again, byte for byte, as a download."""
    page = counter_page(request, form)
    actor = page.require("certificate.issue", *STAFF_ROLES)
    cert, failed = _issue(page, actor, request_id, form)
    if failed is not None:
        return failed
    assert cert is not None
    filename = f"certificate-{cert.serial.split()[-1]}.pdf"
    return Response(
        cert.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
