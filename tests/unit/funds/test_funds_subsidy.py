"""政党助成法 2・7・8・9・11・40条 as pure functions, with exact fractions."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jichi.funds.subsidy import (
    PartyInput,
    Truncation,
    Votes,
    allocate,
    instalments,
    prorate,
    qualifies,
    total_amount,
    truncate,
)
from jichi.kernel.errors import JichiError


def votes(smd: int, pr: int, hoc_pr: tuple[int, int], hoc_d: tuple[int, int]) -> Votes:
    return Votes(
        Fraction(smd),
        Fraction(pr),
        Fraction(hoc_pr[0]),
        Fraction(hoc_pr[1]),
        Fraction(hoc_d[0]),
        Fraction(hoc_d[1]),
    )


M = 1_000_000
EXAMPLE = [  # shared/docs/facts/elections_funds.md §6.5
    PartyInput("A", 300, votes(25 * M, 20 * M, (18 * M, 20 * M), (22 * M, 24 * M))),
    PartyInput("B", 150, votes(15 * M, 12 * M, (14 * M, 10 * M), (13 * M, 12 * M))),
    PartyInput("C", 50, votes(5 * M, 8 * M, (8 * M, 10 * M), (5 * M, 4 * M))),
]


def test_the_total_is_population_times_250_yen_as_soumu_published_for_2020() -> None:
    assert total_amount(126_146_099) == 31_536_524_750


def test_the_worked_example_gives_the_verified_exact_parts_and_truncates_to_thousand_yen() -> None:
    result = allocate(EXAMPLE, total_amount(100_000_000))
    a, b, c = result.parties
    assert a.member_part == 7_500_000_000 and b.member_part == 3_750_000_000
    assert int(a.exact) == 14_079_861_111 and int(b.exact) == 7_643_229_166
    assert int(c.exact) == 3_276_909_722
    assert sum(p.exact for p in result.parties) == 25_000_000_000
    assert [p.amount for p in result.parties] == [14_079_861_000, 7_643_229_000, 3_276_909_000]


def test_truncation_per_part_is_the_configurable_alternative() -> None:
    result = allocate(EXAMPLE, total_amount(100_000_000), truncation=Truncation.EACH_PART)
    a = result.parties[0]
    assert a.amount == truncate(a.member_part) + truncate(a.vote_part) == 14_079_861_000
    c = result.parties[2]
    assert c.amount == 1_250_000_000 + 2_026_909_000


def test_five_members_qualify_alone_one_member_needs_two_percent() -> None:
    nobody = votes(0, 0, (0, 0), (0, 0))
    assert qualifies(PartyInput("five", 5, nobody), votes(1, 1, (1, 1), (1, 1)))
    assert not qualifies(PartyInput("four", 4, nobody), votes(1, 1, (1, 1), (1, 1)))
    valid = votes(1000, 1000, (1000, 1000), (1000, 1000))
    at_two = PartyInput("one", 1, votes(0, 0, (0, 0), (0, 20)))
    below = PartyInput("one", 1, votes(19, 19, (19, 19), (19, 19)))
    none_member = PartyInput("zero", 0, votes(999, 999, (999, 999), (999, 999)))
    assert qualifies(at_two, valid)
    assert not qualifies(below, valid)
    assert not qualifies(none_member, valid)


def test_a_party_that_does_not_qualify_gets_nothing_and_is_out_of_the_denominators() -> None:
    small = PartyInput("D", 0, votes(1 * M, 1 * M, (1 * M, 1 * M), (1 * M, 1 * M)))
    with_small = allocate([*EXAMPLE, small], total_amount(100_000_000))
    assert with_small.parties[3].qualifies is False and with_small.parties[3].amount == 0
    assert [p.exact for p in with_small.parties[:3]] == [
        p.exact for p in allocate(EXAMPLE, total_amount(100_000_000)).parties
    ]


def test_no_qualifying_party_or_no_votes_is_a_typed_error() -> None:
    nobody = PartyInput("X", 1, votes(0, 0, (0, 0), (0, 0)))
    with pytest.raises(JichiError) as caught:
        allocate([nobody], Fraction(1000))
    assert caught.value.code == "FND-010"
    five_no_votes = PartyInput("Y", 5, votes(0, 1, (1, 1), (1, 1)))
    with pytest.raises(JichiError) as caught:
        allocate([five_no_votes], Fraction(1000))
    assert caught.value.code == "FND-011" and caught.value.field == "votes.hor_smd"


def test_an_election_in_july_prorates_seven_twelfths_and_five_twelfths() -> None:
    base = allocate(EXAMPLE, total_amount(100_000_000)).parties[2].exact
    recomputed = Fraction(2_949_218_750)
    year = prorate(base, [(7, recomputed)])
    assert year == base * Fraction(7, 12) + recomputed * Fraction(5, 12)
    assert int(year) == 3_140_371_817
    assert prorate(base, []) == base
    two = prorate(Fraction(1200), [(3, Fraction(2400)), (9, Fraction(0))])
    assert two == 300 + 1200
    with pytest.raises(ValueError):
        prorate(base, [(9, base), (3, base)])


def test_instalments_add_up_to_the_amount_in_four_payments() -> None:
    assert instalments(14_079_861_000) == (
        3_519_965_000,
        3_519_965_000,
        3_519_965_000,
        3_519_966_000,
    )
    assert sum(instalments(7_643_229_000, (1, 2, 3, 4))) == 7_643_229_000


counts = st.integers(min_value=0, max_value=10**9)
party_inputs = st.lists(
    st.builds(
        lambda m, v: PartyInput("p", m, votes(v[0], v[1], (v[2], v[3]), (v[4], v[5]))),
        st.integers(min_value=0, max_value=500),
        st.lists(counts, min_size=6, max_size=6),
    ),
    min_size=1,
    max_size=6,
)


def _allocate_or_none(parties: list[PartyInput], total: Fraction) -> list[Fraction] | None:
    try:
        return [p.exact for p in allocate(parties, total).parties]
    except JichiError:
        return None


@settings(max_examples=200, deadline=None)
@given(party_inputs, st.integers(min_value=1, max_value=10**11))
def test_the_exact_parts_always_sum_to_the_total(parties: list[PartyInput], total: int) -> None:
    exact = _allocate_or_none(parties, Fraction(total))
    if exact is not None:
        assert sum(exact) == total
        result = allocate(parties, Fraction(total))
        assert all(0 <= p.amount <= p.exact and p.exact - p.amount < 1000 for p in result.parties)


@settings(max_examples=200, deadline=None)
@given(
    party_inputs,
    st.integers(min_value=0, max_value=5),
    st.integers(min_value=0, max_value=500),
    st.integers(min_value=0, max_value=5),
    st.integers(min_value=0, max_value=10**9),
)
def test_a_party_never_gets_more_by_losing_votes_or_members(
    parties: list[PartyInput], who: int, lost_members: int, election: int, lost_votes: int
) -> None:
    total = Fraction(25_000_000_000)
    who %= len(parties)
    before = _allocate_or_none(parties, total)
    p = parties[who]
    fields = ["hor_smd", "hor_pr", "hoc_pr_last", "hoc_pr_previous"]
    fields += ["hoc_district_last", "hoc_district_previous"]
    changed = dict(vars(p.votes))
    name = fields[election]
    changed[name] = max(Fraction(0), changed[name] - lost_votes)
    weaker = PartyInput(p.name, max(0, p.members - lost_members), Votes(**changed))
    after = _allocate_or_none([*parties[:who], weaker, *parties[who + 1 :]], total)
    if before is not None and after is not None:
        assert after[who] <= before[who]


@given(st.fractions(min_value=0, max_value=10**12))
def test_the_json_numbers_are_exact_and_read_back_to_the_same_fraction(value: Fraction) -> None:
    from jichi.funds.subsidy_json import exact

    text = exact(value)
    assert Fraction(text) == value
    if "/" not in text:
        assert all(c.isdigit() or c == "." for c in text) and not text.endswith(".")
