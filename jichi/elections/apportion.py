"""按分 (公職選挙法68条の2): ambiguous ballots split among the candidates they could mean.

A ballot that bears only a name two or more candidates share (「延岡」 for 延岡太郎 and
延岡二郎) is valid, and per 開票区 it is split among them in proportion to their *clear*
votes — the votes valid without this article (本条の適用なくして有効とされた得票) — so one
group's shares never feed another group's base.

The statute says nothing about decimals.  Election commissions compute each share to
three decimals and drop the rest (切り捨て), and that is the default here
(``TruncationRule.PER_SHARE``; the facts file marks its legal basis UNCONFIRMED).  Which
value is truncated changes the printed total (南砺太郎: 1112.120 by shares, 1112.121 by
the exact total), so the rule is a parameter and every output names it.  All values are
kept as exact :class:`~fractions.Fraction`; truncation is for printing only, and
candidates are compared on the exact values.  A group whose candidates all have zero
clear votes cannot be split by the formula: ELE-012 asks a human instead of guessing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction

from jichi.elections.errors import (
    DUPLICATE_NAME,
    NEGATIVE,
    NOT_AMBIGUOUS,
    UNKNOWN_CANDIDATE,
    ZERO_BASE,
)
from jichi.kernel.errors import JichiError

__all__ = [
    "AmbiguousGroup",
    "ApportionedCandidate",
    "ClearVotes",
    "TruncationRule",
    "apportion",
    "decimal_string",
    "truncate",
]

PLACES = 3  # 小数点以下第3位まで、第4位以下切り捨て (practice; UNCONFIRMED basis)


class TruncationRule(Enum):
    """Which value is truncated to ``PLACES`` decimals for printing."""

    PER_SHARE = "per_share"  # each share truncated; total = clear + Σ truncated shares
    EXACT_TOTAL = "exact_total"  # shares truncated for show; total = trunc(exact total)


@dataclass(frozen=True)
class ClearVotes:
    name: str
    clear_votes: int


@dataclass(frozen=True)
class AmbiguousGroup:
    written: str  # what the ballots say (「延岡」)
    count: int
    shared_by: tuple[str, ...]


@dataclass(frozen=True)
class ApportionedCandidate:
    name: str
    clear_votes: int
    shares: dict[str, Fraction]  # written → exact share
    exact_total: Fraction

    def printed_shares(self, places: int = PLACES) -> dict[str, Fraction]:
        return {written: truncate(share, places) for written, share in self.shares.items()}

    def printed_total(self, rule: TruncationRule, places: int = PLACES) -> Fraction:
        if rule is TruncationRule.EXACT_TOTAL:
            return truncate(self.exact_total, places)
        return self.clear_votes + sum(self.printed_shares(places).values(), Fraction(0))


def truncate(value: Fraction, places: int = PLACES) -> Fraction:
    """Drop every decimal below ``places`` (toward zero, never rounding)."""
    scale = 10**places
    return Fraction(math.trunc(value * scale), scale)


def decimal_string(value: Fraction, places: int = PLACES) -> str:
    """A truncated value written with exactly ``places`` decimals (「337.173」)."""
    scaled = math.trunc(truncate(value, places) * 10**places)
    sign = "-" if scaled < 0 else ""
    whole, frac = divmod(abs(scaled), 10**places)
    return f"{sign}{whole}.{frac:0{places}d}" if places else f"{sign}{whole}"


def apportion(
    candidates: Sequence[ClearVotes], groups: Sequence[AmbiguousGroup]
) -> list[ApportionedCandidate]:
    """Split every ambiguous group by clear votes (68条の2第4項); exact, one 開票区."""
    clear: dict[str, int] = {}
    for i, c in enumerate(candidates):
        if c.name in clear:
            raise JichiError(DUPLICATE_NAME, field="candidates", name=c.name)
        if c.clear_votes < 0:
            raise JichiError(NEGATIVE, field=f"candidates[{i}].clear_votes", value=c.clear_votes)
        clear[c.name] = c.clear_votes
    shares: dict[str, dict[str, Fraction]] = {name: {} for name in clear}
    written_seen: set[str] = set()
    for i, g in enumerate(groups):
        where = f"ambiguous[{i}]"
        if g.written in written_seen:
            raise JichiError(DUPLICATE_NAME, field="ambiguous", name=g.written)
        written_seen.add(g.written)
        if g.count < 0:
            raise JichiError(NEGATIVE, field=f"{where}.count", value=g.count)
        if len(set(g.shared_by)) < 2 or len(set(g.shared_by)) != len(g.shared_by):
            raise JichiError(NOT_AMBIGUOUS, field=f"{where}.shared_by")
        for name in g.shared_by:
            if name not in clear:
                raise JichiError(UNKNOWN_CANDIDATE, field=f"{where}.shared_by", name=name)
        base = sum(clear[name] for name in g.shared_by)
        if base == 0:
            if g.count == 0:
                continue
            raise JichiError(ZERO_BASE, field=where)
        for name in g.shared_by:
            shares[name][g.written] = Fraction(g.count * clear[name], base)
    return [
        ApportionedCandidate(
            name, clear[name], shares[name], clear[name] + sum(shares[name].values(), Fraction(0))
        )
        for name in clear
    ]
