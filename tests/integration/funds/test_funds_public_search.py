"""The public search on both databases: refreshed at publication, replaced by a published 訂正,
paged by keyset."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from jichi.funds.filings import amend_report, file_report
from jichi.funds.organizations import OrganizationKind
from jichi.funds.public_search import Search, search, top_donors, totals
from jichi.funds.publication import publish
from jichi.funds.reports import AnnualReport, Donation, Donor, DonorKind, Income
from jichi.kernel.errors import JichiError
from jichi.security.actor import Actor

AUTHORITY = Actor("pref-clerk", "130001", "clerk")


def donor(n: int, name: str | None = None) -> Donor:
    return Donor(
        donor_id=f"p{n}",
        kind=DonorKind.INDIVIDUAL,
        name=name or f"寄附者{n}",
        address=f"東京都千代田区霞が関{n}-1-1",
        occupation="会社員",
    )


def report(
    amounts: list[int], *, name: str = "さくら後援会", first: str | None = None
) -> AnnualReport:
    donors = tuple(donor(i, first if i == 0 else None) for i in range(len(amounts)))
    gifts = tuple(
        Donation(donor_id=f"p{i}", amount=a, on=date(2026, 5, 1)) for i, a in enumerate(amounts)
    )
    total = sum(amounts)
    return AnnualReport(
        organization_name=name,
        organization_kind=OrganizationKind.OTHER,
        year=2026,
        carried_over=0,
        income=Income(donations=total, total=total),
        donors=donors,
        donations=gifts,
        expenditure_total=0,
        carried_forward=total,
    )


def test_a_filed_donor_is_found_at_once_by_a_variant_spelling(engine: Engine) -> None:
    file_report(
        engine, "org-1", report([100_000, 10_000], first="髙橋花子"), filed_on=date(2027, 3, 1)
    )
    publish(engine, "org-1", 2026, 1, AUTHORITY)
    with engine.connect() as conn:
        found = search(conn, Search(name="高橋"))
        (total,) = totals(conn, organization_id="org-1")
    assert [(x.name, x.amount, x.address) for x in found.lines] == [
        ("髙橋花子", 100_000, "東京都千代田区")
    ]
    assert (total.donations, total.donations_listed, total.donations_unlisted) == (
        110_000,
        100_000,
        10_000,
    )
    assert total.lines == 1 and total.version == 1


def test_an_amendment_replaces_the_published_lines_and_totals(engine: Engine) -> None:
    file_report(engine, "org-1", report([100_000], first="山田太郎"), filed_on=date(2027, 3, 1))
    publish(engine, "org-1", 2026, 1, AUTHORITY)
    amend_report(
        engine, "org-1", report([80_000], first="山田次郎"), reason="氏名の誤記", expected_version=1
    )
    publish(engine, "org-1", 2026, 2, AUTHORITY)
    with engine.connect() as conn:
        assert search(conn, Search(name="山田太郎")).lines == []
        (line,) = search(conn, Search(name="山田次郎")).lines
        (total,) = totals(conn, organization_id="org-1", year=2026)
    assert line.amount == 80_000
    assert (total.version, total.donations) == (2, 80_000)


def test_a_refused_report_publishes_nothing(engine: Engine) -> None:
    with pytest.raises(JichiError):
        file_report(engine, "org-1", report([1_500_001]), filed_on=date(2027, 3, 1))
    with engine.connect() as conn:
        assert search(conn, Search()).lines == []
        assert totals(conn) == []


def test_filters_and_bad_input_are_typed_errors(engine: Engine) -> None:
    file_report(engine, "org-1", report([100_000, 60_000, 70_000]), filed_on=date(2027, 3, 1))
    file_report(engine, "org-2", report([90_000], name="もみじ会"), filed_on=date(2027, 3, 1))
    publish(engine, "org-1", 2026, 1, AUTHORITY)
    publish(engine, "org-2", 2026, 1, AUTHORITY)
    with engine.connect() as conn:
        assert [x.amount for x in search(conn, Search(min_amount=70_000)).lines] == [
            100_000,
            90_000,
            70_000,
        ]
        assert {x.organization_id for x in search(conn, Search(organization_id="org-2")).lines} == {
            "org-2"
        }
        assert [r.name for r in top_donors(conn, limit=1)] == ["寄附者0"]
        with pytest.raises(JichiError) as caught:
            search(conn, Search(cursor="not-a-cursor"))
        assert caught.value.code == "FND-070" and caught.value.field == "cursor"
        with pytest.raises(JichiError) as caught:
            search(conn, Search(min_amount=10, max_amount=5))
        assert caught.value.code == "FND-071"
        # A name with LIKE wildcards matches literally.
        assert search(conn, Search(name="%")).lines == []


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    amounts=st.lists(st.sampled_from([50_001, 60_000, 70_000, 100_000]), min_size=1, max_size=12),
    limit=st.integers(1, 5),
)
def test_keyset_paging_shows_every_line_once_in_order(
    engine: Engine, amounts: list[int], limit: int
) -> None:
    from jichi.funds.tables import funds_public_line, funds_public_total, funds_report

    with engine.begin() as conn:
        for table in (funds_public_line, funds_public_total, funds_report):
            conn.execute(table.delete())
    half = len(amounts) // 2
    file_report(engine, "org-a", report(amounts[:half] or [50_001]), filed_on=date(2027, 3, 1))
    file_report(engine, "org-b", report(amounts[half:]), filed_on=date(2027, 3, 1))
    publish(engine, "org-a", 2026, 1, AUTHORITY)
    publish(engine, "org-b", 2026, 1, AUTHORITY)
    seen: list[tuple[int, str, int]] = []
    cursor = None
    with engine.connect() as conn:
        while True:
            page = search(conn, Search(limit=limit, cursor=cursor))
            seen += [(x.amount, x.organization_id, x.seq) for x in page.lines]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == len(amounts[:half] or [50_001]) + len(amounts[half:])
    assert seen == sorted(seen, key=lambda x: (-x[0], x[1], x[2]))
