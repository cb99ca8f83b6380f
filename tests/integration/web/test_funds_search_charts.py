"""The public search's charts on both databases: income by source over the years (all
organisations, or one) and the largest givers, each an SVG with its numbers in a table."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.funds.filings import amend_report, file_report
from jichi.funds.organizations import OrganizationKind
from jichi.funds.public_search import income_history
from jichi.funds.publication import publish
from jichi.funds.reports import AnnualReport, Donation, Donor, DonorKind, Income
from jichi.security.actor import Actor
from jichi.web.app import create_app

CLERK = Actor("pref-clerk", "130001", "clerk")


def report(year: int, name: str, person: int, grants: int) -> AnnualReport:
    donors = (
        Donor(
            donor_id="p",
            kind=DonorKind.INDIVIDUAL,
            name=name,
            address="東京都港区芝1-1",
            occupation="医師",
        ),
        Donor(donor_id="o", kind=DonorKind.POLITICAL_ORGANIZATION, name="本部会", address="東京都"),
    )
    gifts = (
        Donation(donor_id="p", amount=person, on=date(year, 4, 1)),
        Donation(donor_id="o", amount=70_000, on=date(year, 5, 1)),
    )
    total = person + 70_000 + grants + 5_000
    return AnnualReport(
        organization_name="さくら後援会",
        organization_kind=OrganizationKind.OTHER,
        year=year,
        carried_over=0,
        income=Income(donations=person + 70_000, grants=grants, membership_fees=5_000, total=total),
        donors=donors,
        donations=gifts,
        expenditure_total=0,
        carried_forward=total,
    )


def published(engine: Engine, org: str, rep: AnnualReport) -> None:
    file_report(engine, org, rep, filed_on=date(rep.year + 1, 3, 1))
    publish(engine, org, rep.year, 1, CLERK)


def test_income_by_source_is_charted_per_year_with_its_table(engine: Engine) -> None:
    published(engine, "org-1", report(2025, "髙橋花子", 100_000, 0))
    published(engine, "org-1", report(2026, "髙橋花子", 200_000, 300_000))
    published(engine, "org-2", report(2026, "山田太郎", 60_000, 0))
    with engine.connect() as conn:
        mine = income_history(conn, organization_id="org-1")
        everyone = dict(income_history(conn))
    assert [year for year, _ in mine] == [2025, 2026]
    assert mine[1][1] == {
        "individual": 200_000,
        "corporate": 0,
        "political": 70_000,
        "party": 0,
        "grants": 300_000,
        "other": 5_000,
    }
    assert everyone[2026]["individual"] == 260_000  # both organisations' 2026

    client = TestClient(create_app(engine))
    page = client.get("/funds/search", params={"organization": "org-1"})
    assert page.status_code == 200
    assert "収入の内訳の推移（さくら後援会）" in page.text
    chart = page.text[page.text.index('aria-labelledby="income-title') :]
    chart = chart[: chart.index("</svg>")]
    assert len(re.findall(r'<path class="series s-', chart)) == 6
    assert len(re.findall(r"<circle ", chart)) == 12  # six sources × two years
    table = page.text[page.text.index('id="income-caption"') :]
    table = table[: table.index("</table>")]
    assert '<th scope="row">2026</th>' in table and "300,000" in table and "200,000" in table
    top = page.text[page.text.index('id="top-title"') :]
    assert "髙橋花子" in top and "山田太郎" not in top  # org-1's givers only
    all_orgs = client.get("/funds/search").text
    assert "収入の内訳の推移（すべての政治団体）" in all_orgs and "260,000" in all_orgs


def test_a_published_amendment_replaces_its_year_in_the_chart(engine: Engine) -> None:
    published(engine, "org-1", report(2026, "髙橋花子", 100_000, 0))
    amend_report(
        engine, "org-1", report(2026, "髙橋花子", 90_000, 0), reason="誤記", expected_version=1
    )
    with engine.connect() as conn:
        assert income_history(conn)[0][1]["individual"] == 100_000  # not yet published
    publish(engine, "org-1", 2026, 2, CLERK)
    with engine.connect() as conn:
        assert income_history(conn)[0][1]["individual"] == 90_000


def test_an_unknown_organisation_is_an_error_at_its_field_and_no_data_is_no_chart(
    engine: Engine,
) -> None:
    client = TestClient(create_app(engine))
    empty = client.get("/funds/search")
    assert empty.status_code == 200 and "income-title" not in empty.text
    bad = client.get("/funds/search", params={"organization": "nope"})
    assert bad.status_code == 422 and 'id="organization-error"' in bad.text
