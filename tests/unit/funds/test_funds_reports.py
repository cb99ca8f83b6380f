"""Checks at filing of a 収支報告書: each a typed finding at its line, with the article."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jichi.funds.donations import DonationLedger, Recipient
from jichi.funds.organizations import OrganizationKind
from jichi.funds.reports import (
    AnnualReport,
    Donation,
    Donor,
    DonorKind,
    Expenditure,
    ExpenseCategory,
    Income,
    Severity,
    TicketPayment,
    check,
    parse_report,
)
from jichi.kernel.errors import JichiError

ALICE = Donor(
    donor_id="p1",
    kind=DonorKind.INDIVIDUAL,
    name="山田花子",
    address="東京都千代田区",
    occupation="会社員",
)
ACME = Donor(
    donor_id="c1",
    kind=DonorKind.COMPANY,
    name="株式会社アクメ",
    address="大阪市",
    corporate_number="8700110005901",
    scale=500_000_000,
)


def report(**over: Any) -> AnnualReport:
    """A report that adds up; each test breaks one thing."""
    donations = over.pop(
        "donations", (Donation(donor_id="p1", amount=30_000, on=date(2026, 5, 1)),)
    )
    expenditures = over.pop("expenditures", ())
    gifts = sum(d.amount for d in donations)
    spent = sum(e.amount for e in expenditures)
    fields: dict[str, Any] = {
        "organization_name": "さくら後援会",
        "organization_kind": OrganizationKind.OTHER,
        "year": 2026,
        "carried_over": 100_000,
        "income": Income(donations=gifts, total=gifts),
        "donors": (ALICE, ACME),
        "donations": donations,
        "expenditures": expenditures,
        "expenditure_total": spent,
        "carried_forward": 100_000 + gifts - spent,
    }
    fields.update(over)
    return AnnualReport(**fields)


def codes(r: AnnualReport) -> list[tuple[str, str]]:
    return [(f.code, f.line) for f in check(r)]


def gift(donor: str | None, amount: int, on: date = date(2026, 6, 1), **kw: Any) -> Donation:
    return Donation(donor_id=donor, amount=amount, on=on, **kw)


def test_a_report_that_adds_up_and_keeps_the_rules_has_no_findings() -> None:
    assert check(report()) == []


def test_totals_that_do_not_add_up_are_found_at_their_line() -> None:
    r = report(income=Income(donations=30_000, other=5, total=30_000), carried_forward=1)
    found = check(r)
    assert [(f.code, f.line) for f in found] == [
        ("FND-040", "income.total"),
        ("FND-040", "carried_forward"),
    ]
    message = found[0].error()
    assert "30,005" in message.message_ja and "12条" in message.message_ja


def test_the_150man_per_recipient_cap_flags_the_gift_that_crosses_it() -> None:
    r = report(donations=(gift("p1", 1_000_000), gift("p1", 500_000), gift("p1", 1)))
    assert codes(r) == [("FND-042", "donations[2]")]
    at_cap = report(donations=(gift("p1", 1_000_000), gift("p1", 500_000)))
    assert codes(at_cap) == []


def test_a_party_may_take_up_to_2000man_from_one_individual() -> None:
    party = {"organization_kind": OrganizationKind.PARTY}
    assert codes(report(donations=(gift("p1", 20_000_000),), **party)) == []
    over = report(donations=(gift("p1", 20_000_000), gift("p1", 1)), **party)
    assert codes(over) == [("FND-042", "donations[1]")]


def test_company_money_only_to_parties_and_within_its_capital_bracket() -> None:
    assert codes(report(donations=(gift("c1", 10_000),))) == [("FND-041", "donations[0]")]
    party = {"organization_kind": OrganizationKind.PARTY}
    assert codes(report(donations=(gift("c1", 7_500_000),), **party)) == []
    over = report(donations=(gift("c1", 7_500_001),), **party)
    assert codes(over) == [("FND-042", "donations[0]")]
    fmb = {"organization_kind": OrganizationKind.PARTY, "fund_management_body": True}
    assert ("FND-041", "donations[0]") in codes(report(donations=(gift("c1", 1),), **fmb))


def test_anonymous_money_only_to_party_side_in_public_up_to_1000_yen() -> None:
    party = {"organization_kind": OrganizationKind.PARTY_FUND_BODY}
    assert codes(report(donations=(gift(None, 1_000, in_public=True),), **party)) == []
    assert codes(report(donations=(gift(None, 1_001, in_public=True),), **party)) == [
        ("FND-043", "donations[0]")
    ]
    assert codes(report(donations=(gift(None, 500, in_public=False),), **party)) == [
        ("FND-043", "donations[0]")
    ]
    assert codes(report(donations=(gift(None, 500, in_public=True),))) == [
        ("FND-043", "donations[0]")
    ]


def test_foreign_money_is_refused_unless_a_listed_japanese_company() -> None:
    foreign = Donor(donor_id="f1", kind=DonorKind.INDIVIDUAL, name="John", foreign=True)
    r = report(donors=(ALICE, ACME, foreign), donations=(gift("f1", 10_000),))
    assert codes(r) == [("FND-044", "donations[0]")]
    listed = ACME.model_copy(update={"foreign": True, "listed_five_years": True})
    party = {"organization_kind": OrganizationKind.PARTY, "donors": (listed,)}
    assert codes(report(donations=(gift("c1", 10_000),), **party)) == []


def test_disclosure_is_on_the_annual_aggregate_over_5man() -> None:
    bare = Donor(donor_id="p2", kind=DonorKind.INDIVIDUAL, name="佐藤一郎")
    donors = {"donors": (ALICE, ACME, bare)}
    assert codes(report(donations=(gift("p2", 50_000),), **donors)) == []
    found = check(report(donations=(gift("p2", 30_000), gift("p2", 20_001)), **donors))
    assert [(f.code, f.line) for f in found] == [("FND-045", "donors[p2]")]
    assert "住所・職業" in found[0].error().message_ja


def test_ticket_payers_threshold_follows_the_date_of_the_party_and_payment() -> None:
    bare = Donor(donor_id="t1", kind=DonorKind.INDIVIDUAL, name="高橋次郎")

    def tickets(party_day: date, paid: date, amount: int, year: int) -> list[tuple[str, str]]:
        pay = TicketPayment(
            party="春の集い", party_date=party_day, payer_id="t1", amount=amount, paid_on=paid
        )
        return codes(report(year=year, donations=(), donors=(bare,), ticket_payments=(pay,)))

    assert tickets(date(2026, 6, 1), date(2026, 5, 1), 200_000, 2026) == []
    assert tickets(date(2026, 6, 1), date(2026, 5, 1), 200_001, 2026) == [
        ("FND-045", "ticket_payments[春の集い][t1]")
    ]
    assert tickets(date(2027, 6, 1), date(2027, 5, 1), 50_001, 2027) == [
        ("FND-045", "ticket_payments[春の集い][t1]")
    ]
    assert tickets(date(2027, 6, 1), date(2027, 5, 1), 50_000, 2027) == []
    assert tickets(date(2027, 6, 1), date(2027, 5, 1), 1_500_001, 2027)[0] == (
        "FND-046",
        "ticket_payments[0]",
    )


def test_ticket_fee_in_cash_from_2026_is_a_warning() -> None:
    pay = TicketPayment(
        party="会",
        party_date=date(2026, 3, 1),
        payer_id="p1",
        amount=10_000,
        paid_on=date(2026, 2, 1),
        by_transfer=False,
    )
    found = check(report(ticket_payments=(pay,)))
    assert [(f.code, f.severity) for f in found] == [("FND-047", Severity.WARNING)]
    earlier = pay.model_copy(update={"paid_on": date(2025, 12, 31)})
    assert check(report(ticket_payments=(earlier,))) == []


def test_expenses_itemised_at_5man_political_and_1man_for_diet_related_bodies() -> None:
    def spend(category: ExpenseCategory, amount: int) -> Expenditure:
        return Expenditure(category=category, amount=amount, on=date(2026, 7, 1))

    activity = (spend(ExpenseCategory.PUBLICITY, 50_000), spend(ExpenseCategory.PUBLICITY, 49_999))
    assert codes(report(expenditures=activity)) == [("FND-048", "expenditures[0]")]
    office = (spend(ExpenseCategory.OFFICE, 60_000),)
    assert codes(report(expenditures=office)) == []
    assert codes(report(expenditures=office, fund_management_body=True)) == [
        ("FND-048", "expenditures[0]")
    ]
    small = (spend(ExpenseCategory.SUPPLIES, 10_001), spend(ExpenseCategory.PERSONNEL, 90_000))
    assert codes(report(expenditures=small, diet_member_related=True)) == [
        ("FND-048", "expenditures[0]")
    ]


def test_party_donations_to_a_candidate_are_banned_from_2027() -> None:
    to_candidate = Expenditure(
        category=ExpenseCategory.DONATIONS_GRANTS,
        amount=10_000,
        on=date(2027, 1, 1),
        payee="候補者",
        purpose="寄附",
        to_candidate=True,
    )
    party = {"organization_kind": OrganizationKind.PARTY}
    assert codes(report(year=2027, donations=(), expenditures=(to_candidate,), **party)) == [
        ("FND-053", "expenditures[0]")
    ]
    in_2026 = to_candidate.model_copy(update={"on": date(2026, 12, 31)})
    assert codes(report(donations=(), expenditures=(in_2026,), **party)) == []


def test_unknown_donors_bad_corporate_numbers_and_dates_outside_the_year() -> None:
    typo = ACME.model_copy(update={"corporate_number": "1700110005901"})
    r = report(donors=(ALICE, typo), donations=(gift("zz", 1), gift("p1", 1, date(2025, 12, 31))))
    assert codes(r) == [
        ("FND-051", "donors[1].corporate_number"),
        ("FND-049", "donations[0]"),
        ("FND-050", "donations[1]"),
    ]


PEOPLE = [Donor(donor_id=f"p{i}", kind=DonorKind.INDIVIDUAL, name=f"p{i}") for i in range(3)]
BODIES = [
    Donor(donor_id=f"c{i}", kind=DonorKind.COMPANY, name=f"c{i}", scale=s)
    for i, s in enumerate((10**8, 2 * 10**9, 2 * 10**10))
]
TARGETS = [
    Recipient("party", True),
    Recipient("fund", True),
    Recipient("k1", False),
    Recipient("k2", False),
]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(PEOPLE + BODIES),
            st.sampled_from(TARGETS),
            st.integers(min_value=1, max_value=12_000_000),
            st.integers(min_value=1, max_value=365),
        ),
        max_size=60,
    )
)
def test_the_caps_hold_for_any_sequence_of_donations(
    gifts: list[tuple[Donor, Recipient, int, int]],
) -> None:
    ledger = DonationLedger(2026)
    for donor, to, amount, day in gifts:
        on = date(2026, 1, 1).fromordinal(date(2026, 1, 1).toordinal() + day - 1)
        before = dict(ledger.per_pair)
        finding = ledger.give(donor, to, amount, on)
        if finding is not None:
            assert dict(ledger.per_pair) == before  # a refused gift leaves no trace
    for person in PEOPLE:
        assert ledger.total(person.donor_id, True) <= 20_000_000
        assert ledger.total(person.donor_id, False) <= 10_000_000
        for to in TARGETS[2:]:
            assert ledger.per_pair[(person.donor_id, to.recipient_id)] <= 1_500_000
    for body, cap in zip(BODIES, (7_500_000, 15_000_000, 35_000_000), strict=True):
        assert ledger.total(body.donor_id, True) <= cap
        assert ledger.total(body.donor_id, False) == 0


def test_the_ledger_sees_totals_across_recipients_that_one_report_cannot() -> None:
    ledger = DonationLedger(2026)
    on = date(2026, 4, 1)
    assert ledger.give(PEOPLE[0], TARGETS[0], 15_000_000, on) is None
    refused = ledger.give(PEOPLE[0], TARGETS[1], 6_000_000, on)
    assert refused is not None and refused.code == "FND-052"
    for n in range(6):
        assert ledger.give(PEOPLE[1], Recipient(f"koenkai{n}", False), 1_500_000, on) is None
    assert ledger.total(PEOPLE[1].donor_id, False) == 9_000_000
    refused = ledger.give(PEOPLE[1], Recipient("koenkai7", False), 1_000_001, on)
    assert refused is not None and refused.code == "FND-052"


def test_a_year_before_the_law_table_is_a_shape_error_at_year() -> None:
    data = report().model_dump(mode="json")
    for year, ok in ((1994, False), (1995, True), (2201, False)):
        data["year"] = year
        if ok:
            assert parse_report(data).year == year
            continue
        with pytest.raises(JichiError) as caught:
            parse_report(data)
        assert (caught.value.code, caught.value.field) == ("FND-008", "year"), year
