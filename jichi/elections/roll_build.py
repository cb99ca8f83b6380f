"""Build (調製) the roll at a date: every entry with its status, 投票区 and 選挙人番号 (0035).

A build freezes ``voter_roll_entry`` as it stood on ``as_of``: an entry registered on
or before that day is ``struck`` if its 抹消 was on or before it, else ``marked`` if
its 表示 was, else ``live``.  Live and marked entries (a marked voter stays on the roll,
27条) get a district and a number (:mod:`jichi.elections.numbering`); struck entries
are kept, without a number, so that a diff between two builds can say who was struck
and why.  The reason stored is the entry's own: the 表示 or 抹消 reasons, or for a live
entry its registration (``periodic`` or ``election`` and the base date).

A voter whose address is in no district stops the build (ELE-033, all of them at once)
unless ``allow_unassigned`` — then they are stored without district or number and
listed in the result, for the commission to fix the table.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.elections import district_store
from jichi.elections.errors import NO_DISTRICT, NO_ROLL_BUILD, raise_all
from jichi.elections.numbering import VoterPlace, assign
from jichi.elections.sources import particulars
from jichi.elections.tables import voter_roll_build, voter_roll_build_entry, voter_roll_entry
from jichi.kernel.errors import JichiError

__all__ = ["Build", "BuildEntry", "BuildResult", "build", "get_build", "latest_builds"]

LIVE, MARKED, STRUCK = "live", "marked", "struck"


@dataclass(frozen=True)
class BuildEntry:
    person_id: str
    status: str
    reason: str | None
    district: str | None
    number: int | None
    sex: str | None
    date_of_birth: date | None


@dataclass(frozen=True)
class Build:
    build_id: str
    lg_code: str
    as_of: date
    built_at: datetime
    built_by: str
    entries: tuple[BuildEntry, ...] = field(default=())


@dataclass(frozen=True)
class BuildResult:
    build_id: str
    as_of: date
    counts: dict[str, int]
    unassigned: tuple[str, ...]


def _status(row: sa.Row[tuple[object, ...]], as_of: date) -> tuple[str, str | None]:
    if row.struck_on is not None and row.struck_on <= as_of:
        return STRUCK, row.strike_reason
    if row.marked_on is not None and row.marked_on <= as_of:
        return MARKED, row.mark_reason
    return LIVE, f"{row.registration_kind}:{row.base_date.isoformat()}"


def build(
    conn: Connection,
    lg_code: str,
    as_of: date,
    *,
    built_by: str,
    allow_unassigned: bool = False,
    now: datetime | None = None,
) -> BuildResult:
    """Build and store the roll of ``lg_code`` at ``as_of``; nothing is stored on an error."""
    t = voter_roll_entry
    rows = list(
        conn.execute(
            sa.select(t)
            .where(t.c.lg_code == lg_code, t.c.registered_on <= as_of)
            .order_by(t.c.person_id)
        )
    )
    statuses = {row.person_id: _status(row, as_of) for row in rows}
    people = particulars(conn, lg_code, list(statuses))
    table = district_store.load(conn, lg_code)
    on_roll = [pid for pid, (status, _) in statuses.items() if status != STRUCK]
    places = []
    unknown = []
    for pid in on_roll:
        p = people.get(pid)
        if p is None:
            unknown.append(pid)
            continue
        places.append(VoterPlace(pid, p.town, p.block, p.building, p.household_id, p.date_of_birth))
    assignments, unassigned = assign(places, table, district_store.DEFAULT_DISTRICT)
    missing = sorted([*unknown, *(v.person_id for v in unassigned)])
    if missing and not allow_unassigned:
        raise_all(
            [
                JichiError(
                    NO_DISTRICT,
                    field=f"person {pid}",
                    town=people[pid].town if pid in people else "（住民票なし）",
                    block=people[pid].block if pid in people else "",
                )
                for pid in missing
            ]
        )
    numbers = {a.person_id: a for a in assignments}
    build_id = str(uuid.uuid4())
    conn.execute(
        voter_roll_build.insert().values(
            build_id=build_id,
            lg_code=lg_code,
            as_of=as_of,
            built_at=now or datetime.now(UTC),
            built_by=built_by,
        )
    )
    values = []
    counts = {LIVE: 0, MARKED: 0, STRUCK: 0}
    for pid, (status, reason) in statuses.items():
        counts[status] += 1
        a = numbers.get(pid)
        p = people.get(pid)
        values.append(
            {
                "build_id": build_id,
                "person_id": pid,
                "status": status,
                "reason": reason,
                "district": a.district if a else None,
                "number": a.number if a else None,
                "sex": p.sex if p else None,
                "date_of_birth": p.date_of_birth if p else None,
            }
        )
    if values:
        conn.execute(voter_roll_build_entry.insert(), values)
    return BuildResult(build_id, as_of, counts, tuple(missing))


def get_build(conn: Connection, lg_code: str, build_id: str) -> Build:
    """A stored build with its entries in district and number order (ELE-034 if none)."""
    head = conn.execute(
        sa.select(voter_roll_build).where(
            voter_roll_build.c.build_id == build_id, voter_roll_build.c.lg_code == lg_code
        )
    ).first()
    if head is None:
        raise JichiError(NO_ROLL_BUILD, field="build", value=build_id)
    e = voter_roll_build_entry
    rows = conn.execute(sa.select(e).where(e.c.build_id == build_id))
    entries = sorted(
        (
            BuildEntry(
                r.person_id, r.status, r.reason, r.district, r.number, r.sex, r.date_of_birth
            )
            for r in rows
        ),
        key=lambda x: (x.district is None, x.district or "", x.number or 0, x.person_id),
    )
    return Build(
        head.build_id, head.lg_code, head.as_of, head.built_at, head.built_by, tuple(entries)
    )


def latest_builds(conn: Connection, lg_code: str, limit: int = 20) -> list[tuple[str, date]]:
    """The newest builds (id, as-of date), newest first."""
    b = voter_roll_build
    query = (
        sa.select(b.c.build_id, b.c.as_of)
        .where(b.c.lg_code == lg_code)
        .order_by(b.c.built_at.desc(), b.c.build_id)
        .limit(limit)
    )
    return [(r.build_id, r.as_of) for r in conn.execute(query)]
