"""Check-in at polling stations (当日), early-voting stations (期日前) and 不在者投票.

**A voter votes once.**  The rule lives in the database, not in a read-then-write: the
primary key of ``check_in`` is (election, voter), so when two stations check in the
same voter at the same moment, exactly one INSERT commits and the other fails with an
integrity error whatever the interleaving, on PostgreSQL and on SQLite alike.  The loser
then reads the winner's row and is refused with who (clerk), where (station) and when
(ELE-019 in :meth:`CheckInOutcome.raise_if_refused`).

**Offline mode is visible.**  While a station's link is down (``offline_since`` set, see
:mod:`jichi.elections.offline`) its clerks can only check the voter against a local
copy, so a voter could vote there and elsewhere before the queue is replayed.  Every
outcome from such a station carries ``double_vote_risk=True`` and the station's state
says so: the risk is shown to the clerk, not hidden.

Periods (facts §2): a day station accepts only on polling day; early voting (48条の2)
and 不在者投票 from the day after the 公示/告示 to the day before polling day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from enum import Enum

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from jichi.elections.errors import (
    ALREADY_CHECKED_IN,
    OUT_OF_PERIOD,
    UNDER_AGE_EARLY,
    UNKNOWN_STATION,
)
from jichi.elections.model import Election
from jichi.elections.tables import check_in as t
from jichi.elections.tables import polling_station as st
from jichi.kernel.age import age_at_end_of
from jichi.kernel.errors import JichiError
from jichi.store.engine import write_transaction

__all__ = [
    "DEFAULT_AGE_BANDS",
    "JST",
    "CheckInOutcome",
    "CheckInRecord",
    "StationKind",
    "VoterAtDesk",
    "add_station",
    "age_band",
    "check_in",
    "first_check_in",
    "stations",
]

JST = timezone(timedelta(hours=9))
DEFAULT_AGE_BANDS = (18, 20, 30, 40, 50, 60, 70, 80)  # lower bounds; a configurable list
VOTING_AGE = 18


class StationKind(Enum):
    DAY = "day"  # 当日投票所
    EARLY = "early"  # 期日前投票所
    ABSENTEE = "absentee"  # 不在者投票 (recorded where the ballot is received)


@dataclass(frozen=True)
class VoterAtDesk:
    """What the clerk's screen knows of the voter (from the roll), for turnout counts."""

    voter_id: str
    polling_district: str
    sex: str
    birth_date: date


@dataclass(frozen=True)
class CheckInRecord:
    voter_id: str
    station_id: str
    kind: str
    clerk_id: str
    checked_in_at: datetime
    offline: bool


@dataclass(frozen=True)
class CheckInOutcome:
    accepted: bool
    first: CheckInRecord  # this check-in when accepted, else the one that won
    double_vote_risk: bool  # the station is (or this check-in was made) offline

    def raise_if_refused(self) -> CheckInOutcome:
        if not self.accepted:
            raise JichiError(
                ALREADY_CHECKED_IN,
                field="voter_id",
                station_id=self.first.station_id,
                checked_in_at=self.first.checked_in_at.astimezone(JST).isoformat(),
                clerk_id=self.first.clerk_id,
            )
        return self


def age_band(birth: date, polling_day: date, bands: tuple[int, ...] = DEFAULT_AGE_BANDS) -> str:
    """The band of the age held at the end of polling day ("20-29", "80+").

    The end of the day, as the vote itself: a voter whose 18th birthday is the day after
    polling day is 18 for the election (facts §1.2).
    """
    age = age_at_end_of(birth, polling_day, field="birth_date")
    label = f"<{bands[0]}"
    for i, low in enumerate(bands):
        if age >= low:
            label = f"{low}-{bands[i + 1] - 1}" if i + 1 < len(bands) else f"{low}+"
    return label


def add_station(
    conn: Connection,
    election_id: str,
    station_id: str,
    name: str,
    kind: StationKind,
    polling_district: str,
) -> None:
    conn.execute(
        st.insert().values(
            election_id=election_id,
            station_id=station_id,
            name=name,
            kind=kind.value,
            polling_district=polling_district,
            offline_since=None,
        )
    )


def stations(conn: Connection, election_id: str) -> list[sa.Row[tuple[object, ...]]]:
    """The election's stations (id, name, kind, district, offline_since), by id."""
    return list(
        conn.execute(sa.select(st).where(st.c.election_id == election_id).order_by(st.c.station_id))
    )


def _check_period(e: Election, kind: StationKind, at: datetime) -> None:
    day = at.astimezone(JST).date()
    if kind is StationKind.DAY:
        start = end = e.polling_day
        what, what_en = "投票日当日の投票", "election-day voting"
    else:
        start, end = e.announced_on + timedelta(days=1), e.polling_day - timedelta(days=1)
        what, what_en = (
            ("期日前投票", "early voting")
            if kind is StationKind.EARLY
            else ("不在者投票", "absentee voting")
        )
    if not start <= day <= end:
        raise JichiError(
            OUT_OF_PERIOD,
            field="checked_in_at",
            on=day.isoformat(),
            what=what,
            what_en=what_en,
            start=start.isoformat(),
            end=end.isoformat(),
        )


def _check_early_age(kind: StationKind, voter: VoterAtDesk, at: datetime) -> None:
    """期日前投票 needs the vote on the day it is cast (facts §1.2): 18 by the end of it.

    A voter who reaches 18 only by polling day is refused here (ELE-029) and pointed to
    polling day or to 不在者投票, which the facts name as that voter's way.
    """
    day = at.astimezone(JST).date()
    if kind is StationKind.EARLY and age_at_end_of(voter.birth_date, day) < VOTING_AGE:
        raise JichiError(UNDER_AGE_EARLY, field="birth_date", on=day.isoformat(), age=VOTING_AGE)


def _record(row: sa.Row[tuple[object, ...]] | None) -> CheckInRecord | None:
    if row is None:
        return None
    at = row.checked_in_at
    if at.tzinfo is None:  # SQLite returns naive UTC
        at = at.replace(tzinfo=UTC)
    return CheckInRecord(row.voter_id, row.station_id, row.kind, row.clerk_id, at, row.offline)


def first_check_in(conn: Connection, election_id: str, voter_id: str) -> CheckInRecord | None:
    """The voter's check-in in this election, if any."""
    row = conn.execute(
        sa.select(t).where(t.c.election_id == election_id, t.c.voter_id == voter_id)
    ).first()
    return _record(row)


def station_offline(conn: Connection, election_id: str, station_id: str) -> bool:
    """Whether the station is in offline mode (ELE-020 if it is not registered)."""
    row = conn.execute(
        sa.select(st.c.offline_since).where(
            st.c.election_id == election_id, st.c.station_id == station_id
        )
    ).first()
    if row is None:
        raise JichiError(UNKNOWN_STATION, field="station_id", station_id=station_id)
    return row.offline_since is not None


def _values(
    e: Election,
    station_id: str,
    voter: VoterAtDesk,
    kind: StationKind,
    clerk_id: str,
    at: datetime,
    offline: bool,
    now: datetime | None,
    bands: tuple[int, ...],
) -> dict[str, object]:
    return {
        "election_id": e.election_id,
        "voter_id": voter.voter_id,
        "station_id": station_id,
        "kind": kind.value,
        "clerk_id": clerk_id,
        "checked_in_at": at.astimezone(UTC),
        "hour_slot": at.astimezone(JST).strftime("%Y-%m-%dT%H"),
        "polling_district": voter.polling_district,
        "sex": voter.sex,
        "age_band": age_band(voter.birth_date, e.polling_day, bands),
        "offline": offline,
        "recorded_at": (now or datetime.now(UTC)).astimezone(UTC),
    }


def check_in(
    engine: Engine,
    e: Election,
    station_id: str,
    voter: VoterAtDesk,
    *,
    clerk_id: str,
    at: datetime,
    offline: bool = False,
    now: datetime | None = None,
    bands: tuple[int, ...] = DEFAULT_AGE_BANDS,
) -> CheckInOutcome:
    """Check ``voter`` in at ``station_id``; refused (not raised) if they already were.

    One transaction (station read, period check, INSERT): it either commits (accepted)
    or hits the primary key, in which case it rolls back and the winner's row is read
    in a fresh transaction and returned.
    ``offline`` marks a check-in replayed from a station's offline queue.
    """
    try:
        with write_transaction(engine) as conn:
            row = conn.execute(
                sa.select(st.c.kind, st.c.offline_since).where(
                    st.c.election_id == e.election_id, st.c.station_id == station_id
                )
            ).first()
            if row is None:
                raise JichiError(UNKNOWN_STATION, field="station_id", station_id=station_id)
            kind = StationKind(row.kind)
            _check_period(e, kind, at)
            _check_early_age(kind, voter, at)
            risk = offline or row.offline_since is not None
            conn.execute(
                t.insert().values(
                    _values(e, station_id, voter, kind, clerk_id, at, offline, now, bands)
                )
            )
    except IntegrityError:
        with engine.connect() as conn:
            winner = first_check_in(conn, e.election_id, voter.voter_id)
            risk = offline or station_offline(conn, e.election_id, station_id)
        if winner is None:  # pragma: no cover - a check-in is never deleted
            raise
        return CheckInOutcome(False, winner, risk)
    mine = CheckInRecord(voter.voter_id, station_id, kind.value, clerk_id, at, offline)
    return CheckInOutcome(True, mine, risk)
