"""Filing and amending 収支報告書 on both databases: checked, versioned, never edited."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import Engine

from jichi.funds.filings import amend_report, file_report, latest, versions
from jichi.funds.organizations import OrganizationKind
from jichi.funds.reports import AnnualReport, Donation, Donor, DonorKind, Income, TicketPayment
from jichi.kernel.errors import JichiError

DONOR = Donor(
    donor_id="p1", kind=DonorKind.INDIVIDUAL, name="山田花子", address="東京都", occupation="医師"
)


def report(amount: int = 30_000, *, cash_ticket: bool = False) -> AnnualReport:
    tickets = ()
    if cash_ticket:
        tickets = (
            TicketPayment(
                party="会",
                party_date=date(2026, 3, 1),
                payer_id="p1",
                amount=1_000,
                paid_on=date(2026, 2, 1),
                by_transfer=False,
            ),
        )
    return AnnualReport(
        organization_name="さくら後援会",
        organization_kind=OrganizationKind.OTHER,
        year=2026,
        carried_over=0,
        income=Income(donations=amount, total=amount),
        donors=(DONOR,),
        donations=(Donation(donor_id="p1", amount=amount, on=date(2026, 5, 1)),),
        ticket_payments=tickets,
        expenditure_total=0,
        carried_forward=amount,
    )


def test_a_filed_report_reads_back_equal_with_its_warnings(engine: Engine) -> None:
    filed = file_report(engine, "org-1", report(cash_ticket=True), filed_on=date(2027, 3, 31))
    assert filed.version == 1
    back = latest(engine, "org-1", 2026)
    assert back.report == report(cash_ticket=True)
    assert [w["code"] for w in back.warnings] == ["FND-047"]


def test_a_late_filing_is_stored_with_a_warning_naming_the_deadline(engine: Engine) -> None:
    file_report(engine, "org-1", report(), filed_on=date(2027, 4, 1))
    (warning,) = latest(engine, "org-1", 2026).warnings
    assert warning["code"] == "FND-065" and "2027-03-31" in warning["message_ja"]
    file_report(engine, "org-2", report(), filed_on=date(2027, 4, 30), election_overlap=True)
    assert latest(engine, "org-2", 2026).warnings == ()


def test_a_report_with_errors_is_refused_and_nothing_is_stored(engine: Engine) -> None:
    with pytest.raises(JichiError) as caught:
        file_report(engine, "org-1", report(1_500_001))
    assert caught.value.code == "FND-060" and caught.value.field == "donations[0]"
    assert "FND-042" in caught.value.message_ja
    assert versions(engine, "org-1", 2026) == []


def test_an_amendment_is_a_new_version_and_the_original_stays_as_filed(engine: Engine) -> None:
    file_report(engine, "org-1", report(30_000), filed_on=date(2027, 3, 1))
    with pytest.raises(JichiError) as caught:
        file_report(engine, "org-1", report(40_000), filed_on=date(2027, 3, 1))
    assert caught.value.code == "FND-063"
    amended = amend_report(engine, "org-1", report(40_000), reason="金額の誤記", expected_version=1)
    assert amended.version == 2
    history = versions(engine, "org-1", 2026)
    assert [(v.version, v.report.income.total, v.reason) for v in history] == [
        (1, 30_000, ""),
        (2, 40_000, "金額の誤記"),
    ]
    with pytest.raises(JichiError) as caught:
        amend_report(engine, "org-1", report(50_000), reason="再訂正", expected_version=1)
    assert caught.value.code == "FND-061"
    with pytest.raises(JichiError) as caught:
        amend_report(engine, "org-2", report(50_000), reason="x", expected_version=0)
    assert caught.value.code == "FND-062"
    with pytest.raises(JichiError) as caught:
        amend_report(engine, "org-1", report(50_000), reason=" ", expected_version=2)
    assert caught.value.code == "FND-064"


def test_two_amendments_at_once_store_one_version_and_refuse_the_other(engine: Engine) -> None:
    file_report(engine, "org-1", report(30_000), filed_on=date(2027, 3, 1))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def amend(amount: int) -> None:
        barrier.wait()
        try:
            amend_report(engine, "org-1", report(amount), reason="訂正", expected_version=1)
            outcomes.append("ok")
        except JichiError as error:
            outcomes.append(error.code)

    threads = [threading.Thread(target=amend, args=(a,)) for a in (40_000, 45_000)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["FND-061", "ok"]
    assert [v.version for v in versions(engine, "org-1", 2026)] == [1, 2]
