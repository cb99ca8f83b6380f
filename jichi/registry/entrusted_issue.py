"""事務の委託 at the entrusted counter: ask the holder, then issue the copy here.

The holder side is :func:`jichi.registry.entrusted_copy.answer`: it finds the 委託 in force,
the one person the requester named, refuses a protected one and audits the read under
the person.  This module is the counter side.  :func:`issue_entrusted_copy` asks the
holder through a :class:`Holders` channel — never the holder's tables directly — and
renders the answer with the certificates code (:func:`issue_from_data`): the counter's
通番, a sheet that names the 委託団体, the 受託団体 and the arrangement, and the fee —
the counter's own table's, or the holder's when the contract applies the holder's rules
(``rules_of``) — recorded in the same transaction (so the copy is in the
counter's 日計表).  A retry with the same ``request_id`` gives the same certificate back.

:class:`SharedDatabaseHolders` is the channel when both members' registries live in one
database (one deployment serving several municipalities): it runs the holder's answer
on an engine bound to the *holder's* tenant, so row-level security shows that answer the
holder's rows only, and the counter's own engine never sees them.  Across node
databases the request would travel like a 広域交付 request (not built: docs/guide/places.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Protocol

from sqlalchemy import Engine

from jichi.kernel.clock import Clock
from jichi.kernel.errors import JichiError
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
from jichi.registry.counter_day import charges
from jichi.registry.entrusted_copy import EntrustedRecord, answer
from jichi.registry.errors import WRONG_TENANT
from jichi.registry.restrictions import Requester, RequesterType
from jichi.registry.service import Registry
from jichi.security.actor import Actor
from jichi.security.crypto import FieldCipher
from jichi.store.engine import tenant_engine

# The kinds a 委託 of certificate issuance may name (its ``services``), in form order.
KINDS = (
    CertificateKind.RECORD_COPY_PERSONAL,
    CertificateKind.RECORD_COPY_HOUSEHOLD,
    CertificateKind.REMOVED_RECORD_COPY,
)


class Holders(Protocol):
    """How a counter reaches the holder of the records it is entrusted with."""

    def answer(
        self,
        actor: Actor,
        *,
        holder: str,
        service: str,
        family: str,
        given: str,
        date_of_birth: date,
    ) -> EntrustedRecord: ...


@dataclass(frozen=True)
class SharedDatabaseHolders:
    """The holder's answer in a deployment where both registries share one database.

    ``engine`` is the deployment's engine (not a counter's tenant engine); each answer
    runs on ``tenant_engine(engine, holder)``, bound to the holder's municipality.
    """

    engine: Engine
    cipher: FieldCipher
    clock: Clock | None = None

    def answer(
        self,
        actor: Actor,
        *,
        holder: str,
        service: str,
        family: str,
        given: str,
        date_of_birth: date,
    ) -> EntrustedRecord:
        return answer(
            tenant_engine(self.engine, holder),
            self.cipher,
            actor,
            holder=holder,
            service=service,
            family=family,
            given=given,
            date_of_birth=date_of_birth,
            clock=self.clock,
        )


@dataclass(frozen=True)
class EntrustedDraft:
    """What the entrusted counter asks for: the holder, the kind and who is named.

    The requester is the person themself (本人): the holder matches them by 氏名 and
    生年月日 and nobody else is printed (a household copy carries that one person).
    """

    holder: str
    kind: CertificateKind
    name: str  # 氏名 as on the identity document; spaces do not matter
    date_of_birth: date
    id_document: str
    request_id: str


@dataclass(frozen=True)
class EntrustedIssue:
    certificate: Certificate
    entrusted: EntrustedRecord


def issue_entrusted_copy(
    registry: Registry,
    holders: Holders,
    draft: EntrustedDraft,
    clerk: Actor,
    settings: CertificateSettings,
    charge: charges.Charge,
    *,
    rules_settings: CertificateSettings | None = None,
    pdf_maker: PdfMaker = to_pdf,
) -> EntrustedIssue:
    """The copy of the holder's record, issued at ``registry``'s counter under the 委託.

    COOP-001 without a 委託 in force for this counter, holder and kind (nothing read),
    COOP-010/011 from the holder; the fee check (exemption, 委任状) refuses before the
    holder is asked.  ``rules_settings`` are the settings of the municipality whose rules
    the contract names (``Entrustment.rules_lg_code``): their 認証文 are used, the
    certifier stays this counter's mayor.  The fee is that municipality's too: the
    holder's (from its answer) under its rules, else this counter's table.
    """
    if clerk.lg_code != registry.lg_code:
        raise JichiError(WRONG_TENANT, field="actor", lg_code=registry.lg_code)
    requester = Requester(
        RequesterType.SELF,
        name=draft.name,
        date_of_birth=draft.date_of_birth,
        id_document=draft.id_document,
    )
    placeholder = CertificateRequest(
        kind=draft.kind, person_ids=("-",), requester=requester, request_id=draft.request_id
    )
    charges.check(placeholder, charge)
    got = holders.answer(
        clerk,
        holder=draft.holder,
        service=draft.kind.value,
        family=draft.name,
        given="",
        date_of_birth=draft.date_of_birth,
    )
    record = got.record
    grant = got.entrustment
    catalog = default_catalog()
    if rules_settings is not None and grant.rules_lg_code != registry.lg_code:
        settings = replace(settings, certification_text=rules_settings.certification_text)
    data = CertificateData(
        kind=draft.kind,
        subjects=(Subject(record),),
        items=Items(),
        serial="",
        issued_on=registry.clock().date(),
        verification_code="",
        remote=RemoteIssuance(
            holder_lg_code=draft.holder,
            holder_name=catalog.get(draft.holder).display_name,
            issuer_name=catalog.get(registry.lg_code).display_name,
            entrustment=grant.arrangement.name,
            entrustment_basis=grant.arrangement.basis,
        ),
    )
    request = CertificateRequest(
        kind=draft.kind,
        person_ids=(record.person_id,),
        requester=requester,
        request_id=draft.request_id,
    )
    issued = issue_from_data(
        registry,
        request,
        clerk,
        settings,
        data,
        pdf_maker=pdf_maker,
        after_store=charges.recorder(request, charge, clerk, standard_fee=got.fee_yen),
    )
    return EntrustedIssue(issued, got)
