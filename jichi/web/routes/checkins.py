"""The station laptops' check-in API (投票所の受付端末): JSON over a staff bearer token.

A laptop signs in as a commission staff member of the served municipality (role
``election``) and sends what its scanner read — the 入場整理券's QR payload or a typed
voter id.  The answer always carries ``accepted``, who/where/when of the first check-in,
``double_vote_risk`` and ``station_offline``: a refusal is a normal answer (200 with
``accepted: false``), not an error, so a client can never mistake it for a network
failure and retry into a ballot.  While its link is down the laptop queues check-ins
(:mod:`jichi.elections.offline`) and replays them here on reconnect; each voter checked
in elsewhere meanwhile comes back as a conflict.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from jichi.elections import election_store
from jichi.elections.desk import RollLine, replay_voters, roll_line
from jichi.elections.errors import BAD_TICKET_CODE, UNKNOWN_STATION
from jichi.elections.model import Election
from jichi.elections.offline import go_offline
from jichi.elections.polling import CheckInRecord, check_in, stations
from jichi.elections.tickets import ticket_key_of, verify_code
from jichi.kernel.errors import JichiError
from jichi.security.actor import Actor
from jichi.security.policy import require
from jichi.web.auth import CurrentActor
from jichi.web.pages.common import registry_of

router = APIRouter(prefix="/api/elections", tags=["elections"])

Code = Annotated[str, Field(min_length=1, max_length=200, description="QR の内容 T1|… か選挙人ID")]


class CheckInIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Code


class QueuedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Code
    clerk_id: Annotated[str, Field(min_length=1, max_length=100)]
    at: datetime


class ReplayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    queue: Annotated[list[QueuedIn], Field(max_length=5000)]


class FirstOut(BaseModel):
    station_id: str
    clerk_id: str
    checked_in_at: datetime
    kind: str
    offline: bool


class VoterOut(BaseModel):
    voter_id: str
    polling_district: str
    number: int | None
    marked: bool
    mark_reason: str | None


class CheckInOut(BaseModel):
    accepted: bool
    voter: VoterOut
    first: FirstOut
    double_vote_risk: bool
    station_offline: bool


class StationOut(BaseModel):
    station_id: str
    name: str
    kind: str
    polling_district: str
    station_offline: bool
    offline_since: datetime | None
    double_vote_risk: bool


class ConflictOut(BaseModel):
    voter_id: str
    first: FirstOut


class RefusedOut(BaseModel):
    index: int
    code: str
    message: str


class ReplayOut(BaseModel):
    accepted: list[str]
    conflicts: list[ConflictOut]
    local_duplicates: list[str]
    not_on_roll: list[RefusedOut]
    double_votes_possible: int


def _election(request: Request, actor: Actor, election_id: str) -> Election:
    require(actor, "election.checkin")
    with registry_of(request).engine.connect() as conn:
        return election_store.load_for(conn, actor.lg_code, election_id)


def _station(request: Request, e: Election, station_id: str) -> StationOut:
    with registry_of(request).engine.connect() as conn:
        return _station_in(conn, e, station_id)


def _station_in(conn: Connection, e: Election, station_id: str) -> StationOut:
    row = next((r for r in stations(conn, e.election_id) if r.station_id == station_id), None)
    if row is None:
        raise JichiError(UNKNOWN_STATION, field="station_id", station_id=station_id)
    offline = row.offline_since is not None
    return StationOut(
        station_id=row.station_id,
        name=row.name,
        kind=row.kind,
        polling_district=row.polling_district,
        station_offline=offline,
        offline_since=row.offline_since,
        double_vote_risk=offline,
    )


def _voter_id(request: Request, e: Election, code: str) -> str:
    code = code.strip()
    if code.upper().startswith("T1|"):
        return verify_code(ticket_key_of(registry_of(request).cipher), code, e.election_id)
    if not code or len(code) > 36 or "|" in code:
        raise JichiError(BAD_TICKET_CODE, field="code")
    return code


def _first(f: CheckInRecord) -> FirstOut:
    return FirstOut(
        station_id=f.station_id,
        clerk_id=f.clerk_id,
        checked_in_at=f.checked_in_at.astimezone(UTC),
        kind=f.kind,
        offline=f.offline,
    )


def _voter(line: RollLine) -> VoterOut:
    return VoterOut(
        voter_id=line.voter_id,
        polling_district=line.district,
        number=line.number,
        marked=line.marked,
        mark_reason=line.reason,
    )


@router.get("/{election_id}/stations/{station_id}")
def station_state(
    request: Request, election_id: str, station_id: str, actor: CurrentActor
) -> StationOut:
    """投票所の状態（オフライン受付中なら二重投票の危険あり）。"""
    return _station(request, _election(request, actor, election_id), station_id)


@router.post("/{election_id}/stations/{station_id}/checkins")
def station_check_in(
    request: Request, election_id: str, station_id: str, body: CheckInIn, actor: CurrentActor
) -> CheckInOut:
    """選挙人の受付。受付済みなら accepted=false と最初の受付（投票所・時刻・受付者）。"""
    require(actor, "election.checkin")
    engine = registry_of(request).engine
    # The reads before the INSERT share one connection (one pool checkout, one
    # transaction): election, station, ticket, roll line, in the order their errors go.
    with engine.connect() as conn:
        e = election_store.load_for(conn, actor.lg_code, election_id)
        _station_in(conn, e, station_id)
        line = roll_line(conn, e, _voter_id(request, e, body.code))
    outcome = check_in(
        engine, e, station_id, line.at_desk(), clerk_id=actor.staff_id, at=datetime.now(UTC)
    )
    state = _station(request, e, station_id)
    return CheckInOut(
        accepted=outcome.accepted,
        voter=_voter(line),
        first=_first(outcome.first),
        double_vote_risk=outcome.double_vote_risk,
        station_offline=state.station_offline,
    )


@router.post("/{election_id}/stations/{station_id}/offline")
def station_goes_offline(
    request: Request, election_id: str, station_id: str, actor: CurrentActor
) -> StationOut:
    """回線が切れた: 以後この投票所の受付はすべて二重投票の危険ありと示します。"""
    e = _election(request, actor, election_id)
    _station(request, e, station_id)
    go_offline(registry_of(request).engine, e.election_id, station_id, datetime.now(UTC))
    return _station(request, e, station_id)


@router.post("/{election_id}/stations/{station_id}/replay")
def station_replay(
    request: Request, election_id: str, station_id: str, body: ReplayIn, actor: CurrentActor
) -> ReplayOut:
    """オフライン中の受付を再送します。他所で先に受付済みだった選挙人は conflicts に。"""
    e = _election(request, actor, election_id)
    _station(request, e, station_id)
    entries: list[tuple[str, str, datetime]] = []
    refused: list[RefusedOut] = []
    for i, q in enumerate(body.queue):
        at = q.at if q.at.tzinfo else q.at.replace(tzinfo=UTC)
        try:
            entries.append((_voter_id(request, e, q.code), q.clerk_id, at))
        except JichiError as error:
            refused.append(RefusedOut(index=i, code=error.code, message=error.message_ja))
            entries.append(("", q.clerk_id, at))  # keep indexes aligned; refused below
    kept = [(i, x) for i, x in enumerate(entries) if x[0]]
    report, off_roll = replay_voters(
        registry_of(request).engine, e, station_id, [x for _, x in kept]
    )
    refused += [
        RefusedOut(index=kept[j][0], code=err.code, message=err.message_ja) for j, err in off_roll
    ]
    return ReplayOut(
        accepted=[q.voter.voter_id for q in report.accepted],
        conflicts=[
            ConflictOut(voter_id=c.entry.voter.voter_id, first=_first(c.first))
            for c in report.conflicts
        ],
        local_duplicates=[q.voter.voter_id for q in report.local_duplicates],
        not_on_roll=sorted(refused, key=lambda r: r.index),
        double_votes_possible=report.double_votes_possible,
    )
