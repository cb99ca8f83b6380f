"""Each limit and threshold on both sides of the date it changed (and its article)."""

from __future__ import annotations

from datetime import date

import pytest

from jichi.funds.law import (
    RULES,
    BodyKind,
    Status,
    Version,
    amount,
    body_total_cap,
    in_force,
    override,
    party_ticket_threshold,
)
from jichi.kernel.errors import JichiError

DAY_BEFORE_2026 = date(2025, 12, 31)
DAY_BEFORE_2027 = date(2026, 12, 31)


@pytest.mark.parametrize(
    ("rule", "before", "on", "old", "new"),
    [
        ("party_ticket_disclosure_over", DAY_BEFORE_2027, date(2027, 1, 1), 200_000, 50_000),
        ("party_may_donate_to_candidate", DAY_BEFORE_2027, date(2027, 1, 1), True, False),
        ("party_fee_by_bank_transfer", DAY_BEFORE_2026, date(2026, 1, 1), False, True),
        ("diet_related_confirmation_letter", DAY_BEFORE_2026, date(2026, 1, 1), False, True),
        ("policy_activity_payments_banned", DAY_BEFORE_2026, date(2026, 1, 1), False, True),
    ],
)
def test_a_rule_that_changed_has_the_old_value_the_day_before_and_the_new_on_the_day(
    rule: str, before: date, on: date, old: object, new: object
) -> None:
    assert in_force(rule, before).value == old
    assert in_force(rule, on).value == new
    assert in_force(rule, date(2030, 6, 1)).value == new
    assert in_force(rule, on).article != in_force(rule, before).article


def test_the_diet_related_1man_itemisation_starts_with_the_2009_report_year() -> None:
    assert amount("diet_related_expense_itemised_over", date(2009, 1, 1)) == 10_000
    with pytest.raises(JichiError) as caught:
        in_force("diet_related_expense_itemised_over", date(2008, 12, 31))
    assert caught.value.code == "FND-021"


@pytest.mark.parametrize(
    ("rule", "value", "article"),
    [
        ("donation_disclosure_over", 50_000, "12条"),
        ("individual_total_to_parties", 20_000_000, "21条の3"),
        ("individual_total_to_others", 10_000_000, "21条の3"),
        ("individual_per_recipient", 1_500_000, "22条"),
        ("party_ticket_per_payer", 1_500_000, "22条の8"),
        ("anonymous_max", 1_000, "22条の6"),
    ],
)
def test_steady_limits_keep_their_value_across_the_2026_and_2027_changes(
    rule: str, value: int, article: str
) -> None:
    for day in (DAY_BEFORE_2026, date(2026, 1, 1), DAY_BEFORE_2027, date(2027, 1, 1)):
        assert amount(rule, day) == value
        assert article in in_force(rule, day).article


def test_the_ticket_threshold_needs_both_the_party_and_the_payment_in_2027() -> None:
    assert party_ticket_threshold(date(2027, 1, 10), date(2027, 1, 10)) == 50_000
    assert party_ticket_threshold(date(2026, 12, 20), date(2027, 1, 5)) == 200_000
    assert party_ticket_threshold(date(2027, 2, 1), date(2026, 12, 1)) == 200_000


def test_an_unknown_rule_is_a_typed_error() -> None:
    with pytest.raises(JichiError) as caught:
        in_force("no_such_rule", date(2026, 1, 1))
    assert caught.value.code == "FND-020"


def test_unconfirmed_rules_are_marked_and_can_be_overridden() -> None:
    assert in_force("body_cap_step", date(2026, 1, 1)).status is Status.UNCONFIRMED
    assert in_force("expenditure_itemised_from", date(2026, 1, 1)).status is Status.UNCONFIRMED
    table = override(RULES, "body_cap_step", Version(date(1995, 1, 1), 10_000_000, "test"))
    assert amount("body_cap_step", date(2026, 1, 1), table=table) == 10_000_000
    assert amount("body_cap_step", date(2026, 1, 1)) == 5_000_000  # the default is untouched


@pytest.mark.parametrize(
    ("kind", "scale", "cap"),
    [
        (BodyKind.COMPANY, 999_999_999, 7_500_000),
        (BodyKind.COMPANY, 1_000_000_000, 15_000_000),
        (BodyKind.COMPANY, 4_999_999_999, 15_000_000),
        (BodyKind.COMPANY, 5_000_000_000, 30_000_000),
        (BodyKind.COMPANY, 9_999_999_999, 30_000_000),
        (BodyKind.COMPANY, 10_000_000_000, 35_000_000),
        (BodyKind.COMPANY, 75_000_000_000, 100_000_000),
        (BodyKind.COMPANY, 500_000_000_000, 100_000_000),
        (BodyKind.UNION, 49_999, 7_500_000),
        (BodyKind.UNION, 100_000, 30_000_000),
        (BodyKind.UNION, 150_000, 35_000_000),
        (BodyKind.OTHER, 19_999_999, 7_500_000),
        (BodyKind.OTHER, 60_000_000, 30_000_000),
        (BodyKind.OTHER, 80_000_000, 35_000_000),
    ],
)
def test_body_caps_on_both_sides_of_each_bracket(kind: BodyKind, scale: int, cap: int) -> None:
    assert body_total_cap(kind, scale, date(2026, 6, 1)) == cap


def test_the_filing_deadline_is_three_or_five_months_plus_one_with_an_election() -> None:
    from jichi.funds.law import filing_deadline

    assert filing_deadline(2025) == date(2026, 3, 31)  # a Tuesday
    assert filing_deadline(2025, election_overlap=True) == date(2026, 4, 30)
    assert filing_deadline(2025, diet_member_related=True) == date(2026, 6, 1)  # 5/31 is Sunday
    assert filing_deadline(2025, diet_member_related=True, weekend_to_monday=False) == date(
        2026, 5, 31
    )
    assert filing_deadline(2025, diet_member_related=True, election_overlap=True) == date(
        2026, 6, 30
    )
    assert filing_deadline(2026) == date(2027, 3, 31)  # a Wednesday
    assert filing_deadline(2027) == date(2028, 3, 31)  # a Friday
    assert filing_deadline(2029) == date(2030, 4, 1)  # 2030-03-31 is a Sunday
