"""A donor's year across recipients: the caps no single report can see (21条の3, 22条).

One recipient's report shows only what it received; the 2,000万円 and 1,000万円 totals of an
individual (and a company's 21条の3 total) run across every recipient.  :class:`DonationLedger`
keeps the annual aggregates per (donor, recipient) and per donor, and refuses a donation that
would break a cap, so whatever the order of donations the accepted ones keep every cap.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from jichi.funds import law
from jichi.funds.law import Table
from jichi.funds.reports import (
    BODY_KINDS,
    COMPANY_TO_WRONG_RECIPIENT,
    PER_RECIPIENT_CAP,
    TOTAL_CAP,
    Donor,
    DonorKind,
    Finding,
    Severity,
)


@dataclass(frozen=True)
class Recipient:
    recipient_id: str
    party_side: bool  # a party or 政治資金団体 (not a 資金管理団体)


@dataclass
class DonationLedger:
    """Annual aggregates for one calendar year; :meth:`give` accepts or refuses one gift."""

    year: int
    table: Table = field(default_factory=lambda: law.RULES)
    per_pair: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    per_scope: dict[tuple[str, bool], int] = field(default_factory=lambda: defaultdict(int))

    def give(self, donor: Donor, to: Recipient, amount: int, on: date) -> Finding | None:
        """Record the gift and return None, or leave the ledger unchanged and return why not."""
        line = f"{donor.donor_id}->{to.recipient_id}"
        if amount <= 0 or on.year != self.year:
            raise ValueError("a positive amount within the ledger's year")
        if donor.kind is DonorKind.POLITICAL_ORGANIZATION:
            self._record(donor, to, amount)
            return None  # exempt from the totals (21条の3 applies to individuals and bodies)
        if donor.kind in BODY_KINDS:
            if not to.party_side:
                return Finding(
                    COMPANY_TO_WRONG_RECIPIENT, Severity.ERROR, line, "政治資金規正法21条1項", {}
                )
            cap = law.body_total_cap(BODY_KINDS[donor.kind], donor.scale or 0, on, table=self.table)
            finding = self._over_total(donor, to, amount, cap, "政治資金規正法21条の3")
            if finding is None:
                self._record(donor, to, amount)
            return finding
        rule = "individual_total_to_parties" if to.party_side else "individual_total_to_others"
        version = law.in_force(rule, on, table=self.table)
        assert not isinstance(version.value, bool)
        finding = self._over_total(donor, to, amount, version.value, version.article)
        if finding is None and not to.party_side:
            cap = law.amount("individual_per_recipient", on, table=self.table)
            pair = self.per_pair.get((donor.donor_id, to.recipient_id), 0) + amount
            if pair > cap:
                finding = Finding(
                    PER_RECIPIENT_CAP,
                    Severity.ERROR,
                    line,
                    "政治資金規正法22条",
                    {"donor": donor.name, "cap": f"{cap:,}", "total": f"{pair:,}"},
                )
        if finding is None:
            self._record(donor, to, amount)
        return finding

    def total(self, donor_id: str, party_side: bool) -> int:
        return self.per_scope.get((donor_id, party_side), 0)

    def _over_total(
        self, donor: Donor, to: Recipient, amount: int, cap: int, article: str
    ) -> Finding | None:
        total = self.per_scope.get((donor.donor_id, to.party_side), 0) + amount
        if total <= cap:
            return None
        scope, scope_en = (
            ("政党・政治資金団体", "parties") if to.party_side else ("その他", "others")
        )
        return Finding(
            TOTAL_CAP,
            Severity.ERROR,
            f"{donor.donor_id}->{to.recipient_id}",
            article,
            {
                "donor": donor.name,
                "scope": scope,
                "scope_en": scope_en,
                "cap": f"{cap:,}",
                "total": f"{total:,}",
            },
        )

    def _record(self, donor: Donor, to: Recipient, amount: int) -> None:
        self.per_pair[(donor.donor_id, to.recipient_id)] += amount
        self.per_scope[(donor.donor_id, to.party_side)] += amount
