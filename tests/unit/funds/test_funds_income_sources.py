"""Income by source (the public chart's six parts) and the chart helper's lines and bars."""

from __future__ import annotations

from datetime import date

from jichi.funds.income_sources import SOURCES, income_by_source
from jichi.funds.organizations import OrganizationKind
from jichi.funds.reports import (
    AnnualReport,
    Donation,
    Donor,
    DonorKind,
    Income,
    TicketPayment,
    check,
)
from jichi.statistics.charts import bars, lines

ON = date(2026, 5, 1)


def party_report() -> AnnualReport:
    donors = (
        Donor(
            donor_id="p",
            kind=DonorKind.INDIVIDUAL,
            name="個人",
            address="東京都",
            occupation="医師",
        ),
        Donor(
            donor_id="c", kind=DonorKind.COMPANY, name="株式会社A", address="東京都", scale=10**9
        ),
        Donor(donor_id="u", kind=DonorKind.UNION, name="組合B", address="東京都", scale=10**4),
        Donor(donor_id="o", kind=DonorKind.POLITICAL_ORGANIZATION, name="C会", address="東京都"),
    )
    gifts = (
        Donation(donor_id="p", amount=100_000, on=ON),
        Donation(donor_id="c", amount=300_000, on=ON),
        Donation(donor_id="u", amount=50_000, on=ON),
        Donation(donor_id="o", amount=70_000, on=ON),
        Donation(donor_id=None, amount=1_000, on=ON, in_public=True),
    )
    tickets = (
        TicketPayment(party="春の集い", party_date=ON, payer_id="p", amount=40_000, paid_on=ON),
    )
    income = Income(
        membership_fees=9_000, donations=521_000, business=60_000, grants=200_000, total=790_000
    )
    return AnnualReport(
        organization_name="みどり党",
        organization_kind=OrganizationKind.PARTY,
        year=2026,
        carried_over=0,
        income=income,
        donors=donors,
        donations=gifts,
        ticket_payments=tickets,
        expenditure_total=0,
        carried_forward=790_000,
    )


def test_the_six_parts_split_donations_by_donor_kind_and_add_up_to_the_income() -> None:
    report = party_report()
    assert [f for f in check(report) if f.severity.value == "error"] == []
    parts = income_by_source(report)
    assert list(parts) == [key for key, _ in SOURCES]
    assert parts == {
        "individual": 101_000,  # the anonymous street gift is a person's
        "corporate": 350_000,  # a company and a union
        "political": 70_000,
        "party": 40_000,
        "grants": 200_000,
        "other": 29_000,  # 会費 9,000 and the rest of 事業 20,000
    }
    assert sum(parts.values()) == report.income.total


def test_lines_share_one_scale_and_bars_are_as_long_as_their_values() -> None:
    chart = lines([("a", "A", [(2024.0, 100.0), (2025.0, 300.0)]), ("b", "B", [(2025.0, 50.0)])])
    a, b = chart.series
    assert a.path.startswith("M") and a.points[0][0] == chart.left == 96
    assert a.points[1][0] == chart.right
    assert b.points[0][0] == chart.right  # 2025 sits at the same x in both series
    assert b.points[0][1] > a.points[1][1]  # 50 is drawn lower than 300
    assert [label for _, label in chart.x_ticks] == ["2024", "2025"]
    drawn = bars([("x", 200), ("y", 50)], width=400)
    assert [(b.width, b.y) for b in drawn] == [(400.0, 0), (100.0, 28)]
    assert bars([("z", 0)])[0].width == 0.0
