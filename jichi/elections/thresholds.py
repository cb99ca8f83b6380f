"""法定得票数 (公職選挙法95条1項) and 供託物没収点 (93条1項), by kind of election.

Both are exact fractions of the valid votes (有効投票総数), compared with candidates'
totals that may carry 按分 decimals, so nothing is rounded here.  The comparisons
differ on purpose: a winner needs votes **at least** the 法定得票数 (「以上」), while a
deposit is forfeited only when votes are **below** the line (「達しないとき」), so a
candidate exactly on it keeps the deposit.  The fractions are CONFIRMED from the
statute (see the facts file §3.3–3.4); :class:`ThresholdRules` still lets a caller pass
other values, so a future amendment is data, not code.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from fractions import Fraction

from jichi.elections.errors import BAD_LOT, BAD_SEATS, NEGATIVE, unused_lot
from jichi.kernel.errors import JichiError

__all__ = [
    "DEFAULT_RULES",
    "DistrictOutcome",
    "ElectionKind",
    "ThresholdRules",
    "deposit_forfeited",
    "deposit_threshold",
    "district_winners",
    "legal_threshold",
    "reaches_legal_threshold",
]


class ElectionKind(Enum):
    HOR_DISTRICT = "hor_district"  # 衆議院小選挙区
    HOR_PR = "hor_pr"  # 衆議院比例代表 (no threshold per candidate)
    HOC_DISTRICT = "hoc_district"  # 参議院選挙区
    HOC_PR = "hoc_pr"  # 参議院比例代表 (no threshold per candidate)
    GOVERNOR = "governor"  # 都道府県知事
    MAYOR = "mayor"  # 市区町村長 (指定都市の長を含む)
    LOCAL_ASSEMBLY = "local_assembly"  # 都道府県・市区町村議会


@dataclass(frozen=True)
class ThresholdRules:
    """Fraction of (valid votes, ÷ seats where ``per_seat``) for each kind; None: no line."""

    legal: dict[ElectionKind, tuple[Fraction, bool] | None]
    deposit: dict[ElectionKind, tuple[Fraction, bool] | None]


DEFAULT_RULES = ThresholdRules(
    legal={  # 95条1項
        ElectionKind.HOR_DISTRICT: (Fraction(1, 6), False),
        ElectionKind.HOC_DISTRICT: (Fraction(1, 6), True),
        ElectionKind.GOVERNOR: (Fraction(1, 4), False),
        ElectionKind.MAYOR: (Fraction(1, 4), False),
        ElectionKind.LOCAL_ASSEMBLY: (Fraction(1, 4), True),
        ElectionKind.HOR_PR: None,
        ElectionKind.HOC_PR: None,
    },
    deposit={  # 93条1項 (PR lists forfeit by seats won, not by a vote line)
        ElectionKind.HOR_DISTRICT: (Fraction(1, 10), False),
        ElectionKind.HOC_DISTRICT: (Fraction(1, 8), True),
        ElectionKind.GOVERNOR: (Fraction(1, 10), False),
        ElectionKind.MAYOR: (Fraction(1, 10), False),
        ElectionKind.LOCAL_ASSEMBLY: (Fraction(1, 10), True),
        ElectionKind.HOR_PR: None,
        ElectionKind.HOC_PR: None,
    },
)


def _line(
    rule: tuple[Fraction, bool] | None, valid_votes: Fraction | int, seats: int
) -> Fraction | None:
    if valid_votes < 0:
        raise JichiError(NEGATIVE, field="valid_votes", value=valid_votes)
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 1:
        raise JichiError(BAD_SEATS, field="seats", value=seats)
    if rule is None:
        return None
    fraction, per_seat = rule
    return Fraction(valid_votes) * fraction / (seats if per_seat else 1)


def legal_threshold(
    kind: ElectionKind,
    valid_votes: Fraction | int,
    seats: int = 1,
    rules: ThresholdRules = DEFAULT_RULES,
) -> Fraction | None:
    """The 法定得票数, exact; None for PR.  HoC district: pass the larger of the 通常選挙
    定数 and the seats being filled (95条1項2号)."""
    return _line(rules.legal[kind], valid_votes, seats)


def deposit_threshold(
    kind: ElectionKind,
    valid_votes: Fraction | int,
    seats: int = 1,
    rules: ThresholdRules = DEFAULT_RULES,
) -> Fraction | None:
    """The 供託物没収点, exact; None for PR lists."""
    return _line(rules.deposit[kind], valid_votes, seats)


def reaches_legal_threshold(votes: Fraction | int, threshold: Fraction | None) -> bool:
    """「以上」: exactly on the line is enough."""
    return threshold is None or votes >= threshold


def deposit_forfeited(votes: Fraction | int, threshold: Fraction | None) -> bool:
    """「達しないとき」: only strictly below the line forfeits."""
    return threshold is not None and votes < threshold


@dataclass(frozen=True)
class DistrictOutcome:
    """Who is elected in a district (95条1項・2項) and what is left for a lot or a 再選挙."""

    elected: tuple[str, ...]
    below_threshold: tuple[str, ...]  # under the 法定得票数: never elected, most votes first
    lot_candidates: tuple[str, ...] = ()  # tied on the same votes for the last seats
    lot_seats: int = 0
    threshold: Fraction | None = None


def district_winners(
    kind: ElectionKind,
    votes: dict[str, Fraction],
    seats: int = 1,
    *,
    lot: tuple[str, ...] | None = None,
    valid_votes: Fraction | None = None,
    rules: ThresholdRules = DEFAULT_RULES,
) -> DistrictOutcome:
    """Most votes first, each needing the 法定得票数; equal votes at the line go by lot.

    ``votes`` may carry 按分 decimals and are compared exactly.  ``valid_votes``
    defaults to the sum of ``votes``.  Seats nobody can take (too few reach the line)
    are simply not filled: the caller decides on a 再選挙 or 繰上当選.  Ties are never
    broken by order: without ``lot`` (the names drawn) they come back in
    ``lot_candidates``.
    """
    for name, v in votes.items():
        if v < 0:
            raise JichiError(NEGATIVE, field=f"votes.{name}", value=v)
    total = sum(votes.values(), Fraction(0)) if valid_votes is None else Fraction(valid_votes)
    line = legal_threshold(kind, total, seats, rules)
    reaching = sorted(
        ((v, n) for n, v in votes.items() if reaches_legal_threshold(v, line)),
        key=lambda vn: vn[0],
        reverse=True,
    )
    below = tuple(
        n
        for n, v in sorted(votes.items(), key=lambda nv: -nv[1])
        if not reaches_legal_threshold(v, line)
    )
    elected: list[str] = []
    used_lot = False
    i = 0
    while i < len(reaching) and len(elected) < seats:
        value = reaching[i][0]
        group = [n for v, n in reaching if v == value]
        left = seats - len(elected)
        if len(group) <= left:
            elected.extend(group)
        elif lot is None:
            return DistrictOutcome(tuple(elected), below, tuple(group), left, line)
        else:
            if len(set(lot)) != len(lot) or len(lot) != left or not set(lot) <= set(group):
                raise JichiError(
                    BAD_LOT,
                    field="lot",
                    reason=f"同点の{len(group)}人から{left}人を選んでください",
                    reason_en=f"pick {left} of the {len(group)} tied candidates",
                )
            elected.extend(n for n in group if n in lot)
            used_lot = True
        i += len(group)
    if lot is not None and not used_lot:
        raise unused_lot("lot")
    return DistrictOutcome(tuple(elected), below, threshold=line)
