"""Issuing a certificate: the gate, the audited reads, the PDF and the log — or nothing.

The order is the point (U1, U3, U9):

1. The request is checked on its own (subjects, items the requester may have).
2. **The gate**: :meth:`Protection.check_request` for every person whose data will be
   printed.  A refusal stops here, before any record is read; the gate has already
   audited it.
3. A retry (a ``request_id`` already used) returns the certificate issued for it, the
   same bytes re-made from the record as known at the first issue, never a second one.
4. The records are read through the registry, each read audited, as known at the
   moment of issue.
5. The 通番 is reserved (a one-row write under the per-municipality lock), the HTML
   rendered and the PDF made with no lock held, then in **one transaction** under the
   lock again: its SHA-256 and the row stored, one ``certificate.issue`` audit entry
   written per subject.  Any failure rolls the store back, gives the number back when
   it is the day's last (:mod:`jichi.registry.certificates.serial`) and returns no PDF.

Each call works only on its own request's values (no shared buffer, queue or file), so
one request's document can only ever hold that request's people (U1); the tests check
it under concurrency.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.kernel.errors import JichiError
from jichi.places.catalog import default_catalog
from jichi.registry import errors as registry_errors
from jichi.registry import issuance_notification
from jichi.registry.certificates import errors as e
from jichi.registry.certificates import serial as numbering
from jichi.registry.certificates.fonts import FontChoice, default_font, metrics_for
from jichi.registry.certificates.model import (
    Alert,
    Certificate,
    CertificateKind,
    CertificateRequest,
    CertificateSettings,
    Official,
)
from jichi.registry.certificates.render import CertificateData, render
from jichi.registry.certificates.serial import serial_for
from jichi.registry.certificates.subjects import (
    People,
    check_request,
    check_settings,
    read_data,
    resolve_people,
)
from jichi.registry.certificates.tables import certificate
from jichi.registry.protection import Protection
from jichi.registry.restrictions import Override, Requester
from jichi.registry.service import JST, Registry
from jichi.security import audit
from jichi.security.actor import Actor
from jichi.store.engine import write_transaction

log = logging.getLogger("jichi.registry.certificates")

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
CODE_LENGTH = 16  # 80 bits, shown as XXXX-XXXX-XXXX-XXXX
SERIAL_ATTEMPTS = 5  # the reserved 通番 was given back by a concurrent failure: again

PdfMaker = Callable[[str], tuple[bytes, int]]
AfterStore = Callable[[Connection, Certificate], None]


def municipality_settings(lg_code: str, mayor_name: str, **options: Any) -> CertificateSettings:
    """Settings with the issuer's title built from the catalogue: 埼玉県川越市長."""
    lg = default_catalog().get(lg_code)
    return CertificateSettings(mayor=Official(f"{lg.display_name}長", mayor_name), **options)


def to_pdf(html: str) -> tuple[bytes, int]:
    """The PDF of ``html`` (WeasyPrint) and its number of pages."""
    from weasyprint import HTML

    document = HTML(string=html).render()
    return document.write_pdf(), len(document.pages)


def new_verification_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def issue(
    registry: Registry,
    protection: Protection,
    request: CertificateRequest,
    clerk: Actor,
    settings: CertificateSettings,
    override: Override | None = None,
    *,
    font: FontChoice | None = None,
    pdf_maker: PdfMaker = to_pdf,
    after_store: AfterStore | None = None,
) -> Certificate:
    """Issue the certificate ``request`` asks for, or raise and leave nothing behind.

    ``after_store`` runs in the issue's own transaction once the row is written (the
    counter day records the certificate's fee there: both exist or neither).  A retry
    that hands back the certificate already issued does not run it again.
    """
    _check_call(registry, request, clerk, settings)
    engine = registry.engine
    with engine.connect() as conn:
        earlier = _by_request(conn, registry.lg_code, request.request_id)
        people = resolve_people(conn, registry.lg_code, request, earlier)
    channel = f"certificate.{request.kind.value}"
    requester = _confirmed(protection, request, clerk, channel)
    for person_id in people.gate:  # FIRST: nothing is read before every subject passes
        protection.check_request(person_id, requester, clerk, channel=channel, override=override)
    font = font or default_font()
    if earlier is not None:
        return _replay(registry, request, clerk, settings, earlier, font, pdf_maker, people)
    issued_at = registry.clock()
    data = read_data(registry, request, clerk, people, issued_at)
    found = _number_and_store(
        registry,
        request,
        clerk,
        settings,
        data,
        issued_at,
        font,
        pdf_maker,
        local=True,
        after_store=after_store,
    )
    if isinstance(found, Certificate):
        return found
    # The same request finished meanwhile (a concurrent retry): hand back that one.
    return _replay(registry, request, clerk, settings, found, font, pdf_maker, people)


def issue_from_data(
    registry: Registry,
    request: CertificateRequest,
    clerk: Actor,
    settings: CertificateSettings,
    data: CertificateData,
    *,
    font: FontChoice | None = None,
    pdf_maker: PdfMaker = to_pdf,
    after_store: AfterStore | None = None,
) -> Certificate:
    """Issue a certificate whose items did not come from this registry (広域交付, 事務の委託).

    The caller has already had the gate passed where the records are held, and gives
    the subjects' items in ``data`` (in print order).  The rest is :func:`issue`'s: this
    municipality's 通番 and log row, one transaction, and a retry with the same
    ``request_id`` returns the same certificate re-made byte for byte from the same
    ``data``, never a second one.  Nothing is read from the registry; the audit entry
    names the subjects in its detail (they are not residents here) and no 本人通知 is
    recorded.  ``after_store`` is :func:`issue`'s (the counter day's fee, in the same
    transaction); a retry does not run it again.
    """
    _check_call(registry, request, clerk, settings)
    font = font or default_font()
    engine = registry.engine
    lg_code = registry.lg_code
    with engine.connect() as conn:
        found = _by_request(conn, lg_code, request.request_id)
    if found is None:
        issued_at = registry.clock()
        data = replace(data, issued_on=issued_at.astimezone(JST).date(), draft=False)
        stored = _number_and_store(
            registry,
            request,
            clerk,
            settings,
            data,
            issued_at,
            font,
            pdf_maker,
            local=False,
            after_store=after_store,
        )
        if isinstance(stored, Certificate):
            return stored
        found = stored
    if found.kind != request.kind.value or list(found.subject_person_ids) != list(
        request.person_ids
    ):
        raise JichiError(e.REQUEST_ID_REUSED, field="request_id", request_id=request.request_id)
    issued_at = found.issued_at
    if issued_at.tzinfo is None:  # SQLite keeps no zone; stored in UTC
        issued_at = issued_at.replace(tzinfo=UTC)
    again = replace(
        data,
        serial=found.serial,
        verification_code=found.verification_code,
        issued_on=found.issued_on,
        draft=False,
    )
    rendered = render(again, settings, font_family=font.family, measure=metrics_for(font))
    pdf, pages = _make_pdf(pdf_maker, rendered.html)
    if hashlib.sha256(pdf).hexdigest() != found.pdf_sha256:
        log.error("certificate %s could not be reproduced for a retry", found.serial)
        raise JichiError(e.CANNOT_REPRODUCE, field="request_id", serial=found.serial)
    with write_transaction(engine) as conn:
        audit.append(
            conn,
            audit.AuditEntry(
                lg_code=lg_code,
                at=registry.clock(),
                actor=clerk.staff_id,
                actor_role=clerk.role,
                action="certificate.replay",
                detail={
                    "serial": found.serial,
                    "kind": found.kind,
                    "remote_subjects": list(found.subject_person_ids),
                },
            ),
            registry.cipher.audit_key,
        )
    return Certificate(
        serial=found.serial,
        lg_code=found.lg_code,
        kind=CertificateKind(found.kind),
        request_id=found.request_id,
        issued_at=issued_at,
        subject_person_ids=tuple(found.subject_person_ids),
        pdf_sha256=found.pdf_sha256,
        verification_code=found.verification_code,
        page_count=pages,
        pdf=pdf,
        alerts=rendered.alerts,
        replayed=True,
    )


@dataclass(frozen=True)
class Preview:
    """What a certificate would look like: marked 見本, with no 発行番号 and no code."""

    kind: CertificateKind
    subject_person_ids: tuple[str, ...]
    page_count: int
    pdf: bytes = field(repr=False, default=b"")
    alerts: tuple[Alert, ...] = ()


def preview(
    registry: Registry,
    protection: Protection,
    request: CertificateRequest,
    clerk: Actor,
    settings: CertificateSettings,
    override: Override | None = None,
    *,
    font: FontChoice | None = None,
    pdf_maker: PdfMaker = to_pdf,
) -> Preview:
    """The certificate ``request`` asks for, as a 見本 — nothing is issued.

    The same checks and the same gate as :func:`issue` (a person the gate protects is
    not shown even as a 見本), and the records are read through the registry, so each
    read is audited (purpose ``certificate-preview:<kind>``).  No 通番 is taken, no
    ``certificate`` row or ``certificate.issue`` entry is written and no 本人通知 is
    recorded: a preview is a read, not an issuance.
    """
    _check_call(registry, request, clerk, settings)
    with registry.engine.connect() as conn:
        people = resolve_people(conn, registry.lg_code, request, None)
    channel = f"certificate.{request.kind.value}.preview"
    requester = _confirmed(protection, request, clerk, channel)
    for person_id in people.gate:
        protection.check_request(person_id, requester, clerk, channel=channel, override=override)
    font = font or default_font()
    purpose = f"certificate-preview:{request.kind.value}"
    data = read_data(registry, request, clerk, people, registry.clock(), purpose=purpose)
    data = replace(data, draft=True)
    rendered = render(data, settings, font_family=font.family, measure=metrics_for(font))
    pdf, pages = _make_pdf(pdf_maker, rendered.html)
    return Preview(
        kind=request.kind,
        subject_person_ids=tuple(s.record.person_id for s in data.subjects),
        page_count=pages,
        pdf=pdf,
        alerts=rendered.alerts,
    )


# -- request checks (no database) ----------------------------------------------------------


def _check_call(
    registry: Registry, request: CertificateRequest, clerk: Actor, settings: CertificateSettings
) -> None:
    """What every entry point refuses before it reads anything."""
    check_request(request)
    check_settings(registry.lg_code, settings)
    if clerk.lg_code != registry.lg_code:
        raise JichiError(registry_errors.WRONG_TENANT, field="actor", lg_code=registry.lg_code)


def _confirmed(
    protection: Protection, request: CertificateRequest, clerk: Actor, channel: str
) -> Requester:
    """本人 / 同一世帯 checked against the record (issue 9) before the support-measure gate.

    The 転出証明書 is handed to whoever made the 転出届 (its own procedure), so it is
    not checked here; every copy and 記載事項証明書 is.
    """
    if request.kind is CertificateKind.MOVE_OUT_CERTIFICATE:
        return request.requester
    return protection.confirm_requester(
        list(request.person_ids), request.requester, clerk, channel=channel
    )


def _by_request(conn: Connection, lg_code: str, request_id: str) -> Any:
    """The certificate this municipality already issued for ``request_id``, if any.

    Scoped to the municipality: a request id seen elsewhere must never hand back
    another municipality's certificate (tenant isolation).
    """
    return conn.execute(
        sa.select(certificate).where(
            certificate.c.request_id == request_id, certificate.c.lg_code == lg_code
        )
    ).first()


def _number_and_store(
    registry: Registry,
    request: CertificateRequest,
    clerk: Actor,
    settings: CertificateSettings,
    data: CertificateData,
    issued_at: datetime,
    font: FontChoice,
    pdf_maker: PdfMaker,
    *,
    local: bool,
    after_store: AfterStore | None = None,
) -> Any:
    """Reserve the 通番, make the PDF with no lock held, and store it: the new
    :class:`Certificate`, or the row of the same request if a concurrent retry stored
    it first.

    The lock is held twice, briefly: for the reservation and for the store
    (:mod:`jichi.registry.certificates.serial`).  The render, nearly all the cost,
    runs in parallel across threads and processes.  A failed render gives its number
    back when it can; if a concurrent failure of the same request gave it back before
    this one stored, the number is reserved again and the PDF made again.
    """
    engine, lg_code, day = registry.engine, registry.lg_code, data.issued_on
    request_id = request.request_id
    for _attempt in range(SERIAL_ATTEMPTS):
        seq = numbering.reserve(engine, lg_code, day, request_id, registry.clock())
        try:
            made = _make(registry, settings, data, seq, font, pdf_maker)
        except BaseException:
            try:  # the render's error is the one to report; the number stays reserved
                numbering.release(engine, lg_code, day, request_id, seq)
            except Exception:
                log.exception(
                    "serial seq %s of request %s could not be given back", seq, request_id
                )
            raise
        with write_transaction(engine) as conn:
            numbering.lock(conn, lg_code)
            found = _by_request(conn, lg_code, request_id)
            if found is not None:
                return found
            if not numbering.holds(conn, lg_code, day, request_id, seq):
                continue
            stored = _store(conn, registry, request, clerk, made, issued_at, local=local)
            if after_store is not None:
                after_store(conn, stored)
            return stored
    raise JichiError(e.SERIAL_BUSY, field="serial")


# -- issuing (one transaction) -------------------------------------------------------------


def _make_pdf(pdf_maker: PdfMaker, html: str) -> tuple[bytes, int]:
    try:
        return pdf_maker(html)
    except JichiError:
        raise
    except Exception as error:  # WeasyPrint, fonts, memory: nothing is issued
        log.exception("certificate PDF failed")
        raise JichiError(e.PDF_FAILED, field="pdf") from error


@dataclass(frozen=True)
class _Made:
    data: CertificateData
    seq: int
    pdf: bytes
    pages: int
    digest: str
    alerts: tuple[Alert, ...]


def _make(
    registry: Registry,
    settings: CertificateSettings,
    data: CertificateData,
    seq: int,
    font: FontChoice,
    pdf_maker: PdfMaker,
) -> _Made:
    """Number, render and print the certificate (nothing stored yet)."""
    serial = serial_for(registry.lg_code, data.issued_on, seq, settings)
    data = replace(data, serial=serial, verification_code=new_verification_code())
    rendered = render(data, settings, font_family=font.family, measure=metrics_for(font))
    pdf, pages = _make_pdf(pdf_maker, rendered.html)
    return _Made(data, seq, pdf, pages, hashlib.sha256(pdf).hexdigest(), rendered.alerts)


def _store(
    conn: Connection,
    registry: Registry,
    request: CertificateRequest,
    clerk: Actor,
    made: _Made,
    issued_at: datetime,
    *,
    local: bool = True,
) -> Certificate:
    """The row and one audit entry per subject, in the caller's transaction.

    ``local=False`` (広域交付): the subjects are another municipality's residents, so
    one entry without a subject names them in its detail, and no 本人通知 applies.
    """
    lg_code = registry.lg_code
    data = made.data
    serial, code, seq, pages = data.serial, data.verification_code, made.seq, made.pages
    digest = made.digest
    subject_ids = tuple(s.record.person_id for s in data.subjects)
    conn.execute(
        certificate.insert().values(
            lg_code=lg_code,
            serial=serial,
            issued_on=data.issued_on,
            seq=seq,
            kind=request.kind.value,
            request_id=request.request_id,
            subject_person_ids=list(subject_ids),
            items=request.items.chosen(),
            whole_household=request.whole_household,
            requester_type=request.requester.type.value,
            purpose=request.purpose,
            request_form_number=request.request_form_number,
            clerk=clerk.staff_id,
            issued_at=issued_at,
            pdf_sha256=digest,
            verification_code=code,
            page_count=pages,
            alerts=[a.__dict__ for a in made.alerts],
        )
    )
    if not local:
        audit.append(
            conn,
            audit.AuditEntry(
                lg_code=lg_code,
                at=registry.clock(),
                actor=clerk.staff_id,
                actor_role=clerk.role,
                action="certificate.issue",
                detail={
                    "serial": serial,
                    "kind": request.kind.value,
                    "requester_type": request.requester.type.value,
                    "items": request.items.chosen(),
                    "pages": pages,
                    "remote_subjects": list(subject_ids),
                    "holder": data.remote.holder_lg_code if data.remote else None,
                },
            ),
            registry.cipher.audit_key,
        )
    for person_id in subject_ids if local else ():
        detail: dict[str, Any] = {
            "serial": serial,
            "kind": request.kind.value,
            "requester_type": request.requester.type.value,
            "items": request.items.chosen(),
            "pages": pages,
        }
        if request.request_form_number:
            detail["request_form_number"] = request.request_form_number
        if made.alerts:
            detail["alerts"] = [f"{a.kind}:{a.field}" for a in made.alerts]
        audit.append(
            conn,
            audit.AuditEntry(
                lg_code=lg_code,
                at=registry.clock(),
                actor=clerk.staff_id,
                actor_role=clerk.role,
                action="certificate.issue",
                subject_person_id=person_id,
                purpose=request.purpose or None,
                detail=detail,
            ),
            registry.cipher.audit_key,
        )
    if local:
        issuance_notification.record_notices(  # 本人通知制度: same transaction, never blocks
            conn,
            lg_code=lg_code,
            person_ids=subject_ids,
            serial=serial,
            issued_on=data.issued_on,
            document_kind=request.kind.value,
            document_label=request.kind.label_ja,
            requester_type=request.requester.type,
            official_use=request.official_use,
            at=issued_at,
        )
    return Certificate(
        serial=serial,
        lg_code=lg_code,
        kind=request.kind,
        request_id=request.request_id,
        issued_at=issued_at,
        subject_person_ids=subject_ids,
        pdf_sha256=digest,
        verification_code=code,
        page_count=pages,
        pdf=made.pdf,
        alerts=made.alerts,
    )


# -- a retry ------------------------------------------------------------------------------


def _replay(
    registry: Registry,
    request: CertificateRequest,
    clerk: Actor,
    settings: CertificateSettings,
    row: Any,
    font: FontChoice,
    pdf_maker: PdfMaker,
    people: People,
) -> Certificate:
    """The certificate already issued for this request id, re-made byte for byte."""
    issued_at = row.issued_at
    if issued_at.tzinfo is None:  # SQLite keeps no zone; stored in UTC
        issued_at = issued_at.replace(tzinfo=UTC)
    subjects = list(row.subject_person_ids)
    stored_request = replace(
        request,
        person_ids=tuple(subjects),
        whole_household=bool(row.whole_household),
    )
    people = People(subjects, people.head_id)
    data = read_data(
        registry,
        stored_request,
        clerk,
        people,
        issued_at,
        serial=row.serial,
        code=row.verification_code,
    )
    rendered = render(data, settings, font_family=font.family, measure=metrics_for(font))
    pdf, pages = _make_pdf(pdf_maker, rendered.html)
    if hashlib.sha256(pdf).hexdigest() != row.pdf_sha256:
        log.error("certificate %s could not be reproduced for a retry", row.serial)
        raise JichiError(e.CANNOT_REPRODUCE, field="request_id", serial=row.serial)
    with write_transaction(registry.engine) as conn:
        for person_id in subjects:
            audit.append(
                conn,
                audit.AuditEntry(
                    lg_code=registry.lg_code,
                    at=registry.clock(),
                    actor=clerk.staff_id,
                    actor_role=clerk.role,
                    action="certificate.replay",
                    subject_person_id=person_id,
                    detail={"serial": row.serial, "kind": row.kind},
                ),
                registry.cipher.audit_key,
            )
    return Certificate(
        serial=row.serial,
        lg_code=row.lg_code,
        kind=CertificateKind(row.kind),
        request_id=row.request_id,
        issued_at=issued_at,
        subject_person_ids=tuple(subjects),
        pdf_sha256=row.pdf_sha256,
        verification_code=row.verification_code,
        page_count=pages,
        pdf=pdf,
        alerts=rendered.alerts,
        replayed=True,
    )
