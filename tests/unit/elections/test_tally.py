"""Four-eyes tally reconciliation (property tests) and the offline replay rules."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jichi.elections.apportion import AmbiguousGroup
from jichi.elections.errors import ElectionInvalid
from jichi.elections.offline import QueuedCheckIn, replay
from jichi.elections.polling import JST, CheckInOutcome, CheckInRecord, VoterAtDesk, age_band
from jichi.elections.tally import Tally, TallyMismatch, check_tally, differences, reconcile
from jichi.kernel.errors import JichiError

counts = st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), st.integers(0, 10_000))
invalids = st.dictionaries(st.sampled_from(["blank", "extraneous_writing"]), st.integers(0, 99))


@given(counts, invalids)
def test_two_equal_entries_by_two_staff_reconcile(
    votes: dict[str, int], inv: dict[str, int]
) -> None:
    tally = Tally(votes, inv)
    assert reconcile(tally, "s1", Tally(dict(votes), dict(inv)), "s2") == tally


@given(counts, invalids, counts, invalids)
def test_a_mismatch_lists_exactly_the_differing_lines(
    v1: dict[str, int], i1: dict[str, int], v2: dict[str, int], i2: dict[str, int]
) -> None:
    first, second = Tally(v1, i1), Tally(v2, i2)
    expected = {
        line
        for line in first.lines().keys() | second.lines().keys()
        if first.lines().get(line) != second.lines().get(line)
    }
    if not expected:
        assert reconcile(first, "s1", second, "s2") == first
        return
    with pytest.raises(TallyMismatch) as caught:
        reconcile(first, "s1", second, "s2")
    assert {d.line for d in caught.value.differences} == expected
    assert caught.value.code == "ELE-023" and str(len(expected)) in caught.value.message_ja


@given(counts)
def test_the_same_staff_twice_is_refused(votes: dict[str, int]) -> None:
    with pytest.raises(JichiError) as caught:
        reconcile(Tally(votes), "s1", Tally(votes), "s1")
    assert caught.value.code == "ELE-022"


def test_a_zero_is_a_line_and_differs_from_a_missing_line() -> None:
    diff = differences(Tally({"a": 0}), Tally({}))
    assert [(d.line, d.first, d.second) for d in diff] == [("candidate:a", "0", None)]


def test_a_tally_reports_all_its_problems() -> None:
    bad = Tally(
        {"a": 1, "zz": -1},
        {"no_such": 1},
        (AmbiguousGroup("甲", 3, ("a", "qq")),),
    )
    with pytest.raises(ElectionInvalid) as caught:
        check_tally(bad, ["a", "b"])
    assert {e.code for e in caught.value.errors} == {"ELE-010", "ELE-005", "ELE-024"}
    assert len(caught.value.errors) == 4


def test_tally_json_round_trips() -> None:
    tally = Tally({"a": 3}, {"blank": 2}, (AmbiguousGroup("延岡", 10, ("a", "b")),))
    assert Tally.from_json(tally.to_json()).lines() == tally.lines()


def test_party_name_ballots_are_lines_checked_against_the_parties() -> None:
    tally = Tally({}, party_votes={"P党": 300, "X党": 1, "Q党": -1})
    assert Tally.from_json(tally.to_json()).lines()["party:P党"] == "300"
    assert "party_votes" not in Tally({"a": 3}).to_json()  # stored tallies keep their form
    with pytest.raises(ElectionInvalid) as caught:
        check_tally(tally, [], parties=["P党", "Q党"])
    assert sorted((e.code, e.field) for e in caught.value.errors) == [
        ("ELE-005", "party_votes.Q党"),
        ("ELE-010", "party_votes.X党"),
    ]
    differ = differences(tally, Tally({}, party_votes={"P党": 301, "X党": 1, "Q党": -1}))
    assert [d.line for d in differ] == ["party:P党"]  # four eyes cover party lines too


T0 = datetime(2026, 10, 27, 9, 0, tzinfo=JST)
people = st.lists(st.sampled_from([f"v{i}" for i in range(6)]), max_size=12)


@given(people, st.sets(st.sampled_from([f"v{i}" for i in range(6)])))
def test_replay_sends_each_voter_once_and_sorts_answers(
    queued: list[str], elsewhere: set[str]
) -> None:
    entries = [
        QueuedCheckIn(
            VoterAtDesk(v, "01", "male", date(1980, 1, 1)), "k", T0 + timedelta(minutes=i)
        )
        for i, v in enumerate(queued)
    ]
    sent: list[str] = []
    store = {v: CheckInRecord(v, "other", "day", "k0", T0, False) for v in elsewhere}

    def submit(entry: QueuedCheckIn) -> CheckInOutcome:
        vid = entry.voter.voter_id
        sent.append(vid)
        if vid in store:
            return CheckInOutcome(False, store[vid], True)
        store[vid] = CheckInRecord(vid, "s", "day", entry.clerk_id, entry.at, True)
        return CheckInOutcome(True, store[vid], True)

    report = replay(list(reversed(entries)), submit)
    assert len(sent) == len(set(sent)) == len(set(queued))
    assert sent == list(dict.fromkeys(queued))  # earliest first, whatever the queue order
    assert {c.entry.voter.voter_id for c in report.conflicts} == set(queued) & elsewhere
    assert {a.voter.voter_id for a in report.accepted} == set(queued) - elsewhere
    assert len(report.local_duplicates) == len(queued) - len(set(queued))


@pytest.mark.parametrize(
    ("born", "band"),
    [
        (date(2008, 10, 27), "18-19"),  # 18 on polling day
        (date(2008, 10, 28), "18-19"),  # 18 at the end of polling day: votes (facts §1.2)
        (date(2008, 10, 29), "<18"),
        (date(1996, 10, 27), "30-39"),
        (date(1930, 1, 1), "80+"),
    ],
)
def test_age_bands_use_the_age_on_polling_day(born: date, band: str) -> None:
    assert age_band(born, date(2026, 10, 27)) == band
