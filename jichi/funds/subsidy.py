"""政党交付金 (party subsidy, 政党助成法): who qualifies, the total, each party's share.

Pure and exact: every amount is a :class:`~fractions.Fraction` until the one rounding the
law prescribes (40条: a fraction below 千円 is dropped).  The facts behind each rule are in
``docs/guide/funds.md``; the only UNCONFIRMED choice (whether 40条 truncates each part or
their sum) is the :class:`Truncation` argument, default on the sum.

Two meanings of 政党 are kept apart on purpose: this module is the 政党助成法 2条 test
(5 members, or 1 member and 2 %); 政治資金規正法 3条2項 is
:func:`jichi.funds.organizations.is_party_under_control_act`.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from jichi.kernel.errors import JichiError, define

NO_FILING_PARTY = define(
    "FND-010",
    "交付の対象となる政党がありません（政党助成法2条の要件を満たす政党が1つもありません）。",
    "no party qualifies under the Party Subsidy Act article 2",
)
NO_VOTES = define(
    "FND-011",
    "対象政党の{election}の得票数の合計が0です。得票数を確認してください。",
    "the qualifying parties' votes in {election} add up to zero",
    params=("election",),
)
NO_MEMBERS = define(
    "FND-012",
    "対象政党の議員数の合計が0です。議員数を確認してください。",
    "the qualifying parties have no Diet members in total",
)

#: 政党助成法2条1項1号: a party with this many Diet members qualifies outright.
MEMBERS_OUTRIGHT = 5
#: 2条1項2号: otherwise it needs at least one member and this share of the valid votes.
VOTE_SHARE_WITH_ONE_MEMBER = Fraction(2, 100)
#: 7条1項: 250円 per person of the census population.
YEN_PER_PERSON = Fraction(250)
#: 40条: amounts are truncated to this unit.
ROUNDING_UNIT = 1000

ELECTIONS: tuple[str, ...] = (
    "hor_smd",
    "hor_pr",
    "hoc_pr_last",
    "hoc_pr_previous",
    "hoc_district_last",
    "hoc_district_previous",
)
#: 8条: HoR single-seat ¼, HoR PR ¼, each HoC component ⅛ of the vote pool.
WEIGHTS: dict[str, Fraction] = {
    "hor_smd": Fraction(1, 4),
    "hor_pr": Fraction(1, 4),
    "hoc_pr_last": Fraction(1, 8),
    "hoc_pr_previous": Fraction(1, 8),
    "hoc_district_last": Fraction(1, 8),
    "hoc_district_previous": Fraction(1, 8),
}


class Truncation(enum.Enum):
    """Where 40条's truncation to 千円 applies (UNCONFIRMED: the excerpt read does not say)."""

    ON_SUM = "sum"
    EACH_PART = "each_part"


@dataclass(frozen=True)
class Votes:
    """A party's nationwide vote totals (按分 decimals allowed, hence Fraction)."""

    hor_smd: Fraction
    hor_pr: Fraction
    hoc_pr_last: Fraction
    hoc_pr_previous: Fraction
    hoc_district_last: Fraction
    hoc_district_previous: Fraction

    def get(self, election: str) -> Fraction:
        value: Fraction = getattr(self, election)
        return value


@dataclass(frozen=True)
class PartyInput:
    name: str
    members: int
    votes: Votes


@dataclass(frozen=True)
class PartyShare:
    name: str
    qualifies: bool
    member_part: Fraction
    vote_part: Fraction
    amount: int

    @property
    def exact(self) -> Fraction:
        return self.member_part + self.vote_part


@dataclass(frozen=True)
class Allocation:
    total: Fraction
    parties: tuple[PartyShare, ...]


def total_amount(population: Fraction | int, yen_per_person: Fraction = YEN_PER_PERSON) -> Fraction:
    """7条1項: the year's total is the census population times 250円 (exact)."""
    return Fraction(population) * yen_per_person


def qualifies(
    party: PartyInput, valid_votes: Votes | None = None, *, others: Sequence[PartyInput] = ()
) -> bool:
    """2条: 5 or more members, or at least 1 member and ≥ 2 % in one of the six elections.

    The 2 % is of the nationwide valid votes.  When ``valid_votes`` is not given, the sum of
    the listed parties' votes stands in for it; that denominator is smaller, so the test is
    more generous than the law: callers who have the official totals should pass them.
    """
    if party.members >= MEMBERS_OUTRIGHT:
        return True
    if party.members < 1:
        return False
    for election in ELECTIONS:
        if valid_votes is not None:
            denominator = valid_votes.get(election)
        else:
            denominator = sum((p.votes.get(election) for p in others), Fraction(0))
        if (
            denominator > 0
            and party.votes.get(election) / denominator >= VOTE_SHARE_WITH_ONE_MEMBER
        ):
            return True
    return False


def truncate(amount: Fraction, unit: int = ROUNDING_UNIT) -> int:
    """40条: drop the fraction below 千円 (amounts are never negative)."""
    return (amount.numerator // (amount.denominator * unit)) * unit


def allocate(
    parties: Sequence[PartyInput],
    total: Fraction,
    *,
    valid_votes: Votes | None = None,
    truncation: Truncation = Truncation.ON_SUM,
) -> Allocation:
    """8条: half by members, half by vote shares over the qualifying parties' totals.

    Parties that do not qualify stay in the result with zero parts, so a caller sees why a
    party got nothing; they are left out of every denominator, as 8条 divides by the sum
    over the 届出政党 only.
    """
    flags = [qualifies(p, valid_votes, others=parties) for p in parties]
    filing = [p for p, ok in zip(parties, flags, strict=True) if ok]
    if not filing:
        raise JichiError(NO_FILING_PARTY, field="parties")
    member_pool = vote_pool = total / 2
    members_sum = sum(p.members for p in filing)
    if members_sum == 0:
        raise JichiError(NO_MEMBERS, field="parties")
    vote_sums: dict[str, Fraction] = {}
    for election in ELECTIONS:
        vote_sums[election] = sum((p.votes.get(election) for p in filing), Fraction(0))
        if vote_sums[election] == 0:
            raise JichiError(NO_VOTES, field=f"votes.{election}", election=election)
    shares: list[PartyShare] = []
    for party, ok in zip(parties, flags, strict=True):
        if not ok:
            shares.append(PartyShare(party.name, False, Fraction(0), Fraction(0), 0))
            continue
        member_part = member_pool * Fraction(party.members, members_sum)
        vote_part = vote_pool * sum(
            (WEIGHTS[e] * party.votes.get(e) / vote_sums[e] for e in ELECTIONS), Fraction(0)
        )
        if truncation is Truncation.ON_SUM:
            amount = truncate(member_part + vote_part)
        else:
            amount = truncate(member_part) + truncate(vote_part)
        shares.append(PartyShare(party.name, True, member_part, vote_part, amount))
    return Allocation(total, tuple(shares))


def prorate(base: Fraction, recomputed: Sequence[tuple[int, Fraction]]) -> Fraction:
    """9条: the year's amount when elections lead to recomputation.

    ``recomputed`` lists (month of the 選挙基準日, amount recomputed then), in order.  The
    base amount runs from January to the first such month, each recomputed amount from
    the month after its 選挙基準日 to the next one's month, the last to December (9条3項
    chains a second election the same way).
    """
    months = [m for m, _ in recomputed]
    if any(not 1 <= m <= 12 for m in months) or months != sorted(months):
        raise ValueError("months of the 選挙基準日 must be 1..12 and in order")
    result = Fraction(0)
    start, amount = 0, base
    for month, new_amount in recomputed:
        result += amount * Fraction(month - start, 12)
        start, amount = month, new_amount
    return result + amount * Fraction(12 - start, 12)


#: 11条: the months of the four instalments.
INSTALMENT_MONTHS = (4, 7, 10, 12)


def instalments(amount: int, weights: Sequence[int] = (1, 1, 1, 1)) -> tuple[int, ...]:
    """11条: split a year's amount into the April, July, October and December payments.

    Equal quarters and where the remainder goes are UNCONFIRMED, so the weights are an
    argument; each instalment but the last is truncated to 千円 and the last takes the rest,
    so the instalments always add up to the amount.
    """
    if len(weights) != len(INSTALMENT_MONTHS) or any(w < 0 for w in weights) or sum(weights) == 0:
        raise ValueError("four non-negative weights, not all zero")
    total_weight = sum(weights)
    parts = [truncate(Fraction(amount * w, total_weight)) for w in weights[:-1]]
    return (*parts, amount - sum(parts))
