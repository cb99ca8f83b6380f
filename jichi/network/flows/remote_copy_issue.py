"""広域交付, step 4 — **B**, the counter, issues the copy A's answer made possible.

The copy is rendered by the certificates code
(:func:`jichi.registry.certificates.issue_from_data`) with B's 通番, stating 住所地 A and
交付地 B, certified by B's mayor, logged and audited, and charged B's 手数料 (or exempted,
e.g. 公用) like any of B's certificates; a retry returns the same certificate.  Pending,
refused or failed requests raise and produce no PDF.  The steps before are in
:mod:`jichi.network.flows.remote_copy`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from jichi.kernel.errors import JichiError
from jichi.network.flows import errors as e
from jichi.network.flows.dispatch import NodeContext
from jichi.network.flows.remote_copy import Status, answer_records, get_remote_copy
from jichi.network.flows.tables import remote_copy
from jichi.places.catalog import default_catalog
from jichi.registry.certificates import (
    Certificate,
    CertificateKind,
    CertificateRequest,
    CertificateSettings,
    Items,
    RemoteIssuance,
    issue_from_data,
)
from jichi.registry.certificates.issue import PdfMaker, to_pdf
from jichi.registry.certificates.render import CertificateData, Subject
from jichi.registry.counter_day.charges import Charge, recorder
from jichi.registry.model import PersonName
from jichi.registry.restrictions import Requester, RequesterType
from jichi.security.actor import Actor
from jichi.store.engine import write_transaction

# -- B: the counter issues the copy -----------------------------------------------------------


def issue_remote_copy(
    node: NodeContext,
    request_id: str,
    clerk: Actor,
    settings: CertificateSettings,
    *,
    charge: Charge | None = None,
    pdf_maker: PdfMaker = to_pdf,
) -> Certificate:
    """The 住民票の写し (広域交付) once the items are here; raises (no PDF) otherwise.

    The copy is B's certificate, issued at B's counter, so it is charged like any other:
    B's 手数料 for the kind from B's fee table (or 0 with an exemption and its reason),
    recorded in the issue's own transaction (:mod:`jichi.registry.counter_day.charges`),
    so it goes on B's 領収書 and balances in B's 日計表.  A wrong exemption refuses
    before anything is numbered; a retry of the same request hands back the copy and
    its one charge.
    """
    found = get_remote_copy(node, request_id)
    with node.engine.connect() as conn:
        data = conn.execute(
            sa.select(remote_copy.c.data).where(
                remote_copy.c.request_id == request_id, remote_copy.c.lg_code == node.lg_code
            )
        ).scalar_one()
    stored: dict[str, Any] = dict(data or {})
    if found.status is Status.PENDING:
        raise JichiError(
            e.WAITING_FOR_REMOTE_COPY_DATA, field="request_id", holder=found.holder_lg_code
        )
    if found.status is Status.REFUSED:
        raise JichiError(
            e.REMOTE_ISSUANCE_REFUSED,
            field="request_id",
            from_lg=found.holder_lg_code,
            why=str(stored.get("why", "")),
            why_en=str(stored.get("why_en", "")),
        )
    if found.status is Status.FAILED:
        raise JichiError(
            e.REMOTE_COPY_MISMATCH,
            field="request_id",
            holder=found.holder_lg_code,
            detail=str(stored.get("detail", "")),
            detail_en=str(stored.get("detail_en", "")),
        )
    draft = found.draft
    records = answer_records(stored, request_id, found.holder_lg_code)
    items = set(stored.get("items") or [])
    chosen = Items(
        relationship="relationship" in items,
        resident_code="resident_code" in items,
        previous_address="previous_address" in items,
        foreign_items="foreign_items" in items,
    )
    head = next((r for r in records if r.is_head), None)
    if head is None and stored.get("head_name"):
        head = records[0].model_copy(
            update={
                "person_id": "head",
                "name": PersonName.model_validate(stored["head_name"]),
                "relationship": "世帯主",
            }
        )
    catalog = default_catalog()
    whole = bool(draft.whole_household) and draft.kind is CertificateKind.RECORD_COPY_HOUSEHOLD
    certificate_data = CertificateData(
        kind=draft.kind,
        subjects=tuple(Subject(r) for r in records),
        items=chosen,
        serial="",
        issued_on=node.today(),
        verification_code="",
        whole_household=whole,
        head=head if chosen.relationship else None,
        remote=RemoteIssuance(
            holder_lg_code=found.holder_lg_code,
            holder_name=catalog.get(found.holder_lg_code).display_name,
            issuer_name=catalog.get(node.lg_code).display_name,
        ),
    )
    only_self = (
        not draft.whole_household
        and len(draft.named) == 1
        and draft.named[0].matches(
            draft.requester.name, draft.requester.date_of_birth, draft.requester.resident_code
        )
    )
    request = CertificateRequest(
        kind=draft.kind,
        person_ids=tuple(r.person_id for r in records),
        requester=Requester(
            RequesterType.SELF if only_self else RequesterType.SAME_HOUSEHOLD,
            name=draft.requester.name,
        ),
        request_id=request_id,
        items=chosen,
        whole_household=whole,
    )
    record_fee = recorder(request, charge or Charge(), clerk)  # refuses first
    issued = issue_from_data(
        node.registry,
        request,
        clerk,
        settings,
        certificate_data,
        pdf_maker=pdf_maker,
        after_store=record_fee,
    )
    if found.status is Status.READY:
        with write_transaction(node.engine) as conn:
            conn.execute(
                remote_copy.update()
                .where(
                    remote_copy.c.request_id == request_id,
                    remote_copy.c.lg_code == node.lg_code,
                    remote_copy.c.status == Status.READY.value,
                )
                .values(
                    status=Status.ISSUED.value,
                    certificate_serial=issued.serial,
                    updated_at=node.clock(),
                )
            )
    return issued
