"""来庁予定 (visit reservations): booked by the old municipality, seen by the new one.

A :class:`ReservationStore` is bound to one municipality (tenancy by construction):
:meth:`ReservationStore.booked_here` lists what residents announced for *this*
municipality's counter, :meth:`ReservationStore.sent_from_here` what this municipality's
residents booked elsewhere.  No query reads a reservation that is neither; on PostgreSQL
the row-security policy of migration 0056 holds the same line.

:meth:`ReservationStore.book` writes the row in the old municipality's database and, in
the same transaction, the outbox message ``municipality.<new>.visit_reservation``; the new
municipality's node stores it on receipt (:func:`on_visit_reservation`), once — in one
database (the demo) the row is already there and is left as it is.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.kernel.errors import JichiError
from jichi.network.flows import errors as e
from jichi.network.flows.dispatch import NodeContext, handles
from jichi.network.flows.tables import visit_reservation
from jichi.network.messages import Envelope
from jichi.registry import repository as repo
from jichi.registry.state import OutboxMessage

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
        row = {
            "reservation_id": reservation_id,
            "lg_code": self.lg_code,
            "destination_lg_code": destination_lg_code,
            "notification_id": notification_id,
            "filer_person_id": filer_person_id,
            "resident_code": resident_code,
            "visit_on": visit_on.isoformat(),
            "planned_date": planned_date.isoformat(),
            "persons": persons,
            "destination": destination,
            "signer_serial": signer_serial,
        }
        _insert(conn, row, now)
        message = OutboxMessage(
            topic=f"municipality.{destination_lg_code}.visit_reservation",
            ordering_key=resident_code,
            payload=row,
        )
        repo.insert_outbox(conn, self.lg_code, [message], now)
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


def _insert(conn: Connection, row: dict[str, Any], now: datetime) -> None:
    conn.execute(
        sa.insert(visit_reservation).values(
            **(
                row
                | {
                    "visit_on": date.fromisoformat(row["visit_on"]),
                    "planned_date": date.fromisoformat(row["planned_date"]),
                }
            ),
            status=BOOKED,
            created_at=now,
            updated_at=now,
        )
    )


@handles("visit_reservation")
def on_visit_reservation(node: NodeContext, conn: Connection, env: Envelope) -> None:
    """The new municipality stores the 来庁予定 (at most once; in one database it is there)."""
    row = dict(env.payload)
    if row.get("destination_lg_code") != node.lg_code or row.get("lg_code") != env.sender:
        return  # not for this counter: nothing to keep
    exists = conn.execute(
        sa.select(visit_reservation.c.reservation_id).where(
            visit_reservation.c.reservation_id == row.get("reservation_id")
        )
    ).first()
    if exists is None:
        _insert(conn, row, node.clock())
