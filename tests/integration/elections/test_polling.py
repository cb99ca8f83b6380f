"""Check-in on both databases: once per voter, races, periods, offline replay."""

from __future__ import annotations

import threading
from datetime import date, datetime

import pytest
from sqlalchemy import Engine

from jichi.elections import election_store
from jichi.elections.model import Candidate, Election, ElectionType
from jichi.elections.offline import OfflineQueue, QueuedCheckIn, go_offline, replay_queue
from jichi.elections.polling import (
    JST,
    CheckInOutcome,
    StationKind,
    VoterAtDesk,
    add_station,
    check_in,
    station_offline,
)
from jichi.kernel.errors import JichiError

ELECTION = Election(
    election_id="e1",
    lg_code="112011",
    kind=ElectionType.MAYOR,
    district="川越市",
    seats=1,
    announced_on=date(2026, 10, 20),
    polling_day=date(2026, 10, 27),
    candidates=(Candidate("c1", "甲"), Candidate("c2", "乙")),
)
DAY = datetime(2026, 10, 27, 9, 30, tzinfo=JST)
EARLY = datetime(2026, 10, 23, 10, 0, tzinfo=JST)


def voter(vid: str, sex: str = "female", born: date = date(1990, 1, 1)) -> VoterAtDesk:
    return VoterAtDesk(vid, "01", sex, born)


@pytest.fixture
def polled(engine: Engine) -> Engine:
    with engine.begin() as conn:
        election_store.save(conn, ELECTION)
        for sid in ("s1", "s2"):
            add_station(conn, "e1", sid, f"第{sid}投票所", StationKind.DAY, "01")
        add_station(conn, "e1", "early", "期日前投票所", StationKind.EARLY, "01")
    return engine


def test_a_voter_checks_in_once_and_the_second_reads_the_first(polled: Engine) -> None:
    first = check_in(polled, ELECTION, "early", voter("v1"), clerk_id="k1", at=EARLY)
    again = check_in(polled, ELECTION, "s1", voter("v1"), clerk_id="k2", at=DAY)
    assert first.accepted and not first.double_vote_risk
    assert not again.accepted
    assert (again.first.station_id, again.first.clerk_id) == ("early", "k1")
    assert again.first.checked_in_at == EARLY
    with pytest.raises(JichiError) as caught:
        again.raise_if_refused()
    assert caught.value.code == "ELE-019" and "early" in caught.value.message_ja


@pytest.mark.parametrize("round_", range(3))
def test_two_stations_at_the_same_moment_exactly_one_wins(polled: Engine, round_: int) -> None:
    stations = ["s1", "s2"] * 4  # eight threads, each its own connection
    barrier = threading.Barrier(len(stations))
    outcomes: list[CheckInOutcome] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(i: int, station: str) -> None:
        try:
            barrier.wait()
            outcome = check_in(
                polled, ELECTION, station, voter(f"race{round_}"), clerk_id=f"k{i}", at=DAY
            )
            with lock:
                outcomes.append(outcome)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate(stations)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    winners = [o for o in outcomes if o.accepted]
    losers = [o for o in outcomes if not o.accepted]
    assert len(winners) == 1 and len(losers) == len(stations) - 1
    assert {o.first for o in losers} == {winners[0].first}  # every loser names the winner


def test_periods_are_enforced(polled: Engine) -> None:
    with pytest.raises(JichiError) as day_early:
        check_in(polled, ELECTION, "s1", voter("v2"), clerk_id="k", at=EARLY)
    with pytest.raises(JichiError) as early_on_day:
        check_in(polled, ELECTION, "early", voter("v2"), clerk_id="k", at=DAY)
    with pytest.raises(JichiError) as unknown:
        check_in(polled, ELECTION, "nowhere", voter("v2"), clerk_id="k", at=DAY)
    assert day_early.value.code == early_on_day.value.code == "ELE-021"
    assert unknown.value.code == "ELE-020"


def test_offline_queue_replays_and_reports_conflicts_with_the_risk_shown(polled: Engine) -> None:
    go_offline(polled, "e1", "s2", DAY)
    with polled.connect() as conn:
        assert station_offline(conn, "e1", "s2")
    # while s2 is offline, v3 checks in at s1 (online)
    online = check_in(polled, ELECTION, "s1", voter("v3"), clerk_id="k1", at=DAY)
    assert online.accepted and not online.double_vote_risk
    queue = OfflineQueue("s2")
    for vid, minute in (("v3", 40), ("v4", 41), ("v4", 42)):
        queue = queue.add(QueuedCheckIn(voter(vid), "k9", DAY.replace(minute=minute)))
    assert queue.double_vote_risk
    report = replay_queue(polled, ELECTION, queue)
    assert [q.voter.voter_id for q in report.accepted] == ["v4"]
    assert [(c.entry.voter.voter_id, c.first.station_id) for c in report.conflicts] == [
        ("v3", "s1")
    ]
    assert len(report.local_duplicates) == 1 and report.double_votes_possible == 2
    with polled.connect() as conn:
        assert not station_offline(conn, "e1", "s2")


def test_a_check_in_from_an_offline_station_carries_the_risk(polled: Engine) -> None:
    go_offline(polled, "e1", "s1", DAY)
    outcome = check_in(polled, ELECTION, "s1", voter("v5"), clerk_id="k1", at=DAY)
    assert outcome.accepted and outcome.double_vote_risk


def test_turnout_by_hour_district_sex_and_age(polled: Engine) -> None:
    from jichi.elections import turnout

    check_in(
        polled, ELECTION, "early", voter("t1", "male", date(2008, 10, 20)), clerk_id="k", at=EARLY
    )
    check_in(polled, ELECTION, "s1", voter("t2", "female"), clerk_id="k", at=DAY)
    check_in(polled, ELECTION, "s2", voter("t3", "female"), clerk_id="k", at=DAY.replace(hour=19))
    with polled.connect() as conn:
        hours = turnout.cumulative_by_hour(conn, "e1")
        sex = turnout.by(conn, "e1", ["sex"])
        ages = turnout.by(conn, "e1", ["district", "age_band"])
        kinds = turnout.by(conn, "e1", ["kind"])
    assert [(h.key, h.voters) for h in hours] == [
        (("2026-10-23T10",), 1),
        (("2026-10-27T09",), 2),
        (("2026-10-27T19",), 3),
    ]
    assert [(s.key, s.voters) for s in sex] == [(("female",), 2), (("male",), 1)]
    assert [(a.key, a.voters) for a in ages] == [(("01", "18-19"), 1), (("01", "30-39"), 2)]
    assert [(k.key, k.voters) for k in kinds] == [(("day",), 2), (("early",), 1)]
    assert turnout.rate_text(turnout.rate(58_094_005, 106_202_873)) == "54.70"  # facts §2


def test_absentee_is_recorded_and_early_voting_needs_the_age_on_the_day(engine: Engine) -> None:
    with engine.begin() as conn:
        election_store.save(conn, ELECTION)
        add_station(conn, "e1", "early", "期日前投票所", StationKind.EARLY, "01")
        add_station(conn, "e1", "emb", "選挙管理委員会（不在者）", StationKind.ABSENTEE, "01")
        add_station(conn, "e1", "s1", "第1投票所", StationKind.DAY, "01")
    turns_18_on_day = voter("young", born=date(2008, 10, 28))  # 18 at the end of 10-27
    with pytest.raises(JichiError) as caught:
        check_in(engine, ELECTION, "early", turns_18_on_day, clerk_id="k", at=EARLY)
    assert caught.value.code == "ELE-029"
    absentee = check_in(engine, ELECTION, "emb", turns_18_on_day, clerk_id="k", at=EARLY)
    assert absentee.accepted and absentee.first.kind == "absentee"
    on_the_day = check_in(engine, ELECTION, "s1", turns_18_on_day, clerk_id="k2", at=DAY)
    assert not on_the_day.accepted and on_the_day.first.kind == "absentee"
