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

from jichi.elections.errors import BAD_SEATS, NEGATIVE
from jichi.kernel.errors import JichiError

__all__ = [
    "DEFAULT_RULES",
    "ElectionKind",
    "ThresholdRules",
    "deposit_forfeited",
    "deposit_threshold",
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
