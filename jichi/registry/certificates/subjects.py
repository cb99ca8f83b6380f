"""Who is on a certificate and what is read about them, before anything is numbered.

Split from :mod:`jichi.registry.certificates.issue`, which keeps the order of the steps
(gate, retry, read, number, store).  Here: the request checked on its own
(:func:`check_request`, :func:`check_settings`), the person ids it names resolved without
reading a record (:func:`resolve_people`, so the support-measure gate runs first), and the
audited reads that make the :class:`CertificateData` (:func:`read_data`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.kernel.errors import JichiError
from jichi.kernel.inputs import refuse_individual_number
from jichi.places.catalog import default_catalog
from jichi.places.change_store import codes_held, places_in_time
from jichi.registry import errors as registry_errors
from jichi.registry.certificates import errors as e
from jichi.registry.certificates.model import (
    ITEM_LABELS,
    REQUESTER_LABELS,
    CertificateKind,
    CertificateRequest,
    CertificateSettings,
)
from jichi.registry.certificates.render import CertificateData, HistoryLine, Subject
from jichi.registry.model import RemovalReason, ResidentRecord
from jichi.registry.restrictions import RequesterType
from jichi.registry.service import JST, NUMBER_CONTEXT, Registry, order_members
from jichi.registry.tables import resident
from jichi.security.actor import Actor

__all__ = [
    "HOUSEHOLD_KINDS",
    "NUMBER_ALLOWED",
    "RESTRICTED_ITEMS",
    "People",
    "check_request",
    "check_settings",
    "read_data",
    "resolve_people",
]

HOUSEHOLD_KINDS = {
    CertificateKind.RECORD_COPY_HOUSEHOLD,
    CertificateKind.RECORD_ITEMS_CERTIFICATE,
}
# Only the person and their household may have these printed (facts §1.6: 宝塚市).
RESTRICTED_ITEMS = ("individual_number", "resident_code")
NUMBER_ALLOWED = {RequesterType.SELF, RequesterType.SAME_HOUSEHOLD}


def check_request(request: CertificateRequest) -> None:
    if not request.person_ids:
        raise JichiError(e.NO_SUBJECT, field="person_ids")
    kind = request.kind
    if kind.personal and (len(set(request.person_ids)) != 1 or request.whole_household):
        raise JichiError(
            e.ONE_PERSON_ONLY, field="person_ids", kind=kind.value, kind_ja=kind.label_ja
        )
    requester = request.requester.type
    refuse_individual_number(request.purpose, field="purpose")
    if requester is RequesterType.THIRD_PARTY and not request.purpose.strip():
        raise JichiError(e.PURPOSE_REQUIRED, field="purpose")
    if requester is RequesterType.PROFESSIONAL and not request.request_form_number.strip():
        raise JichiError(e.FORM_NUMBER_REQUIRED, field="request_form_number")
    if requester not in NUMBER_ALLOWED:
        for item in RESTRICTED_ITEMS:
            if getattr(request.items, item):
                label, label_en = ITEM_LABELS[item]
                who, who_en = REQUESTER_LABELS[requester]
                raise JichiError(
                    e.ITEM_NOT_ALLOWED,
                    field=f"items.{item}",
                    item=label,
                    item_en=label_en,
                    requester=who,
                    requester_en=who_en,
                )


def check_settings(lg_code: str, settings: CertificateSettings) -> None:
    lg = default_catalog().get(lg_code)
    for official in (settings.mayor, *settings.acting):
        if not official.name.strip():
            raise JichiError(e.NO_ISSUER_NAME, field="settings.mayor")
        if lg.prefecture not in official.title:
            raise JichiError(
                e.BAD_ISSUER_TITLE,
                field="settings.mayor",
                title=official.title,
                prefecture=lg.prefecture,
            )


# -- who is on it ---------------------------------------------------------------------------


class People:
    def __init__(self, subjects: list[str], head_id: str | None) -> None:
        self.subjects = subjects
        self.head_id = head_id  # whose name prints as 世帯主 when it is not a subject

    @property
    def gate(self) -> list[str]:
        extra = [self.head_id] if self.head_id and self.head_id not in self.subjects else []
        return [*self.subjects, *extra]


def resolve_people(
    conn: Connection, lg_code: str, request: CertificateRequest, earlier: Any
) -> People:
    """The person ids on the certificate (ids only: no record is read before the gate)."""
    named = list(dict.fromkeys(request.person_ids))
    if earlier is not None:  # a retry: the people as issued, if it is the same request
        stored = list(earlier.subject_person_ids)
        same = (
            earlier.kind == request.kind.value
            and set(named) <= set(stored)
            and bool(earlier.whole_household) == request.whole_household
            and list(earlier.items) == request.items.chosen()
        )
        if not same:
            raise JichiError(e.REQUEST_ID_REUSED, field="request_id", request_id=request.request_id)
        named = stored
    rows = conn.execute(
        sa.select(
            resident.c.person_id,
            resident.c.household_id,
            resident.c.relationship,
            resident.c.status,
        ).where(resident.c.person_id.in_(named), resident.c.lg_code == lg_code)
    ).all()
    found = {row.person_id: row for row in rows}
    for person_id in named:
        if person_id not in found:
            raise JichiError(
                registry_errors.PERSON_NOT_FOUND, field="person_ids", person_id=person_id
            )
    households = {row.household_id for row in rows}
    if len(households) != 1:
        raise JichiError(e.NOT_ONE_HOUSEHOLD, field="person_ids")
    (household_id,) = households
    members = conn.execute(
        sa.select(resident.c.person_id, resident.c.relationship).where(
            resident.c.household_id == household_id,
            resident.c.lg_code == lg_code,
            resident.c.status == "active",
        )
    ).all()
    subjects = named
    if earlier is None and request.whole_household and request.kind in HOUSEHOLD_KINDS:
        subjects = sorted({m.person_id for m in members} | set(named))
    head_id = None
    if request.items.relationship and request.kind is not CertificateKind.REMOVED_RECORD_COPY:
        heads = [m.person_id for m in members if m.relationship == "世帯主"]
        head_id = heads[0] if heads else None
    return People(subjects, head_id)


# -- reading (audited, through the registry) -------------------------------------------------


def read_data(
    registry: Registry,
    request: CertificateRequest,
    clerk: Actor,
    people: People,
    as_known_at: datetime,
    *,
    serial: str = "",
    code: str = "",
    purpose: str = "",
) -> CertificateData:
    purpose = purpose or f"certificate:{request.kind.value}"
    records = [
        registry.read_record(pid, clerk, recorded_by=as_known_at, purpose=purpose)
        for pid in people.subjects
    ]
    for record in records:
        check_state(request.kind, record)
    if len({r.household_id for r in records}) != 1:
        raise JichiError(e.NOT_ONE_HOUSEHOLD, field="person_ids")
    ordered = records if request.kind.personal else order_members(records)
    head: ResidentRecord | None = next((r for r in records if r.is_head), None)
    if head is None and people.head_id:
        head = registry.read_record(people.head_id, clerk, recorded_by=as_known_at, purpose=purpose)
    numbers = (
        numbers_of(registry, [r.person_id for r in ordered])
        if request.items.individual_number
        else {}
    )
    subjects = []
    for record in ordered:
        history: tuple[HistoryLine, ...] = ()
        if request.kind.personal and request.items.history:
            history = tuple(
                HistoryLine(ev.effective_date, ev.reason.label_ja, ev.notified_date)
                for ev in registry.history(record.person_id, clerk)
                if ev.recorded_at <= as_known_at
            )
        subjects.append(Subject(record, numbers.get(record.person_id, ""), history))
    all_members = request.whole_household and request.kind in HOUSEHOLD_KINDS
    return CertificateData(
        kind=request.kind,
        subjects=tuple(subjects),
        items=request.items,
        serial=serial,
        issued_on=as_known_at.astimezone(JST).date(),
        verification_code=code,
        whole_household=all_members,
        head=head,
        official_use=request.official_use,
        former=former_name(registry, request.kind, records),
    )


def former_name(registry: Registry, kind: CertificateKind, records: list[ResidentRecord]) -> str:
    """The old municipality's name on a 除票 removed before it merged into this one.

    The successor issues it (it holds the predecessor's books), but the record is the old
    municipality's: its address still carries the old code, named as it was on the day
    the record was removed (facts §1.3; ADR 0027).
    """
    if kind is not CertificateKind.REMOVED_RECORD_COPY:
        return ""
    olds = {
        (r.address.lg_code, r.removed_on) for r in records if r.address.lg_code != registry.lg_code
    }
    if not olds:
        return ""
    with registry.engine.connect() as conn:
        held = codes_held(conn, registry.lg_code)
        places = places_in_time(conn)
    for code, removed_on in sorted(olds, key=lambda o: (o[0], o[1] or date.min)):
        if code in held and removed_on is not None:
            try:
                return places.as_of(code, removed_on).display_name
            except JichiError:
                return default_catalog().get(code).display_name if code in _known() else ""
    return ""


def _known() -> set[str]:
    return {lg.code for lg in default_catalog()}


def check_state(kind: CertificateKind, record: ResidentRecord) -> None:
    if kind is CertificateKind.MOVE_OUT_CERTIFICATE:
        if record.removal_reason is not RemovalReason.MOVE_OUT or record.planned_move_out is None:
            raise JichiError(e.NOT_MOVING_OUT, field="person_ids", person_id=record.person_id)
        return
    wants_removed = kind is CertificateKind.REMOVED_RECORD_COPY
    if record.is_active == wants_removed:
        raise JichiError(
            e.WRONG_RECORD_STATE,
            field="person_ids",
            kind=kind.value,
            kind_ja=kind.label_ja,
            expected="消除された（除票の）方" if wants_removed else "現に住民である方",
            expected_en="removed" if wants_removed else "current",
            person_id=record.person_id,
        )


def numbers_of(registry: Registry, person_ids: list[str]) -> dict[str, str]:
    with registry.engine.connect() as conn:
        rows = conn.execute(
            sa.select(resident.c.person_id, resident.c.individual_number_enc).where(
                resident.c.person_id.in_(person_ids)
            )
        ).all()
    return {
        row.person_id: registry.cipher.decrypt(row.individual_number_enc, context=NUMBER_CONTEXT)
        for row in rows
        if row.individual_number_enc
    }
