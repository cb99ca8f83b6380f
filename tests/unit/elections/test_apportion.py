"""按分 (公職選挙法68条の2) and the two vote lines (95条・93条), on published examples."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jichi.elections.apportion import (
    AmbiguousGroup,
    ClearVotes,
    TruncationRule,
    apportion,
    decimal_string,
    truncate,
)
from jichi.elections.thresholds import (
    ElectionKind,
    deposit_forfeited,
    deposit_threshold,
    legal_threshold,
    reaches_legal_threshold,
)
from jichi.kernel.errors import JichiError


def printed(candidates: list[ClearVotes], groups: list[AmbiguousGroup], rule: TruncationRule):
    return {
        c.name: (
            {w: decimal_string(v) for w, v in c.printed_shares().items()},
            decimal_string(c.printed_total(rule)),
        )
        for c in apportion(candidates, groups)
    }


def test_nobeoka_337_173_and_132_826() -> None:
    """https://www.city.nobeoka.miyazaki.jp/ (facts file §3.2)."""
    result = printed(
        [ClearVotes("延岡太郎", 330), ClearVotes("延岡二郎", 130)],
        [AmbiguousGroup("延岡", 10, ("延岡太郎", "延岡二郎"))],
        TruncationRule.PER_SHARE,
    )
    assert result == {
        "延岡太郎": ({"延岡": "7.173"}, "337.173"),
        "延岡二郎": ({"延岡": "2.826"}, "132.826"),
    }


def test_izumi_two_groups_and_truncation_loses_mass() -> None:
    candidates = [ClearVotes("いずみ太郎", 1000), ClearVotes("いずみ次郎", 500)]
    candidates.append(ClearVotes("ふちゅう太郎", 300))
    groups = [
        AmbiguousGroup("いずみ", 50, ("いずみ太郎", "いずみ次郎")),
        AmbiguousGroup("太郎", 30, ("いずみ太郎", "ふちゅう太郎")),
    ]
    result = printed(candidates, groups, TruncationRule.PER_SHARE)
    assert result["いずみ太郎"][0] == {"いずみ": "33.333", "太郎": "23.076"}
    assert result["いずみ次郎"][0] == {"いずみ": "16.666"}
    assert result["ふちゅう太郎"][0] == {"太郎": "6.923"}
    exact = {c.name: c for c in apportion(candidates, groups)}
    assert exact["いずみ太郎"].shares["太郎"] + exact["ふちゅう太郎"].shares["太郎"] == 30


def test_nanto_the_truncation_rule_changes_the_printed_total() -> None:
    candidates = [ClearVotes("南砺太郎", 1000), ClearVotes("南砺花子", 500)]
    candidates.append(ClearVotes("北陸太郎", 100))
    groups = [
        AmbiguousGroup("南砺", 100, ("南砺太郎", "南砺花子")),
        AmbiguousGroup("太郎", 50, ("南砺太郎", "北陸太郎")),
    ]
    per_share = printed(candidates, groups, TruncationRule.PER_SHARE)
    exact_total = printed(candidates, groups, TruncationRule.EXACT_TOTAL)
    assert per_share["南砺太郎"] == ({"南砺": "66.666", "太郎": "45.454"}, "1112.120")
    assert exact_total["南砺太郎"][1] == "1112.121"
    (taro,) = [c for c in apportion(candidates, groups) if c.name == "南砺太郎"]
    assert taro.exact_total == Fraction(36700, 33)


def test_kasukabe_one_ballot() -> None:
    result = printed(
        [ClearVotes("A", 700), ClearVotes("B", 300)],
        [AmbiguousGroup("X", 1, ("A", "B"))],
        TruncationRule.PER_SHARE,
    )
    assert result == {"A": ({"X": "0.700"}, "700.700"), "B": ({"X": "0.300"}, "300.300")}


@pytest.mark.parametrize(
    ("groups", "code"),
    [
        ([AmbiguousGroup("X", 5, ("A", "Z"))], "ELE-010"),
        ([AmbiguousGroup("X", 5, ("A",))], "ELE-011"),
        ([AmbiguousGroup("X", 5, ("A", "A"))], "ELE-011"),
        ([AmbiguousGroup("X", 5, ("C", "D"))], "ELE-012"),
        ([AmbiguousGroup("X", -1, ("A", "B"))], "ELE-002"),
        ([AmbiguousGroup("X", 1, ("A", "B")), AmbiguousGroup("X", 1, ("A", "B"))], "ELE-004"),
    ],
)
def test_bad_groups_are_typed_errors(groups: list[AmbiguousGroup], code: str) -> None:
    candidates = [ClearVotes("A", 10), ClearVotes("B", 5), ClearVotes("C", 0)]
    candidates.append(ClearVotes("D", 0))
    with pytest.raises(JichiError) as caught:
        apportion(candidates, groups)
    assert caught.value.code == code


def test_truncation_never_rounds_up_and_prints_three_decimals() -> None:
    assert decimal_string(Fraction(2, 3)) == "0.666"
    assert decimal_string(Fraction(5)) == "5.000"
    assert decimal_string(Fraction(9999, 10000)) == "0.999"


@given(
    st.lists(st.integers(min_value=0, max_value=100_000), min_size=2, max_size=5),
    st.integers(min_value=0, max_value=10_000),
)
def test_shares_are_exact_and_truncated_shares_never_exceed_the_ballots(
    clear: list[int], count: int
) -> None:
    names = tuple(f"C{i}" for i in range(len(clear)))
    candidates = [ClearVotes(n, v) for n, v in zip(names, clear, strict=True)]
    group = AmbiguousGroup("X", count, names)
    if sum(clear) == 0:
        if count:
            with pytest.raises(JichiError):
                apportion(candidates, [group])
        return
    result = apportion(candidates, [group])
    exact = sum((c.shares["X"] for c in result), Fraction(0))
    shown = sum((c.printed_shares()["X"] for c in result), Fraction(0))
    assert exact == count
    assert count - Fraction(len(clear), 1000) < shown <= count
    for c in result:
        share = c.shares["X"]
        assert 0 <= share - truncate(share) < Fraction(1, 1000)
        assert truncate(share) * 1000 == int(truncate(share) * 1000)
        assert c.printed_total(TruncationRule.PER_SHARE) <= c.exact_total


def test_etajima_council_lines() -> None:
    """Etajima 2013: 16,258 valid votes, 18 seats (facts file §3.3)."""
    legal = legal_threshold(ElectionKind.LOCAL_ASSEMBLY, 16258, 18)
    deposit = deposit_threshold(ElectionKind.LOCAL_ASSEMBLY, 16258, 18)
    assert legal == Fraction(16258, 72) and decimal_string(legal) == "225.805"
    assert deposit == Fraction(16258, 180) and decimal_string(deposit) == "90.322"


def test_on_the_line_wins_and_keeps_the_deposit() -> None:
    line = legal_threshold(ElectionKind.HOR_DISTRICT, 600)
    assert line == 100 and reaches_legal_threshold(100, line)
    assert not reaches_legal_threshold(Fraction(99999, 1000), line)
    deposit = deposit_threshold(ElectionKind.HOR_DISTRICT, 600)
    assert deposit == 60 and not deposit_forfeited(60, deposit) and deposit_forfeited(59, deposit)


@pytest.mark.parametrize(
    ("kind", "valid", "seats", "legal", "deposit"),
    [
        (ElectionKind.HOR_DISTRICT, 1200, 1, Fraction(200), Fraction(120)),
        (ElectionKind.HOC_DISTRICT, 1200, 2, Fraction(100), Fraction(75)),
        (ElectionKind.GOVERNOR, 1200, 1, Fraction(300), Fraction(120)),
        (ElectionKind.MAYOR, 1200, 1, Fraction(300), Fraction(120)),
        (ElectionKind.LOCAL_ASSEMBLY, 1200, 3, Fraction(100), Fraction(40)),
        (ElectionKind.HOR_PR, 1200, 5, None, None),
        (ElectionKind.HOC_PR, 1200, 5, None, None),
    ],
)
def test_lines_by_kind(
    kind: ElectionKind, valid: int, seats: int, legal: Fraction | None, deposit: Fraction | None
) -> None:
    assert legal_threshold(kind, valid, seats) == legal
    assert deposit_threshold(kind, valid, seats) == deposit


def test_district_winners_need_the_legal_threshold_and_ties_go_to_a_lot() -> None:
    from jichi.elections.thresholds import district_winners

    votes = {
        "A": Fraction(500),
        "B": Fraction(2311, 2),  # 按分 decimals: 1155.5
        "C": Fraction(2311, 2),
        "D": Fraction(30),
    }
    # 市議会 3 seats: line = 2841 / 3 / 4 = 236.75; D is under it
    outcome = district_winners(ElectionKind.LOCAL_ASSEMBLY, votes, 3)
    assert outcome.threshold == Fraction(2841, 12)
    assert outcome.elected == ("B", "C", "A") and outcome.below_threshold == ("D",)
    # one seat: B and C tie on the exact value (the 2022 Sosa 415.500 case) → lot
    tied = district_winners(ElectionKind.MAYOR, votes, 1)
    assert tied.elected == () and set(tied.lot_candidates) == {"B", "C"} and tied.lot_seats == 1
    assert district_winners(ElectionKind.MAYOR, votes, 1, lot=("C",)).elected == ("C",)
    with pytest.raises(JichiError) as caught:
        district_winners(ElectionKind.MAYOR, votes, 1, lot=("A",))
    assert caught.value.code == "ELE-013"


def test_too_few_over_the_line_leave_seats_unfilled() -> None:
    from jichi.elections.thresholds import district_winners

    # 町村議会 2 seats, 120 valid: line 120 / 2 / 4 = 15; only A and B reach it
    votes = {"A": Fraction(60), "B": Fraction(45), "C": Fraction(14), "D": Fraction(1)}
    outcome = district_winners(ElectionKind.LOCAL_ASSEMBLY, votes, 2)
    assert outcome.elected == ("A", "B") and outcome.below_threshold == ("C", "D")
    # 4 seats: the line falls to 120 / 4 / 4 = 7.5; C reaches it, D does not: 1 unfilled
    four = district_winners(ElectionKind.LOCAL_ASSEMBLY, votes, 4)
    assert four.elected == ("A", "B", "C") and four.below_threshold == ("D",)
    # 町長, five at 20 each: line 100 / 4 = 25, nobody is elected and no lot is drawn
    even = {name: Fraction(20) for name in "ABCDE"}
    nobody = district_winners(ElectionKind.MAYOR, even, 1)
    assert nobody.elected == () and nobody.lot_candidates == ()
