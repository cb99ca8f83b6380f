"""A report's income split by source, for the public search's chart (issue 13 item 4).

The paper form's その2 gives income by kind (会費, 寄附, 事業, 借入, 交付金, その他); the
public asks "where did the money come from", so the donations are split by the donor's
kind (その7: 個人, 法人その他の団体, 政治団体) and the party tickets (その3) are taken out of
事業収入.  Anonymous gifts (22条の6, street collections) are counted with individuals, since
only a person can give one.  Whatever is left of the year's income (会費, 借入金, other
business, その他) is その他, so the six parts always add up to ``income.total``.
"""

from __future__ import annotations

from jichi.funds.reports import AnnualReport, DonorKind

#: (key, Japanese label) in the order the chart and its table show them.
SOURCES: tuple[tuple[str, str], ...] = (
    ("individual", "個人寄附"),
    ("corporate", "法人寄附"),
    ("political", "政治団体寄附"),
    ("party", "パーティー"),
    ("grants", "交付金"),
    ("other", "その他"),
)

_CORPORATE = frozenset({DonorKind.COMPANY, DonorKind.UNION, DonorKind.OTHER_BODY})


def income_by_source(report: AnnualReport) -> dict[str, int]:
    """The six parts (yen) of the year's income; they sum to ``income.total`` when it is
    at least the donations, tickets and grants (a report that passed the checks)."""
    kinds = {d.donor_id: d.kind for d in report.donors}
    parts = dict.fromkeys((key for key, _ in SOURCES), 0)
    for gift in report.donations:
        kind = kinds.get(gift.donor_id) if gift.donor_id is not None else DonorKind.INDIVIDUAL
        if kind is DonorKind.POLITICAL_ORGANIZATION:
            parts["political"] += gift.amount
        elif kind in _CORPORATE:
            parts["corporate"] += gift.amount
        else:
            parts["individual"] += gift.amount
    parts["party"] = min(sum(p.amount for p in report.ticket_payments), report.income.business)
    parts["grants"] = report.income.grants
    named = sum(parts.values())
    parts["other"] = max(report.income.total - named, 0)
    return parts
