"""What the law publishes of a report: thresholds by date, anonymous gifts, addresses cut."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from jichi.funds.disclosure import (
    DONATION,
    PARTY_TICKET,
    municipality_part,
    public_address,
    public_lines,
)
from jichi.funds.organizations import OrganizationKind
from jichi.funds.reports import AnnualReport, Donation, Donor, DonorKind, Income, TicketPayment

PERSON = Donor(
    donor_id="p1",
    kind=DonorKind.INDIVIDUAL,
    name="髙橋一郎",
    address="東京都千代田区霞が関一丁目2番3号",
    occupation="会社員",
)
COMPANY = Donor(
    donor_id="c1",
    kind=DonorKind.COMPANY,
    name="株式会社さくら",
    address="大阪府大阪市北区梅田1-2-3",
    scale=100_000_000,
)


def report(
    gifts: list[tuple[str | None, int]],
    tickets: tuple[TicketPayment, ...] = (),
    *,
    year: int = 2026,
) -> AnnualReport:
    donations = tuple(Donation(donor_id=d, amount=a, on=date(year, 5, 1)) for d, a in gifts)
    total = sum(a for _, a in gifts)
    return AnnualReport(
        organization_name="さくら後援会",
        organization_kind=OrganizationKind.OTHER,
        year=year,
        carried_over=0,
        income=Income(donations=total, total=total),
        donors=(PERSON, COMPANY),
        donations=donations,
        ticket_payments=tickets,
        expenditure_total=0,
        carried_forward=total,
    )


def test_a_donor_over_50000_a_year_is_listed_line_by_line_and_one_at_50000_is_not() -> None:
    listed = public_lines("org", report([("p1", 30_000), ("p1", 20_001)]))
    assert [(x.kind, x.name, x.amount) for x in listed] == [
        (DONATION, "髙橋一郎", 30_000),
        (DONATION, "髙橋一郎", 20_001),
    ]
    assert public_lines("org", report([("p1", 30_000), ("p1", 20_000)])) == []


def test_anonymous_gifts_are_never_listed() -> None:
    assert public_lines("org", report([(None, 900_000)])) == []


def test_a_person_is_published_by_municipality_and_a_company_by_its_office() -> None:
    person, company = public_lines("org", report([("p1", 60_000), ("c1", 60_000)]))
    assert person.address == "東京都千代田区"
    assert "霞が関" not in person.address and "2" not in person.address
    assert person.occupation == "会社員"
    assert company.address == "大阪府大阪市北区梅田1-2-3"
    assert person.name_key == "高橋一郎"  # the kernel's folded key: 髙 → 高


def ticket(amount: int, party_date: date, paid_on: date) -> TicketPayment:
    return TicketPayment(
        party="春の会", party_date=party_date, payer_id="c1", amount=amount, paid_on=paid_on
    )


def test_party_ticket_threshold_is_200000_before_2027_and_50000_after() -> None:
    before = (ticket(100_000, date(2026, 6, 1), date(2026, 5, 1)),)
    assert public_lines("org", report([], before)) == []
    after = (ticket(100_000, date(2027, 6, 1), date(2027, 5, 1)),)
    (line,) = public_lines("org", report([], after, year=2027))
    assert (line.kind, line.amount) == (PARTY_TICKET, 100_000)
    # A 2026 party paid for in 2027 stays under the old threshold (附則).
    straddle = (ticket(100_000, date(2026, 12, 20), date(2027, 1, 10)),)
    assert public_lines("org", report([], straddle, year=2027)) == []


def test_addresses_are_cut_to_the_municipality() -> None:
    assert municipality_part("北海道虻田郡倶知安町北1条西2丁目") == "北海道虻田郡倶知安町"
    assert municipality_part("三重県四日市市諏訪町1-5") == "三重県四日市市"
    assert municipality_part("神奈川県横浜市中区山下町1") == "神奈川県横浜市中区"
    assert municipality_part("東京都府中市宮西町2-24") == "東京都府中市"
    assert municipality_part("どこか遠く1-2-3") == ""


@given(st.text(max_size=60))
def test_a_persons_published_address_is_always_a_prefix_without_digits(address: str) -> None:
    donor = PERSON.model_copy(update={"address": address})
    shown = public_address(donor)
    assert not any(ch.isdigit() for ch in shown)
    assert len(shown) <= len(address) + 1 or shown == ""
