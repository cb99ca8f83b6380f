"""The station desk (受付): a scanned ticket or a typed voter id, checked against the roll.

The station client knows the voter only by the code on the 入場整理券
(:func:`jichi.elections.tickets.verify_code`) or the id the clerk types from it; the
district, sex and birth date that turnout needs come from the newest roll build of the
election's municipality, never from the client.  A voter struck from the roll or absent
from it is refused (ELE-035); a 表示 entry (marked, 27条) is admitted and its reason is
returned so the clerk sees it (whether a marked voter may vote depends on why he was
marked — the clerk and the 投票管理者 decide, the screen only says so).

The one-vote rule itself stays where it is, in :func:`jichi.elections.polling.check_in`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from jichi.elections.errors import NOT_ON_ROLL
from jichi.elections.model import Election
from jichi.elections.offline import OfflineQueue, QueuedCheckIn, ReplayReport, replay_queue
from jichi.elections.polling import CheckInOutcome, VoterAtDesk, check_in
from jichi.elections.roll_build import LIVE, STRUCK
from jichi.elections.tables import voter_roll_build, voter_roll_build_entry
from jichi.kernel.errors import JichiError

__all__ = ["RollLine", "check_in_voter", "newest_build", "replay_voters", "roll_line"]


@dataclass(frozen=True)
class RollLine:
    """What the desk shows of the voter: district, number and a 表示 if any."""

    voter_id: str
    district: str
    number: int | None
    sex: str
    date_of_birth: date
    marked: bool
    reason: str | None
    as_of: date

    def at_desk(self) -> VoterAtDesk:
        return VoterAtDesk(self.voter_id, self.district, self.sex, self.date_of_birth)


def newest_build(conn: Connection, e: Election) -> sa.Row[Any, Any] | None:
    """(build_id, as_of) of the newest build of ``e``'s municipality dated on or before
    polling day: the roll the desk checks against and the tickets are printed from."""
    b = voter_roll_build
    newest = (
        sa.select(b.c.build_id, b.c.as_of)
        .where(b.c.lg_code == e.lg_code, b.c.as_of <= e.polling_day)
        .order_by(b.c.built_at.desc(), b.c.build_id)
        .limit(1)
    )
    return conn.execute(newest).first()


def roll_line(conn: Connection, e: Election, voter_id: str, *, field: str = "voter_id") -> RollLine:
    """The voter's line in the newest build of ``e``'s municipality (ELE-035 if none)."""
    x = voter_roll_build_entry
    head = newest_build(conn, e)
    as_of = head.as_of.isoformat() if head else "—"
    row = None
    if head is not None:
        row = conn.execute(
            sa.select(x).where(x.c.build_id == head.build_id, x.c.person_id == voter_id)
        ).first()
    if (
        head is None
        or row is None
        or row.status == STRUCK
        or row.district is None
        or row.date_of_birth is None
    ):
        raise JichiError(NOT_ON_ROLL, field=field, voter_id=voter_id, as_of=as_of)
    return RollLine(
        voter_id,
        row.district,
        row.number,
        row.sex or "",
        row.date_of_birth,
        row.status != LIVE,
        row.reason if row.status != LIVE else None,
        head.as_of,
    )


def check_in_voter(
    engine: Engine, e: Election, station_id: str, voter_id: str, *, clerk_id: str, at: datetime
) -> tuple[RollLine, CheckInOutcome]:
    """Look the voter up on the roll, then check in once (the refusal is an outcome)."""
    with engine.connect() as conn:
        line = roll_line(conn, e, voter_id)
    return line, check_in(engine, e, station_id, line.at_desk(), clerk_id=clerk_id, at=at)


def replay_voters(
    engine: Engine,
    e: Election,
    station_id: str,
    entries: list[tuple[str, str, datetime]],
) -> tuple[ReplayReport, list[tuple[int, JichiError]]]:
    """Replay a laptop's queue of (voter id, clerk, time); voters not on the roll are
    returned with their index, the others replayed (:func:`offline.replay_queue`)."""
    queue = OfflineQueue(station_id)
    refused: list[tuple[int, JichiError]] = []
    with engine.connect() as conn:
        for i, (voter_id, clerk_id, at) in enumerate(entries):
            try:
                line = roll_line(conn, e, voter_id, field=f"queue[{i}].voter_id")
            except JichiError as error:
                refused.append((i, error))
                continue
            queue = queue.add(QueuedCheckIn(line.at_desk(), clerk_id, at))
    return replay_queue(engine, e, queue), refused
