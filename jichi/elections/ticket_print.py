"""投票所入場整理券 from the roll, a district and a part at a time, each person audited.

The CLI (``jichi elections tickets``) prints tickets from a JSON file the operator
prepares; the commission's page prints them from the roll itself: the newest build of
the municipality dated on or before polling day (the one the desk checks against,
:func:`jichi.elections.desk.newest_build`), one 投票区 at a time, in 選挙人番号 order, with
the district's 当日投票所 (ELE-038 if it has none: a ticket must say where to vote).

**Bounded memory.** A district of a large city has tens of thousands of voters, and
WeasyPrint lays out a whole document in memory (about 7 s and 0.6 MB of PDF per 200
tickets here).  So a district is printed in parts of at most :data:`PART_SIZE` tickets:
each part reads only its own entries (``LIMIT``/``OFFSET`` on the number) and only
their names and addresses, so a request's memory depends on the part size, never on the
district's size.

**Audit.** A ticket shows a name and an address: each person printed gets one audit entry
(``voter_roll.tickets``, purpose 投票所入場整理券) in the transaction that reads them, so
the resident's access log lists it like any read of the roll.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.elections.desk import newest_build
from jichi.elections.errors import BAD_INPUT, NO_DAY_STATION, NO_ROLL_BUILD
from jichi.elections.inspection import log_reads
from jichi.elections.model import Election
from jichi.elections.polling import StationKind, stations
from jichi.elections.roll_build import STRUCK, Build, BuildEntry
from jichi.elections.roll_outputs import extract_lines
from jichi.elections.sources import particulars
from jichi.elections.tables import voter_roll_build_entry
from jichi.elections.tickets import Ticket
from jichi.kernel.errors import JichiError
from jichi.security.actor import Actor
from jichi.security.keys import AuditKey

__all__ = ["PART_SIZE", "TICKETS", "DistrictTickets", "TicketPart", "districts", "ticket_part"]

PART_SIZE = 200  # tickets per PDF: about 7 s of WeasyPrint and 0.6 MB on this machine
TICKETS = "voter_roll.tickets"
PURPOSE = "投票所入場整理券"


@dataclass(frozen=True)
class DistrictTickets:
    """A district's count of tickets and how many parts they print in (no person)."""

    district: str
    voters: int
    parts: int
    station_name: str | None  # None: no 当日投票所 registered for the district yet


@dataclass(frozen=True)
class TicketPart:
    district: str
    part: int
    parts: int
    voters: int
    as_of: date
    tickets: tuple[Ticket, ...]


def _build(conn: Connection, e: Election) -> tuple[str, date]:
    head = newest_build(conn, e)
    if head is None:
        raise JichiError(NO_ROLL_BUILD, field="build", value=f"〜{e.polling_day.isoformat()}")
    return head.build_id, head.as_of


def _printable(build_id: str) -> sa.ColumnElement[bool]:
    x = voter_roll_build_entry
    return sa.and_(x.c.build_id == build_id, x.c.status != STRUCK, x.c.number.is_not(None))


def _day_stations(conn: Connection, e: Election) -> dict[str, str]:
    out: dict[str, str] = {}
    for s in stations(conn, e.election_id):  # by station id: the first one names it
        if s.kind == StationKind.DAY.value:
            out.setdefault(s.polling_district, s.name)
    return out


def districts(conn: Connection, e: Election, size: int = PART_SIZE) -> list[DistrictTickets]:
    """Each district of the newest build with its number of tickets and parts."""
    build_id, _ = _build(conn, e)
    x = voter_roll_build_entry
    rows = conn.execute(
        sa.select(x.c.district, sa.func.count())
        .where(_printable(build_id), x.c.district.is_not(None))
        .group_by(x.c.district)
        .order_by(x.c.district)
    ).all()
    named = _day_stations(conn, e)
    return [DistrictTickets(d, n, -(-n // size), named.get(d)) for d, n in rows]


def ticket_part(
    conn: Connection,
    actor: Actor,
    key: AuditKey,
    e: Election,
    district: str,
    part: int = 1,
    *,
    size: int = PART_SIZE,
    now: datetime | None = None,
) -> TicketPart:
    """The tickets of ``part`` (1, 2, …) of ``district``; each person printed audited."""
    build_id, as_of = _build(conn, e)
    station = _day_stations(conn, e).get(district)
    if station is None:
        raise JichiError(NO_DAY_STATION, field="district", district=district)
    x = voter_roll_build_entry
    where = sa.and_(_printable(build_id), x.c.district == district)
    voters = conn.execute(sa.select(sa.func.count()).select_from(x).where(where)).scalar_one()
    parts = -(-voters // size)
    if not 1 <= part <= max(parts, 1) or voters == 0:
        raise JichiError(
            BAD_INPUT,
            field="part",
            reason=f"この投票区の整理券は{parts}部です",
            reason_en=f"the district prints in {parts} parts",
        )
    rows = conn.execute(
        sa.select(x).where(where).order_by(x.c.number, x.c.person_id).limit(size)
        .offset((part - 1) * size)
    ).all()  # fmt: skip
    entries = tuple(
        BuildEntry(r.person_id, r.status, r.reason, r.district, r.number, r.sex, r.date_of_birth)
        for r in rows
    )
    people = particulars(conn, e.lg_code, [r.person_id for r in entries])
    when = now or datetime.now(UTC)
    # the 抄本's line builder (address as printed on the roll); it reads only ``entries``
    lines = extract_lines(Build(build_id, e.lg_code, as_of, when, "", entries), people, district)
    detail = {"election": e.election_id, "as_of": as_of.isoformat(), "district": district,
              "part": part}  # fmt: skip
    log_reads(
        conn, actor, key, [line.person_id for line in lines],
        action=TICKETS, purpose=PURPOSE, detail=detail, at=when,
    )  # fmt: skip
    tickets = tuple(
        Ticket(line.person_id, line.name, line.address, station, str(line.number)) for line in lines
    )
    return TicketPart(district, part, parts, voters, as_of, tickets)
