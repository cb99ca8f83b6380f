"""The political-funds law's limits and thresholds as data, keyed by the date each took effect.

A 2026 report and a 2027 report are each checked against their own law: every number the
checks use comes from :func:`in_force` with the date that matters (the donation's date, the
party's date, the report year's 1 January).  Rules the facts file marks UNCONFIRMED carry that
status and can be replaced with :func:`override` without touching code.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from jichi.kernel.errors import JichiError, define

UNKNOWN_RULE = define(
    "FND-020",
    "規定「{rule}」は登録されていません。",
    "no rule named {rule}",
    params=("rule",),
)
NOT_YET_IN_FORCE = define(
    "FND-021",
    "規定「{rule}」は{on}にはまだ施行されていません。",
    "rule {rule} was not in force on {on}",
    params=("rule", "on"),
)


class Status(enum.Enum):
    CONFIRMED = "confirmed"
    SECONDARY = "secondary"
    UNCONFIRMED = "unconfirmed"


@dataclass(frozen=True)
class Version:
    """One value of a rule, from ``from_date`` until the next version's date."""

    from_date: date
    value: int | bool
    article: str
    status: Status = Status.CONFIRMED


Table = Mapping[str, tuple[Version, ...]]

_OLD = date(1995, 1, 1)  # before every report jichi will check; 政党助成法 took effect 1995
_R6_MAIN = date(2026, 1, 1)  # 令和6年法律第64号 main provisions (附則1条)
_R6_ART2 = date(2027, 1, 1)  # its 第2条 (附則1条)

RULES: dict[str, tuple[Version, ...]] = {
    # Disclosure (公開基準): an amount is itemised when the annual aggregate is OVER the value.
    "donation_disclosure_over": (Version(_OLD, 50_000, "政治資金規正法12条1項"),),
    "party_ticket_disclosure_over": (
        Version(_OLD, 200_000, "政治資金規正法12条1項（パーティー対価の支払者）"),
        Version(_R6_ART2, 50_000, "政治資金規正法12条1項（令和6年法律第64号第2条）"),
    ),
    "other_income_itemised_from": (Version(_OLD, 100_000, "政治資金規正法12条1項"),),
    # Expenditure itemised at OR ABOVE the value (UNCONFIRMED: ≥ per Fukui pref., not the text).
    "expenditure_itemised_from": (
        Version(_OLD, 50_000, "政治資金規正法12条1項", Status.UNCONFIRMED),
    ),
    "diet_related_expense_itemised_over": (
        Version(date(2009, 1, 1), 10_000, "政治資金規正法（国会議員関係政治団体の特例）"),
    ),
    "specific_party_income_from": (
        Version(_OLD, 10_000_000, "政治資金規正法（特定パーティー）", Status.SECONDARY),
    ),
    # Caps (量的制限), per year.
    "individual_total_to_parties": (Version(_OLD, 20_000_000, "政治資金規正法21条の3第1項1号"),),
    "individual_total_to_others": (Version(_OLD, 10_000_000, "政治資金規正法21条の3第1項2号"),),
    "individual_per_recipient": (Version(_OLD, 1_500_000, "政治資金規正法22条1項"),),
    "candidate_own_to_fund_body": (
        Version(_OLD, 10_000_000, "政治資金規正法（本人の資金管理団体への寄附）"),
    ),
    "party_ticket_per_payer": (Version(_OLD, 1_500_000, "政治資金規正法22条の8"),),
    "anonymous_max": (Version(_OLD, 1_000, "政治資金規正法22条の6"),),
    "org_to_org_per_recipient": (
        Version(_OLD, 50_000_000, "政治資金規正法22条2項", Status.SECONDARY),
    ),
    "body_cap_step": (Version(_OLD, 5_000_000, "政治資金規正法21条の3第2項", Status.UNCONFIRMED),),
    "body_cap_ceiling": (Version(_OLD, 100_000_000, "政治資金規正法21条の3第2項"),),
    # Qualitative rules that changed on a date.
    "party_may_donate_to_candidate": (
        Version(_OLD, True, "政治資金規正法（政党から候補者への寄附）"),
        Version(_R6_ART2, False, "令和6年法律第64号第2条（政党から候補者への寄附の禁止）"),
    ),
    "party_fee_by_bank_transfer": (
        Version(_OLD, False, "政治資金規正法（パーティー対価）"),
        Version(_R6_MAIN, True, "令和6年法律第64号（対価の口座振込）", Status.SECONDARY),
    ),
    "diet_related_confirmation_letter": (
        Version(_OLD, False, "政治資金規正法（国会議員関係政治団体）"),
        Version(_R6_MAIN, True, "令和6年法律第64号（代表者の確認書）", Status.SECONDARY),
    ),
    "policy_activity_payments_banned": (
        Version(_OLD, False, "政治資金規正法（政策活動費）"),
        Version(_R6_MAIN, True, "政治資金規正法8条の2の2（令和7年法律第1号）"),
    ),
}


def in_force(rule: str, on: date, *, table: Table = RULES) -> Version:
    """The version of ``rule`` in force on ``on`` (the latest one whose date is not after it)."""
    versions = table.get(rule)
    if versions is None:
        raise JichiError(UNKNOWN_RULE, field="rule", rule=rule)
    current: Version | None = None
    for version in sorted(versions, key=lambda v: v.from_date):
        if version.from_date <= on:
            current = version
    if current is None:
        raise JichiError(NOT_YET_IN_FORCE, field="rule", rule=rule, on=on.isoformat())
    return current


def amount(rule: str, on: date, *, table: Table = RULES) -> int:
    value = in_force(rule, on, table=table).value
    if isinstance(value, bool):
        raise TypeError(f"{rule} is a yes/no rule, not an amount")
    return value


def override(table: Table, rule: str, *versions: Version) -> dict[str, tuple[Version, ...]]:
    """A copy of ``table`` with ``rule`` replaced: how a municipality sets an UNCONFIRMED value."""
    if not versions:
        raise ValueError("a rule needs at least one version")
    return {**table, rule: tuple(versions)}


def party_ticket_threshold(party_date: date, paid_on: date, *, table: Table = RULES) -> int:
    """The 5万円 threshold applies only when both the party and the payment are in 2027 or later.

    (令和6年法律第64号 附則: a party held in 2026 with a payment in 2027 stays at 20万円.)
    """
    return amount("party_ticket_disclosure_over", min(party_date, paid_on), table=table)


class BodyKind(enum.Enum):
    """Who a 21条の3 company/union/other-body cap is measured by."""

    COMPANY = "company"  # capital, 円
    UNION = "union"  # members
    OTHER = "other"  # last year's expenses, 円


#: 21条の3第1項: the three brackets (lower bound of bracket 2 and 3, then caps) by kind.
_BRACKETS: dict[BodyKind, tuple[int, int, int, int]] = {
    BodyKind.COMPANY: (1_000_000_000, 5_000_000_000, 10_000_000_000, 5_000_000_000),
    BodyKind.UNION: (50_000, 100_000, 150_000, 50_000),
    BodyKind.OTHER: (20_000_000, 60_000_000, 80_000_000, 20_000_000),
}
_BRACKET_CAPS = (7_500_000, 15_000_000, 30_000_000)


def body_total_cap(kind: BodyKind, scale: int, on: date, *, table: Table = RULES) -> int:
    """21条の3: a company's, union's or other body's yearly total to parties and 政治資金団体.

    From the "larger body" point (100億円 capital, 15万 members, 8,000万円 expenses) the cap rises
    by ``body_cap_step`` (UNCONFIRMED, default 500万円) for each further step of scale, up to
    ``body_cap_ceiling`` (1億円).
    """
    second, third, larger, step_size = _BRACKETS[kind]
    if scale < second:
        return _BRACKET_CAPS[0]
    if scale < third:
        return _BRACKET_CAPS[1]
    if scale < larger:
        return _BRACKET_CAPS[2]
    steps = 1 + (scale - larger) // step_size
    cap = _BRACKET_CAPS[2] + steps * amount("body_cap_step", on, table=table)
    return min(cap, amount("body_cap_ceiling", on, table=table))


def _end_of_month(year: int, month: int) -> date:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def filing_deadline(
    report_year: int,
    *,
    diet_member_related: bool = False,
    election_overlap: bool = False,
    weekend_to_monday: bool = True,
) -> date:
    """12条: the last day to file the report for ``report_year``.

    3 months after 12月31日 (3月31日); 4 when the period overlaps a HoR or HoC election
    period; a 国会議員関係政治団体 has 5 (6). A deadline on a Saturday or Sunday moves to the
    next Monday: only a prefecture's page says so (SECONDARY), hence the switch.
    """
    months = (5 if diet_member_related else 3) + (1 if election_overlap else 0)
    last = _end_of_month(report_year + 1, months)
    if weekend_to_monday and last.weekday() >= 5:
        last = date.fromordinal(last.toordinal() + 7 - last.weekday())
    return last
