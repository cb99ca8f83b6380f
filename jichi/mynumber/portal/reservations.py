"""来庁予定 (visit reservations): booked by the old municipality, seen by the new one.

A :class:`ReservationStore` is bound to one municipality (tenancy by construction):
:meth:`ReservationStore.booked_here` lists what residents announced for *this*
municipality's counter, :meth:`ReservationStore.sent_from_here` what this municipality's
residents booked elsewhere.  No query reads a reservation that is neither; on PostgreSQL
the row-security policy of migration 0056 holds the same line.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.kernel.errors import JichiError
from jichi.mynumber.portal import errors as e
from jichi.mynumber.portal.tables import visit_reservation

BOOKED = "booked"
ARRIVED = "arrived"


@dataclass(frozen=True)
class Reservation:
    reservation_id: str
    lg_code: str
    destination_lg_code: str
    notification_id: str
    filer_person_id: str
    resident_code: str
    visit_on: date
    planned_date: date
    persons: list[dict[str, Any]]
    destination: dict[str, str]
    status: str
    move_in_request_id: str | None


def _of(row: Any) -> Reservation:
    return Reservation(
        row.reservation_id,
        row.lg_code,
        row.destination_lg_code,
        row.notification_id,
        row.filer_person_id,
        row.resident_code,
        row.visit_on,
        row.planned_date,
        list(row.persons),
        dict(row.destination),
        row.status,
        row.move_in_request_id,
    )


class ReservationStore:
    def __init__(self, lg_code: str) -> None:
        self.lg_code = lg_code

    def book(
        self,
        conn: Connection,
        *,
        destination_lg_code: str,
        notification_id: str,
        filer_person_id: str,
        resident_code: str,
        visit_on: date,
        planned_date: date,
        persons: list[dict[str, Any]],
        destination: dict[str, str],
        signer_serial: str,
        now: datetime,
    ) -> str:
        reservation_id = str(uuid.uuid4())
        conn.execute(
            sa.insert(visit_reservation).values(
                reservation_id=reservation_id,
                lg_code=self.lg_code,
                destination_lg_code=destination_lg_code,
                notification_id=notification_id,
                filer_person_id=filer_person_id,
                resident_code=resident_code,
                visit_on=visit_on,
                planned_date=planned_date,
                persons=persons,
                destination=destination,
                signer_serial=signer_serial,
                status=BOOKED,
                created_at=now,
                updated_at=now,
            )
        )
        return reservation_id

    def booked_here(self, conn: Connection) -> list[Reservation]:
        rows = conn.execute(
            sa.select(visit_reservation)
            .where(visit_reservation.c.destination_lg_code == self.lg_code)
            .order_by(visit_reservation.c.visit_on, visit_reservation.c.created_at)
        )
        return [_of(r) for r in rows]

    def sent_from_here(self, conn: Connection, person_id: str) -> list[Reservation]:
        rows = conn.execute(
            sa.select(visit_reservation)
            .where(
                visit_reservation.c.lg_code == self.lg_code,
                visit_reservation.c.filer_person_id == person_id,
            )
            .order_by(visit_reservation.c.created_at)
        )
        return [_of(r) for r in rows]

    def get_here(self, conn: Connection, reservation_id: str) -> Reservation:
        row = conn.execute(
            sa.select(visit_reservation).where(
                visit_reservation.c.reservation_id == reservation_id,
                visit_reservation.c.destination_lg_code == self.lg_code,
            )
        ).first()
        if row is None:
            raise JichiError(e.RESERVATION_NOT_FOUND, field="reservation_id")
        return _of(row)

    def mark_arrived(
        self, conn: Connection, reservation_id: str, request_id: str, now: datetime
    ) -> None:
        """The resident came; ``request_id`` is the counter's card move-in (pending_move_in)."""
        self.get_here(conn, reservation_id)
        conn.execute(
            sa.update(visit_reservation)
            .where(
                visit_reservation.c.reservation_id == reservation_id,
                visit_reservation.c.destination_lg_code == self.lg_code,
            )
            .values(status=ARRIVED, move_in_request_id=request_id, updated_at=now)
        )
