"""Reads and writes of issued certificates (Core statements on the caller's connection)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from jichi.mynumber.jpki.tables import jpki_certificate


@dataclass(frozen=True)
class CertificateRow:
    serial: str
    profile: str
    person_id: str
    lg_code: str
    status: str
    not_before: datetime
    not_after: datetime
    revoked_at: datetime | None
    revocation_reason: int | None
    renews: str | None
    superseded_by: str | None
    der: bytes


def serial_hex(serial: int) -> str:
    return f"{serial:x}"


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)  # SQLite hands back naive UTC


def _row(r: Any) -> CertificateRow:
    return CertificateRow(
        serial=r.serial,
        profile=r.profile,
        person_id=r.person_id,
        lg_code=r.lg_code,
        status=r.status,
        not_before=_aware(r.not_before),  # type: ignore[arg-type]
        not_after=_aware(r.not_after),  # type: ignore[arg-type]
        revoked_at=_aware(r.revoked_at),
        revocation_reason=r.revocation_reason,
        renews=r.renews,
        superseded_by=r.superseded_by,
        der=bytes(r.der),
    )


def insert(conn: sa.Connection, values: dict[str, Any]) -> None:
    conn.execute(sa.insert(jpki_certificate).values(**values))


def get(conn: sa.Connection, serial: str) -> CertificateRow | None:
    r = conn.execute(sa.select(jpki_certificate).where(jpki_certificate.c.serial == serial)).first()
    return _row(r) if r is not None else None


def current_for(conn: sa.Connection, person_id: str, profile: str) -> list[CertificateRow]:
    rows = conn.execute(
        sa.select(jpki_certificate).where(
            jpki_certificate.c.person_id == person_id,
            jpki_certificate.c.profile == profile,
            jpki_certificate.c.status == "good",
        )
    )
    return [_row(r) for r in rows]


def mark_revoked(
    conn: sa.Connection,
    serial: str,
    *,
    at: datetime,
    reason: int,
    ground: str,
    event_id: str | None,
) -> bool:
    """Revoke if still good; False when someone revoked it first."""
    result = conn.execute(
        sa.update(jpki_certificate)
        .where(jpki_certificate.c.serial == serial, jpki_certificate.c.status == "good")
        .values(
            status="revoked",
            revoked_at=at,
            revocation_reason=reason,
            revocation_ground=ground,
            revocation_event_id=event_id,
        )
    )
    return result.rowcount == 1


def follow_holder(
    conn: sa.Connection, from_person_id: str, to_person_id: str, to_lg_code: str
) -> int:
    """The good certificates of a card that followed its holder (特例転入 / 継続利用) now
    name the holder's new record and municipality; how many.

    Revocations and the portal find certificates by the holder's person id and
    municipality, so without this a death at the new municipality would leave the
    利用者証明用 certificate ``good`` and the portal there would refuse its own resident.
    The DER is untouched: it still names the issuing municipality (L=), as issued.
    """
    t = jpki_certificate.c
    result = conn.execute(
        sa.update(jpki_certificate)
        .where(t.person_id == from_person_id, t.status == "good")
        .values(person_id=to_person_id, lg_code=to_lg_code)
    )
    return result.rowcount


def link_renewal(conn: sa.Connection, old: str, new: str) -> None:
    conn.execute(
        sa.update(jpki_certificate)
        .where(jpki_certificate.c.serial == old)
        .values(superseded_by=new)
    )


def revoked(conn: sa.Connection, profile: str) -> list[tuple[str, datetime, int]]:
    """(serial, revoked_at, reason) of every revoked, unexpired certificate of a profile."""
    rows = conn.execute(
        sa.select(
            jpki_certificate.c.serial,
            jpki_certificate.c.revoked_at,
            jpki_certificate.c.revocation_reason,
        )
        .where(jpki_certificate.c.profile == profile, jpki_certificate.c.status == "revoked")
        .order_by(jpki_certificate.c.revoked_at)
    )
    return [(r.serial, _aware(r.revoked_at), r.revocation_reason) for r in rows]  # type: ignore[misc]
