"""What the law publishes of a filed 収支報告書: the donor and payer lines over the thresholds.

The public search shows only these lines (政治資金規正法12条1項, 20条): a donation is
published with its donor when the donor's yearly total to this organisation is over
``donation_disclosure_over`` (5万円); a party-ticket payment when the payer's total for
that party is over the threshold in force for the party and the payment (20万円, 5万円
from 2027-01-01, :func:`jichi.funds.law.party_ticket_threshold`).  Anonymous gifts
(政党匿名寄附) and the lines under the thresholds are summed in the totals, never listed.

**A private donor's street address never appears on a public page.**  The filed report
holds the full address; the published line keeps only the prefecture and municipality
(the practice of the ministries' online publication, which masks the 番地 of individuals).
The cut is conservative: an address whose municipality cannot be recognised from the
bundled catalogue is published as its prefecture, or as nothing.  A body's address (会社,
労働組合, 政治団体…) is its office and is published as filed.

Pure: no database, no clock.  :mod:`jichi.funds.public_search` stores what this returns.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from jichi.funds import law
from jichi.funds.reports import AnnualReport, Donor, DonorKind
from jichi.kernel.text import name_search_key, normalize_width
from jichi.places.catalog import default_catalog
from jichi.places.model import Kind

DONATION = "寄附"
PARTY_TICKET = "パーティー対価"


@dataclass(frozen=True)
class PublicLine:
    """One published line: who gave how much to whom, when, and of what kind."""

    organization_id: str
    organization_name: str
    year: int
    seq: int  # the line's position in the report (stable within one version)
    kind: str  # DONATION or PARTY_TICKET
    donor_kind: str  # DonorKind value: 個人, 会社, …
    name: str  # exactly as filed
    name_key: str  # the kernel's folded search key
    address: str  # municipality-level for individuals
    occupation: str
    amount: int
    on: date


def public_address(donor: Donor) -> str:
    """The address as published: a person's cut to 都道府県＋市区町村, a body's as filed."""
    if donor.kind is not DonorKind.INDIVIDUAL:
        return donor.address.strip()
    return municipality_part(donor.address)


def municipality_part(address: str) -> str:
    """The prefecture and municipality at the start of ``address``; "" if none is recognised."""
    text = normalize_width(address).strip().replace(" ", "").replace("\u3000", "")
    prefecture = next((p for p in _prefectures() if text.startswith(p)), "")
    rest = text[len(prefecture) :]
    county = re.match(r"^[^\d０-９]{1,6}?郡", rest)
    after_county = rest[county.end() :] if county else rest
    for candidate, keep in ((after_county, county.group(0) if county else ""), (rest, "")):
        name = next((n for n in _municipality_names() if candidate.startswith(n)), "")
        if name:
            return prefecture + keep + name
    return prefecture


@functools.cache
def _prefectures() -> tuple[str, ...]:
    names = {lg.name for lg in default_catalog() if lg.kind is Kind.PREFECTURE}
    return tuple(sorted(names, key=len, reverse=True))


@functools.cache
def _municipality_names() -> tuple[str, ...]:
    """Every municipality name, and a designated city's wards after the city, longest first."""
    catalog = default_catalog()
    names: set[str] = set()
    for lg in catalog:
        if lg.kind is Kind.PREFECTURE:
            continue
        names.add(lg.name)
        parent = catalog.parent_of(lg)
        if lg.kind is Kind.DESIGNATED_CITY_WARD and parent is not None:
            names.add(lg.name if lg.name.startswith(parent.name) else parent.name + lg.name)
    return tuple(sorted(names, key=len, reverse=True))


def public_lines(
    organization_id: str, report: AnnualReport, *, table: law.Table = law.RULES
) -> list[PublicLine]:
    """The lines the law publishes, in the report's order (donations, then party tickets)."""
    donors = {d.donor_id: d for d in report.donors}
    lines: list[PublicLine] = []

    def line(donor: Donor, kind: str, amount: int, on: date) -> PublicLine:
        return PublicLine(
            organization_id=organization_id,
            organization_name=report.organization_name,
            year=report.year,
            seq=len(lines) + 1,
            kind=kind,
            donor_kind=donor.kind.value,
            name=donor.name,
            name_key=name_search_key(donor.name),
            address=public_address(donor),
            occupation=donor.occupation if donor.kind is DonorKind.INDIVIDUAL else "",
            amount=amount,
            on=on,
        )

    totals: dict[str, int] = defaultdict(int)
    for gift in report.donations:
        if gift.donor_id is not None:
            totals[gift.donor_id] += gift.amount
    threshold = law.amount("donation_disclosure_over", date(report.year, 1, 1), table=table)
    for gift in report.donations:
        donor = donors.get(gift.donor_id) if gift.donor_id is not None else None
        if donor is not None and totals[donor.donor_id] > threshold:
            lines.append(line(donor, DONATION, gift.amount, gift.on))

    paid: dict[tuple[str, str], int] = defaultdict(int)
    first: dict[tuple[str, str], tuple[date, date]] = {}
    for pay in report.ticket_payments:
        key = (pay.party, pay.payer_id)
        paid[key] += pay.amount
        seen = first.get(key)
        first[key] = (pay.party_date, min(pay.paid_on, seen[1]) if seen else pay.paid_on)
    for pay in report.ticket_payments:
        key = (pay.party, pay.payer_id)
        over = law.party_ticket_threshold(*first[key], table=table)
        payer = donors.get(pay.payer_id)
        if payer is not None and paid[key] > over:
            lines.append(line(payer, PARTY_TICKET, pay.amount, pay.paid_on))
    return lines
