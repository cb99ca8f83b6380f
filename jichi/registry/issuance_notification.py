"""本人通知制度 (事前登録型): a registered resident is told when a copy about them was issued.

Facts §11.2 (``shared/docs/facts/notifications.md``):

* a resident registers for **3 years**; a registration can be renewed from **1 month
  before** it expires (the new period follows on from the old one); it ends on death or
  職権消除 (and when the resident withdraws);
* when a copy about a registered person goes to a **proxy (代理人), a third party or a
  professional (8士業)** — not to the person, not to a member of the same household, not
  on a 公用請求 — a notice is written saying the **date issued, the document type, the
  number of copies and the requester class**, never who the requester is;
* it **never blocks issuance** and nobody's consent is asked.

The notice row is written by :func:`record_notices` in the caller's transaction, the
same one that stores the certificate, so a certificate without its notice (or a notice
without its certificate) cannot exist.  Sending the notice (post, portal) is a separate
step that sets ``sent_at``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from jichi.kernel.clock import now as clock_now
from jichi.kernel.errors import JichiError, define
from jichi.registry.errors import PERSON_NOT_FOUND
from jichi.registry.restrictions import RequesterType
from jichi.registry.tables import resident
from jichi.security import audit
from jichi.security.actor import Actor
from jichi.security.keys import AuditKey
from jichi.store.engine import write_transaction
from jichi.store.metadata import metadata

REGISTRATION_YEARS = 3
RENEWAL_WINDOW_MONTHS = 1

registration = sa.Table(
    "issuance_notification_registration",
    metadata,
    sa.Column("registration_id", sa.String(36), primary_key=True),
    sa.Column("lg_code", sa.String(6), nullable=False),
    sa.Column("person_id", sa.String(36), nullable=False),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=False),
    sa.Column("ended_on", sa.Date, nullable=True),
    sa.Column("end_reason", sa.String(20), nullable=True),
    sa.Column("renews", sa.String(36), nullable=True),
    sa.Column("registered_by", sa.String(100), nullable=False),
    sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_issuance_notification_registration_person", "lg_code", "person_id"),
)

issuance_notice = sa.Table(
    "issuance_notice",
    metadata,
    sa.Column("notice_id", sa.String(36), primary_key=True),
    sa.Column("lg_code", sa.String(6), nullable=False),
    sa.Column("person_id", sa.String(36), nullable=False),
    sa.Column("registration_id", sa.String(36), nullable=False),
    sa.Column("certificate_serial", sa.String(200), nullable=False),
    sa.Column("issued_on", sa.Date, nullable=False),
    sa.Column("document_kind", sa.String(40), nullable=False),
    sa.Column("document_label", sa.String(100), nullable=False),
    sa.Column("copies", sa.Integer, nullable=False),
    sa.Column("requester_class", sa.String(20), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index("ix_issuance_notice_person", "lg_code", "person_id"),
)

ALREADY_REGISTERED = define(
    "INO-001",
    "この方は本人通知制度に登録済みです（有効期限 {ends_on}）。更新は期限の1か月前からできます。",
    "already registered for the issuance notification (until {ends_on}); renew from one "
    "month before expiry",
    http_status=409,
    params=("ends_on",),
)
NOT_REGISTERED = define(
    "INO-002",
    "この方は本人通知制度に登録されていません。",
    "not registered for the issuance notification",
    http_status=404,
)
RENEWAL_TOO_EARLY = define(
    "INO-003",
    "登録の更新は有効期限（{ends_on}）の1か月前（{opens_on}）からできます。",
    "the registration can be renewed from {opens_on} (one month before {ends_on})",
    http_status=409,
    params=("ends_on", "opens_on"),
)
CANNOT_REGISTER = define(
    "INO-004",
    "除票の方（死亡・職権消除・転出）は本人通知制度に登録できません。",
    "a removed resident cannot register for the issuance notification",
    http_status=422,
)


NOTICE_NOT_FOUND = define(
    "INO-005",
    "本人通知（{notice_id}）が見つかりません。",
    "issuance notice {notice_id} not found",
    http_status=404,
    params=("notice_id",),
)
ALREADY_SENT = define(
    "INO-006",
    "この本人通知は既に送付済みです（{sent_at}）。",
    "the issuance notice was already sent ({sent_at})",
    http_status=409,
    params=("sent_at",),
)


class EndReason(StrEnum):
    WITHDRAWN = "withdrawn"  # 廃止の申出
    DEATH = "death"  # 死亡
    EX_OFFICIO = "ex_officio"  # 職権消除


class RequesterClass(StrEnum):
    """What the notice may say about the requester: the class only (facts §11.2)."""

    PROXY = "proxy"  # 代理人
    THIRD_PARTY = "third_party"  # 第三者（個人・法人）
    PROFESSIONAL = "professional"  # 8士業（職務上請求）

    @property
    def label_ja(self) -> str:
        return {
            "proxy": "代理人",
            "third_party": "第三者（個人・法人）",
            "professional": "特定事務受任者（8士業）",
        }[self.value]


NOTIFIED = {
    RequesterType.PROXY: RequesterClass.PROXY,
    RequesterType.THIRD_PARTY: RequesterClass.THIRD_PARTY,
    RequesterType.PROFESSIONAL: RequesterClass.PROFESSIONAL,
}


@dataclass(frozen=True)
class Registration:
    registration_id: str
    person_id: str
    starts_on: date
    ends_on: date
    ended_on: date | None = None
    end_reason: str | None = None
    renews: str | None = None

    def active_on(self, day: date) -> bool:
        if self.ended_on is not None and day >= self.ended_on:
            return False
        return self.starts_on <= day <= self.ends_on

    @property
    def renewable_from(self) -> date:
        return _add_months(self.ends_on, -RENEWAL_WINDOW_MONTHS)


@dataclass(frozen=True)
class Notice:
    """One notice: when, what and how many, and the requester's class — nothing else."""

    notice_id: str
    person_id: str
    issued_on: date
    document_kind: str
    document_label: str
    copies: int
    requester_class: RequesterClass
    sent_at: datetime | None = None


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def period(starts_on: date) -> tuple[date, date]:
    """Three years from ``starts_on``, the last day inclusive."""
    try:
        end = starts_on.replace(year=starts_on.year + REGISTRATION_YEARS)
    except ValueError:  # 29 February
        end = date(starts_on.year + REGISTRATION_YEARS, 3, 1)
    return starts_on, end - timedelta(days=1)


def _registration(row: Any) -> Registration:
    return Registration(
        registration_id=row.registration_id,
        person_id=row.person_id,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        ended_on=row.ended_on,
        end_reason=row.end_reason,
        renews=row.renews,
    )


def registrations(conn: Connection, lg_code: str, person_id: str) -> list[Registration]:
    rows = conn.execute(
        sa.select(registration)
        .where(registration.c.lg_code == lg_code, registration.c.person_id == person_id)
        .order_by(registration.c.starts_on)
    ).all()
    return [_registration(row) for row in rows]


def _removal(conn: Connection, lg_code: str, person_id: str) -> tuple[str, str | None]:
    row = conn.execute(
        sa.select(resident.c.status, resident.c.record).where(
            resident.c.person_id == person_id, resident.c.lg_code == lg_code
        )
    ).first()
    if row is None:
        raise JichiError(PERSON_NOT_FOUND, field="person_id", person_id=person_id)
    record = row.record if isinstance(row.record, dict) else {}
    return row.status, record.get("removal_reason")


def active(conn: Connection, lg_code: str, person_id: str, day: date) -> Registration | None:
    """The registration in force on ``day``; none after the person's death or 職権消除."""
    _status, reason = _removal(conn, lg_code, person_id)
    if reason in (EndReason.DEATH.value, EndReason.EX_OFFICIO.value):
        return None  # ends on death or 職権消除, whether or not it was closed by hand
    for found in reversed(registrations(conn, lg_code, person_id)):
        if found.active_on(day):
            return found
    return None


def register(
    engine: Engine,
    lg_code: str,
    person_id: str,
    clerk: Actor,
    on: date,
    *,
    audit_key: AuditKey,
) -> Registration:
    """Register (or, within the last month, renew) ``person_id`` from ``on``."""
    with write_transaction(engine) as conn:
        status, _reason = _removal(conn, lg_code, person_id)
        if status != "active":
            raise JichiError(CANNOT_REGISTER, field="person_id")
        current = active(conn, lg_code, person_id, on)
        waiting = [
            r
            for r in registrations(conn, lg_code, person_id)
            if r.starts_on > on and r.ended_on is None
        ]
        if waiting:  # renewed already: the next period is booked
            ends_on = waiting[-1].ends_on.isoformat()
            raise JichiError(ALREADY_REGISTERED, field="person_id", ends_on=ends_on)
        starts_on, renews = on, None
        if current is not None:
            if on < current.renewable_from:
                raise JichiError(
                    RENEWAL_TOO_EARLY,
                    field="person_id",
                    ends_on=current.ends_on.isoformat(),
                    opens_on=current.renewable_from.isoformat(),
                )
            starts_on, renews = current.ends_on + timedelta(days=1), current.registration_id
        starts, ends = period(starts_on)
        made = Registration(str(uuid.uuid4()), person_id, starts, ends, renews=renews)
        at = clock_now().astimezone()
        conn.execute(
            registration.insert().values(
                registration_id=made.registration_id,
                lg_code=lg_code,
                person_id=person_id,
                starts_on=starts,
                ends_on=ends,
                renews=renews,
                registered_by=clerk.staff_id,
                registered_at=at,
            )
        )
        _audit(
            conn, lg_code, clerk, person_id, "issuance_notification.register", made, at, audit_key
        )
    return made


def end(
    engine: Engine,
    lg_code: str,
    person_id: str,
    clerk: Actor,
    on: date,
    reason: EndReason,
    *,
    audit_key: AuditKey,
) -> Registration:
    """Close the registration in force (or the one about to start) from ``on``."""
    with write_transaction(engine) as conn:
        open_ = [
            r
            for r in registrations(conn, lg_code, person_id)
            if r.ended_on is None and r.ends_on >= on
        ]
        if not open_:
            raise JichiError(NOT_REGISTERED, field="person_id")
        at = clock_now().astimezone()
        for found in open_:
            conn.execute(
                registration.update()
                .where(
                    registration.c.registration_id == found.registration_id,
                    registration.c.lg_code == lg_code,
                )
                .values(ended_on=max(on, found.starts_on), end_reason=reason.value)
            )
            _audit(
                conn, lg_code, clerk, person_id, "issuance_notification.end", found, at, audit_key
            )
    return registrations_of(engine, lg_code, person_id)[-1]


def registrations_of(engine: Engine, lg_code: str, person_id: str) -> list[Registration]:
    with engine.connect() as conn:
        return registrations(conn, lg_code, person_id)


def _audit(
    conn: Connection,
    lg_code: str,
    clerk: Actor,
    person_id: str,
    action: str,
    found: Registration,
    at: datetime,
    audit_key: AuditKey,
) -> None:
    audit.append(
        conn,
        audit.AuditEntry(
            lg_code=lg_code,
            at=at,
            actor=clerk.staff_id,
            actor_role=clerk.role,
            action=action,
            subject_person_id=person_id,
            detail={
                "registration_id": found.registration_id,
                "starts_on": found.starts_on.isoformat(),
                "ends_on": found.ends_on.isoformat(),
            },
        ),
        audit_key,
    )


def notice_class(requester_type: RequesterType, official_use: bool) -> RequesterClass | None:
    """The class a notice names, or None when no notice is due (本人, 同一世帯, 公用)."""
    if official_use:
        return None
    return NOTIFIED.get(requester_type)


def record_notices(
    conn: Connection,
    *,
    lg_code: str,
    person_ids: Iterable[str],
    serial: str,
    issued_on: date,
    document_kind: str,
    document_label: str,
    requester_type: RequesterType,
    official_use: bool,
    at: datetime,
    copies: int = 1,
) -> list[str]:
    """Write a notice for each registered subject, in the caller's (issuing) transaction.

    Returns the person ids notified.  Never raises for a missing registration: the
    system informs, it does not block (facts §11.2).
    """
    klass = notice_class(requester_type, official_use)
    if klass is None:
        return []
    notified = []
    for person_id in dict.fromkeys(person_ids):
        found = active(conn, lg_code, person_id, issued_on)
        if found is None:
            continue
        conn.execute(
            issuance_notice.insert().values(
                notice_id=str(uuid.uuid4()),
                lg_code=lg_code,
                person_id=person_id,
                registration_id=found.registration_id,
                certificate_serial=serial,
                issued_on=issued_on,
                document_kind=document_kind,
                document_label=document_label,
                copies=copies,
                requester_class=klass.value,
                created_at=at,
            )
        )
        notified.append(person_id)
    return notified


def notices(engine: Engine, lg_code: str, person_id: str) -> list[Notice]:
    """The notices for ``person_id``, oldest first (what the letter would say)."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(issuance_notice)
            .where(issuance_notice.c.lg_code == lg_code, issuance_notice.c.person_id == person_id)
            .order_by(issuance_notice.c.created_at)
        ).all()
    return [_notice(row) for row in rows]


def _notice(row: Any) -> Notice:
    return Notice(
        notice_id=row.notice_id,
        person_id=row.person_id,
        issued_on=row.issued_on,
        document_kind=row.document_kind,
        document_label=row.document_label,
        copies=row.copies,
        requester_class=RequesterClass(row.requester_class),
        sent_at=row.sent_at,
    )


def unsent(engine: Engine, lg_code: str) -> list[Notice]:
    """The notices written but not yet sent, oldest first (the sending queue)."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(issuance_notice)
            .where(issuance_notice.c.lg_code == lg_code, issuance_notice.c.sent_at.is_(None))
            .order_by(issuance_notice.c.created_at, issuance_notice.c.notice_id)
        ).all()
    return [_notice(row) for row in rows]


def get_notice(engine: Engine, lg_code: str, notice_id: str) -> Notice:
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(issuance_notice).where(
                issuance_notice.c.lg_code == lg_code, issuance_notice.c.notice_id == notice_id
            )
        ).first()
    if row is None:
        raise JichiError(NOTICE_NOT_FOUND, field="notice_id", notice_id=notice_id)
    return _notice(row)


def mark_sent(
    engine: Engine,
    lg_code: str,
    notice_id: str,
    clerk: Actor,
    at: datetime,
    *,
    audit_key: AuditKey,
) -> Notice:
    """The letter went out: ``sent_at`` is set once, audited on the person."""
    with write_transaction(engine) as conn:
        row = conn.execute(
            sa.select(issuance_notice).where(
                issuance_notice.c.lg_code == lg_code, issuance_notice.c.notice_id == notice_id
            )
        ).first()
        if row is None:
            raise JichiError(NOTICE_NOT_FOUND, field="notice_id", notice_id=notice_id)
        if row.sent_at is not None:
            raise JichiError(ALREADY_SENT, field="notice_id", sent_at=row.sent_at.isoformat())
        conn.execute(
            issuance_notice.update()
            .where(issuance_notice.c.notice_id == notice_id, issuance_notice.c.lg_code == lg_code)
            .values(sent_at=at)
        )
        audit.append(
            conn,
            audit.AuditEntry(
                lg_code=lg_code,
                at=at,
                actor=clerk.staff_id,
                actor_role=clerk.role,
                action="issuance_notice.sent",
                subject_person_id=row.person_id,
                detail={"notice_id": notice_id, "certificate_serial": row.certificate_serial},
            ),
            audit_key,
        )
    return get_notice(engine, lg_code, notice_id)
