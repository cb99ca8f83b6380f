"""The JSON contract of ``jichi funds subsidy`` (issue 13): read the request, write the answer.

Numbers travel as decimal strings so nothing is lost to binary floating point; a value
that is not one is rejected with a typed error naming the field (``parties[1].votes.hor_pr``).
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from jichi.funds.subsidy import Allocation, PartyInput, Votes, allocate, total_amount
from jichi.kernel.errors import JichiError, define

NOT_JSON = define(
    "FND-001",
    "入力を JSON として読めません（{reason}）。",
    "the input is not valid JSON ({reason})",
    params=("reason",),
)
MISSING = define(
    "FND-002",
    "{field}がありません。",
    "{field} is missing",
    params=("field",),
)
NOT_DECIMAL = define(
    "FND-003",
    '{field}は0以上の数を文字列（例: "126146099"）で書いてください。',
    'write {field} as a non-negative decimal string such as "126146099"',
    params=("field",),
)
NOT_COUNT = define(
    "FND-004",
    "{field}は0以上の整数で書いてください。",
    "{field} must be a non-negative whole number",
    params=("field",),
)
NOT_PAIR = define(
    "FND-005",
    "{field}は [直近, 前回] の2つの値で書いてください。",
    "{field} must be a list of two values: [last, previous]",
    params=("field",),
)
DUPLICATE_PARTY = define(
    "FND-006",
    "政党「{name}」が2回以上あります。",
    "party {name} appears more than once",
    params=("name",),
)
WRONG_TYPE = define(
    "FND-007",
    "{field}の形式が正しくありません（{expected}）。",
    "{field} has the wrong shape (expected {expected})",
    params=("field", "expected"),
)

_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")


def _object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise JichiError(WRONG_TYPE, field=field, expected="object")
    return value


def _get(obj: dict[str, Any], key: str, field: str) -> Any:
    if key not in obj:
        raise JichiError(MISSING, field=field)
    return obj[key]


def decimal(value: Any, field: str) -> Fraction:
    """A decimal string as an exact Fraction; JSON numbers are refused (floats are inexact)."""
    if not isinstance(value, str) or not _DECIMAL.fullmatch(value):
        raise JichiError(NOT_DECIMAL, field=field)
    return Fraction(value)


def _count(value: Any, field: str) -> int:
    if isinstance(value, bool):
        raise JichiError(NOT_COUNT, field=field)
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise JichiError(NOT_COUNT, field=field)


def _pair(value: Any, field: str) -> tuple[Fraction, Fraction]:
    if not isinstance(value, list) or len(value) != 2:
        raise JichiError(NOT_PAIR, field=field)
    return decimal(value[0], f"{field}[0]"), decimal(value[1], f"{field}[1]")


def _votes(value: Any, v: str) -> Votes:
    votes = _object(value, v)
    hoc_pr = _pair(_get(votes, "hoc_pr", f"{v}.hoc_pr"), f"{v}.hoc_pr")
    hoc_d = _pair(_get(votes, "hoc_district", f"{v}.hoc_district"), f"{v}.hoc_district")
    return Votes(
        hor_smd=decimal(_get(votes, "hor_smd", f"{v}.hor_smd"), f"{v}.hor_smd"),
        hor_pr=decimal(_get(votes, "hor_pr", f"{v}.hor_pr"), f"{v}.hor_pr"),
        hoc_pr_last=hoc_pr[0],
        hoc_pr_previous=hoc_pr[1],
        hoc_district_last=hoc_d[0],
        hoc_district_previous=hoc_d[1],
    )


def _party(value: Any, at: str) -> PartyInput:
    obj = _object(value, at)
    name = _get(obj, "name", f"{at}.name")
    if not isinstance(name, str) or not name.strip():
        raise JichiError(WRONG_TYPE, field=f"{at}.name", expected="non-empty string")
    members = _count(_get(obj, "members", f"{at}.members"), f"{at}.members")
    return PartyInput(name, members, _votes(_get(obj, "votes", f"{at}.votes"), f"{at}.votes"))


def compute(data: Any) -> Allocation:
    """Validate the request and allocate; every rejection is a :class:`JichiError`."""
    obj = _object(data, "$")
    population = decimal(_get(obj, "population", "population"), "population")
    yen = decimal(_get(obj, "yen_per_person", "yen_per_person"), "yen_per_person")
    raw = _get(obj, "parties", "parties")
    if not isinstance(raw, list):
        raise JichiError(WRONG_TYPE, field="parties", expected="list")
    parties = [_party(p, f"parties[{i}]") for i, p in enumerate(raw)]
    seen: set[str] = set()
    for party in parties:
        if party.name in seen:
            raise JichiError(DUPLICATE_PARTY, field="parties", name=party.name)
        seen.add(party.name)
    valid = None
    if "valid_votes" in obj:  # optional: the official 有効投票総数 for 2条's 2 % test
        valid = _votes(obj["valid_votes"], "valid_votes")
    return allocate(parties, total_amount(population, yen), valid_votes=valid)


def exact(value: Fraction) -> str:
    """An exact decimal string; a value with no finite decimal form is written ``p/q``."""
    if value.denominator == 1:
        return str(value.numerator)
    d, twos, fives = value.denominator, 0, 0
    while d % 2 == 0:
        d, twos = d // 2, twos + 1
    while d % 5 == 0:
        d, fives = d // 5, fives + 1
    if d != 1:
        return f"{value.numerator}/{value.denominator}"
    places = max(twos, fives)
    scaled = value * 10**places
    whole, frac = divmod(scaled.numerator, 10**places)
    return f"{whole}.{frac:0{places}d}".rstrip("0")


def to_json(allocation: Allocation) -> dict[str, Any]:
    return {
        "total": exact(allocation.total),
        "parties": [
            {
                "name": p.name,
                "qualifies": p.qualifies,
                "member_part": exact(p.member_part),
                "vote_part": exact(p.vote_part),
                "amount": str(p.amount),
            }
            for p in allocation.parties
        ],
    }
