"""D'Hondt with list exhaustion, passed-on seats and lots (公職選挙法95条の2・95条の3)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from jichi.elections.seats import (
    DistrictResult,
    ListCandidate,
    PartyList,
    PassedOn,
    dhondt,
    hoc_list_winners,
    hor_list_winners,
)
from jichi.kernel.errors import JichiError

TOKYO_2005 = {  # http://shakenbu.org/yanagi/d/20050912.html (facts file §4.1)
    "自民": 2665417,
    "民主": 1962225,
    "公明": 820126,
    "共産": 586017,
    "社民": 300782,
    "新党日本": 290027,
}


def lists(votes: dict[str, int], caps: dict[str, int] | None = None) -> list[PartyList]:
    caps = caps or {}
    return [PartyList(name, Fraction(v), caps.get(name)) for name, v in votes.items()]


def test_tokyo_2005_without_the_cap_is_8_6_2_1() -> None:
    result = dhondt(17, lists(TOKYO_2005))
    assert result.seats == {"自民": 8, "民主": 6, "公明": 2, "共産": 1, "社民": 0, "新党日本": 0}
    last = result.order[-1]
    assert (last.rank, last.party, last.divisor, last.quotient) == (
        17,
        "民主",
        6,
        Fraction(1962225, 6),
    )


def test_tokyo_2005_jimin_exhausted_passes_its_8th_seat_to_shamin() -> None:
    """自民 had only 7 eligible names: the published result 7-6-2-1-1."""
    result = dhondt(17, lists(TOKYO_2005, {"自民": 7}))
    assert result.seats == {"自民": 7, "民主": 6, "公明": 2, "共産": 1, "社民": 1, "新党日本": 0}
    assert result.passed_on == (PassedOn("自民", "社民", 16),)
    assert [(s.rank, s.party, s.quotient) for s in result.order[-2:]] == [
        (17, "民主", Fraction(327037.5)),
        (18, "社民", Fraction(300782)),
    ]
    assert result.lot_needed == () and result.unfilled == 0


def test_nanto_tie_for_the_last_seat_needs_a_lot_and_is_left_undecided() -> None:
    votes = {"A": 1800, "B": 1500, "C": 1200, "D": 900}
    result = dhondt(7, lists(votes))
    assert result.seats == {"A": 2, "B": 2, "C": 1, "D": 1}
    assert result.undecided == 1
    (lot,) = result.lot_needed
    assert (lot.rank, lot.quotient, lot.seats) == (7, Fraction(600), 1)
    assert {(c.party, c.divisor) for c in lot.contenders} == {("A", 3), ("C", 2)}


@pytest.mark.parametrize("winner", ["A", "C"])
def test_a_recorded_lot_decides_the_tie(winner: str) -> None:
    result = dhondt(7, lists({"A": 1800, "B": 1500, "C": 1200, "D": 900}), lot=[winner])
    assert result.lot_needed == () and result.undecided == 0
    assert result.seats[winner] == {"A": 3, "C": 2}[winner]
    assert result.lot_used == (winner,)


@pytest.mark.parametrize("lot", [["B"], ["A", "C"], ["A", "A"]])
def test_a_lot_that_does_not_match_the_tie_is_refused(lot: list[str]) -> None:
    with pytest.raises(JichiError) as caught:
        dhondt(7, lists({"A": 1800, "B": 1500, "C": 1200, "D": 900}), lot=lot)
    assert caught.value.code == "ELE-013"


def test_equal_quotients_that_all_fit_need_no_lot() -> None:
    result = dhondt(2, lists({"A": 100, "B": 100}))
    assert result.seats == {"A": 1, "B": 1} and result.lot_needed == ()


def test_every_list_exhausted_leaves_seats_unfilled() -> None:
    result = dhondt(5, lists({"A": 100, "B": 50}, {"A": 1, "B": 2}))
    assert result.seats == {"A": 1, "B": 2}
    assert result.unfilled == 2


@pytest.mark.parametrize(
    ("seats", "parties", "code"),
    [
        (0, [PartyList("A", Fraction(1))], "ELE-003"),
        (3, [PartyList("A", Fraction(1)), PartyList("A", Fraction(2))], "ELE-004"),
        (3, [PartyList("A", Fraction(-1))], "ELE-002"),
        (3, [PartyList("A", Fraction(1), -1)], "ELE-005"),
    ],
)
def test_bad_blocks_are_typed_errors(seats: int, parties: list[PartyList], code: str) -> None:
    with pytest.raises(JichiError) as caught:
        dhondt(seats, parties)
    assert caught.value.code == code


votes_st = st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=6)
caps_st = st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=8)), min_size=6)


def build(votes: list[int], caps: list[int | None]) -> list[PartyList]:
    return [PartyList(f"P{i}", Fraction(v), caps[i]) for i, v in enumerate(votes)]


@given(votes_st, caps_st, st.integers(min_value=1, max_value=20))
def test_house_size_caps_and_order(votes: list[int], caps: list[int | None], seats: int) -> None:
    parties = build(votes, caps)
    result = dhondt(seats, parties)
    assert sum(result.seats.values()) + result.undecided + result.unfilled == seats
    capacity = sum(
        min(seats, p.eligible if p.eligible is not None else seats) for p in parties if p.votes > 0
    )
    assert result.unfilled == max(0, seats - capacity)  # unfilled only when lists run out
    for p in parties:
        if p.eligible is not None:
            assert result.seats[p.name] <= p.eligible
    assert len(result.order) == sum(result.seats.values())
    quotients = [s.quotient for s in result.order]
    assert quotients == sorted(quotients, reverse=True)
    if result.lot_needed:
        (lot,) = result.lot_needed
        assert len(lot.contenders) > lot.seats == result.undecided
        assert all(lot.quotient <= q for q in quotients)


@given(votes_st, caps_st, st.integers(min_value=1, max_value=20))
def test_passed_on_seats_are_the_difference_the_caps_make(
    votes: list[int], caps: list[int | None], seats: int
) -> None:
    parties = build(votes, caps)
    capped = dhondt(seats, parties)
    free = dhondt(seats, [PartyList(p.name, p.votes) for p in parties])
    assume(not capped.lot_needed and not free.lot_needed)
    lost = {p: free.seats[p] - capped.seats[p] for p in free.seats}
    for p in parties:
        if p.eligible is not None and free.seats[p.name] > p.eligible:
            assert capped.seats[p.name] == p.eligible
    gives = {p: 0 for p in free.seats}
    gets = {p: 0 for p in free.seats}
    for passed in capped.passed_on:
        gives[passed.from_party] += 1
        if passed.to_party is not None:
            gets[passed.to_party] += 1
    # every seat a capped list lost is reported, and lands on a list that gained
    assert gives == {p: max(0, n) for p, n in lost.items()}
    assert sum(gets.values()) + capped.unfilled - free.unfilled == sum(gives.values())
    for p, n in gets.items():
        assert n <= max(0, -lost[p])


@given(votes_st, caps_st, st.integers(min_value=1, max_value=20), st.data())
def test_more_votes_never_mean_fewer_seats(
    votes: list[int], caps: list[int | None], seats: int, data: st.DataObject
) -> None:
    i = data.draw(st.integers(min_value=0, max_value=len(votes) - 1))
    extra = data.draw(st.integers(min_value=1, max_value=5_000))
    before = dhondt(seats, build(votes, caps))
    more = list(votes)
    more[i] += extra
    after = dhondt(seats, build(more, caps))
    assume(not before.lot_needed and not after.lot_needed)
    assert after.seats[f"P{i}"] >= before.seats[f"P{i}"]


def district(votes: int, winner: int, valid: int, won: bool = False) -> DistrictResult:
    return DistrictResult(Fraction(votes), Fraction(winner), Fraction(valid), won)


HOR_LIST = [  # facts file §4.2 worked example
    ListCandidate("A", 1),
    ListCandidate("B", 2, district(100_000, 100_000, 200_000, won=True)),
    ListCandidate("C", 2, district(95_000, 100_000, 210_000)),
    ListCandidate("D", 2, district(88_000, 90_000, 200_000)),
    ListCandidate("E", 2, district(9_000, 50_000, 100_000)),
    ListCandidate("F", 3),
]


def test_hor_list_drops_district_winners_and_those_below_the_deposit_line() -> None:
    outcome = hor_list_winners(HOR_LIST, 3)
    assert outcome.dropped == (("B", "won_district"), ("E", "below_deposit"))
    assert outcome.eligible == ("A", "D", "C", "F")
    assert outcome.winners == ("A", "D", "C")
    assert outcome.loss_ratios == {"C": Fraction(95, 100), "D": Fraction(88, 90)}
    assert hor_list_winners(HOR_LIST, 4).winners == ("A", "D", "C", "F")


def test_exactly_on_the_deposit_line_stays_eligible() -> None:
    on_line = [ListCandidate("X", 1, district(10_000, 50_000, 100_000))]
    assert hor_list_winners(on_line, 1).winners == ("X",)


def test_equal_loss_ratios_at_the_last_seat_need_a_lot() -> None:
    tied = [
        ListCandidate("G", 1, district(45_000, 50_000, 100_000)),
        ListCandidate("H", 1, district(90_000, 100_000, 200_000)),
    ]
    outcome = hor_list_winners(tied, 1)
    assert outcome.winners == ()
    assert outcome.lot_needed[0].candidates == ("G", "H")
    assert outcome.lot_needed[0].value == Fraction(9, 10)
    assert hor_list_winners(tied, 1, lot=["H"]).winners == ("H",)
    assert hor_list_winners(tied, 2).lot_needed == ()


def test_only_dual_candidates_may_share_a_rank() -> None:
    with pytest.raises(JichiError) as caught:
        hor_list_winners([ListCandidate("A", 1), ListCandidate("B", 1)], 1)
    assert caught.value.code == "ELE-014"


def test_hoc_priority_slot_first_then_personal_votes_with_a_lot_for_equal_votes() -> None:
    personal = [
        ("Q1", Fraction(150_000)),
        ("Q2", Fraction(90_000)),
        ("Q3", Fraction(90_000)),
        ("Q4", Fraction(10_000)),
    ]
    outcome = hoc_list_winners(["特定枠"], personal, 3)
    assert outcome.winners == ("特定枠", "Q1")
    assert outcome.lot_needed[0].candidates == ("Q2", "Q3")
    assert hoc_list_winners(["特定枠"], personal, 3, lot=["Q3"]).winners == (
        "特定枠",
        "Q1",
        "Q3",
    )
    assert hoc_list_winners(["特定枠"], personal, 4).winners == ("特定枠", "Q1", "Q2", "Q3")


def test_hoc_quotients_of_the_worked_example_give_q3_r2() -> None:
    result = dhondt(5, lists({"Q": 660_000, "R": 400_000, "S": 160_000}))
    assert result.seats == {"Q": 3, "R": 2, "S": 0}


def test_a_lot_without_a_tie_is_refused_not_ignored() -> None:
    with pytest.raises(JichiError) as caught:
        dhondt(2, lists({"A": 100, "B": 60}), lot=["A"])
    assert caught.value.code == "ELE-013"
    with pytest.raises(JichiError) as caught:
        hoc_list_winners([], [("Q1", Fraction(5)), ("Q2", Fraction(4))], 1, lot=["Q1"])
    assert caught.value.code == "ELE-013"
