"""Offline mode of a station's client: a local queue of check-ins, replayed on reconnect.

When the link drops, the clerk can still check voters against the station's copy of
the roll, but the station cannot know whether the voter checked in elsewhere
meanwhile: that is the **double-vote risk** of this mode.  It is shown, not hidden:
:func:`go_offline` sets ``polling_station.offline_since``, every check-in outcome from
the station carries ``double_vote_risk=True`` until :func:`replay_queue` brings it back,
and the replay reports each conflict (the voter was checked in elsewhere first) so the
clerk and the 投票管理者 can act on it (a ballot cast twice cannot be taken back; it is a
matter for the record and, where it applies, for 公選法237条).

:func:`replay` is pure: it takes the queue and a ``submit`` function and decides
nothing else, so its rules (earliest first; a voter twice in one queue is a local
duplicate, never sent twice) are tested without a database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine

from jichi.elections.model import Election
from jichi.elections.polling import CheckInOutcome, CheckInRecord, VoterAtDesk, check_in
from jichi.elections.tables import polling_station as st

__all__ = [
    "OfflineQueue",
    "QueuedCheckIn",
    "ReplayReport",
    "go_offline",
    "replay",
    "replay_queue",
]


@dataclass(frozen=True)
class QueuedCheckIn:
    voter: VoterAtDesk
    clerk_id: str
    at: datetime  # when the clerk checked the voter in, offline


@dataclass(frozen=True)
class OfflineQueue:
    """The station's local queue (the client persists it; here it is a value)."""

    station_id: str
    entries: tuple[QueuedCheckIn, ...] = ()

    def add(self, entry: QueuedCheckIn) -> OfflineQueue:
        return OfflineQueue(self.station_id, (*self.entries, entry))

    @property
    def double_vote_risk(self) -> bool:
        """A station with a non-empty queue has admitted voters nobody else knows of."""
        return bool(self.entries)


@dataclass(frozen=True)
class Conflict:
    entry: QueuedCheckIn
    first: CheckInRecord  # the check-in that was there first (who, where, when)


@dataclass(frozen=True)
class ReplayReport:
    accepted: tuple[QueuedCheckIn, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    local_duplicates: tuple[QueuedCheckIn, ...] = field(default=())  # same voter twice here

    @property
    def double_votes_possible(self) -> int:
        """Ballots that may have been cast twice: each needs the clerk's attention."""
        return len(self.conflicts) + len(self.local_duplicates)


def replay(
    entries: Sequence[QueuedCheckIn], submit: Callable[[QueuedCheckIn], CheckInOutcome]
) -> ReplayReport:
    """Send the queue in check-in time order; sort each answer into accepted or conflict."""
    accepted: list[QueuedCheckIn] = []
    conflicts: list[Conflict] = []
    duplicates: list[QueuedCheckIn] = []
    seen: set[str] = set()
    for entry in sorted(entries, key=lambda q: (q.at, q.voter.voter_id)):
        if entry.voter.voter_id in seen:
            duplicates.append(entry)
            continue
        seen.add(entry.voter.voter_id)
        outcome = submit(entry)
        if outcome.accepted:
            accepted.append(entry)
        else:
            conflicts.append(Conflict(entry, outcome.first))
    return ReplayReport(tuple(accepted), tuple(conflicts), tuple(duplicates))


def go_offline(engine: Engine, election_id: str, station_id: str, at: datetime) -> None:
    """Record that the station lost its link: from now its outcomes carry the risk flag."""
    with engine.begin() as conn:
        conn.execute(
            st.update()
            .where(
                st.c.election_id == election_id,
                st.c.station_id == station_id,
                st.c.offline_since.is_(None),
            )
            .values(offline_since=at.astimezone(UTC))
        )


def replay_queue(engine: Engine, e: Election, queue: OfflineQueue) -> ReplayReport:
    """Replay on reconnect, then clear the station's offline state."""

    def submit(entry: QueuedCheckIn) -> CheckInOutcome:
        return check_in(
            engine,
            e,
            queue.station_id,
            entry.voter,
            clerk_id=entry.clerk_id,
            at=entry.at,
            offline=True,
        )

    report = replay(queue.entries, submit)
    with engine.begin() as conn:
        conn.execute(
            st.update()
            .where(st.c.election_id == e.election_id, st.c.station_id == queue.station_id)
            .values(offline_since=None)
        )
    return report
