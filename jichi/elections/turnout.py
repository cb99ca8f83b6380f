"""Turnout (投票率) from the check-ins: by hour, 投票区, sex and age band.

Counts are grouped by the database (GROUP BY over columns fixed at check-in, so the
query never recomputes ages or time zones); cumulative by hour of the day (JST), as
election-day bulletins are published.  The rate is 投票者数 ÷ 当日有権者数 × 100: the
exact rational is returned and printing rounds to 2 decimals, half up by default
(facts §2: the published rounding is UNCONFIRMED, so ``rounding`` is a parameter).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from fractions import Fraction

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.elections.tables import check_in as t

__all__ = ["Turnout", "by", "cumulative_by_hour", "rate", "rate_text"]

DIMENSIONS = {
    "hour": t.c.hour_slot,
    "district": t.c.polling_district,
    "sex": t.c.sex,
    "age_band": t.c.age_band,
    "kind": t.c.kind,
}


@dataclass(frozen=True)
class Turnout:
    key: tuple[str, ...]
    voters: int


def by(conn: Connection, election_id: str, dimensions: Sequence[str]) -> list[Turnout]:
    """Check-ins counted by any of hour, district, sex, age_band, kind (in key order)."""
    columns = [DIMENSIONS[d] for d in dimensions]
    rows = conn.execute(
        sa.select(*columns, sa.func.count().label("n"))
        .where(t.c.election_id == election_id)
        .group_by(*columns)
        .order_by(*columns)
    )
    return [Turnout(tuple(r[:-1]), r.n) for r in rows]


def cumulative_by_hour(conn: Connection, election_id: str) -> list[Turnout]:
    """Voters checked in up to the end of each hour (JST), early voting included."""
    total = 0
    out = []
    for row in by(conn, election_id, ["hour"]):
        total += row.voters
        out.append(Turnout(row.key, total))
    return out


def rate(voters: int, electors: int) -> Fraction:
    """The exact turnout in percent; 0 electors has no rate (ValueError)."""
    if electors <= 0:
        raise ValueError("electors must be positive")
    return Fraction(voters * 100, electors)


def rate_text(value: Fraction, *, places: int = 2, rounding: str = ROUND_HALF_UP) -> str:
    """Printed as EMBs publish it (54.70); ``rounding`` may be ROUND_DOWN instead."""
    if rounding not in (ROUND_HALF_UP, ROUND_DOWN):
        raise ValueError(f"unsupported rounding {rounding}")
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return str(exact.quantize(Decimal(1).scaleb(-places), rounding=rounding))
