"""収支報告書 (annual report) as structured data, and the checks made when it is filed.

Each check yields a :class:`Finding` at its line (``donations[3]``) with the article, as a
typed error (the report cannot be accepted as it is) or a warning (the clerk should look).
Every amount the checks compare against comes from :mod:`jichi.funds.law` with the date that
matters, so a 2026 report and a 2027 report are each held to their own law.

Donors are identified by ``donor_id`` (a master record), never by matching names
(facts §8.6): two spellings of one name are two donors unless the filer says otherwise.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from jichi.funds import law
from jichi.funds.law import BodyKind, Table
from jichi.funds.organizations import PARTY_SIDE, OrganizationKind
from jichi.kernel.errors import ErrorKind, JichiError, define
from jichi.kernel.identifiers import IdKind, validate


def _kind(code: str, ja: str, en: str, *params: str) -> ErrorKind:
    return define(code, ja + "（{article}）", en + " ({article})", params=(*params, "article"))


SUM_MISMATCH = _kind(
    "FND-040",
    "{what}の合計が合いません（記載 {declared}円、明細の合計 {computed}円）",
    "{what_en} does not add up: declared {declared}, items sum to {computed}",
    "what",
    "what_en",
    "declared",
    "computed",
)
COMPANY_TO_WRONG_RECIPIENT = _kind(
    "FND-041",
    "会社・労働組合その他の団体は政党・政治資金団体以外に寄附できません",
    "a company, union or other body may give only to a party or party fund body",
)
PER_RECIPIENT_CAP = _kind(
    "FND-042",
    "寄附者「{donor}」からの寄附が年間{cap}円を超えています（合計 {total}円）",
    "donor {donor} gave {total} this year, over the cap of {cap}",
    "donor",
    "cap",
    "total",
)
ANONYMOUS_NOT_ALLOWED = _kind(
    "FND-043",
    "匿名の寄附は、政党・政治資金団体が街頭・公開の場で受ける{cap}円以下のものに限られます",
    "anonymous donations: only to a party or party fund body, in public, up to {cap}",
    "cap",
)
FOREIGN_DONOR = _kind(
    "FND-044",
    "外国人・外国法人等（寄附者「{donor}」）からは寄附を受けられません",
    "donor {donor} is a foreign national or foreign company",
    "donor",
)
DISCLOSURE_DETAILS_MISSING = _kind(
    "FND-045",
    "「{who}」は年間合計 {total}円で公開基準（{threshold}円超）を超えるため、"
    "{missing}の記載が必要です",
    "{who} totals {total}, over {threshold}: {missing_en} must be given",
    "who",
    "total",
    "threshold",
    "missing",
    "missing_en",
)
TICKET_OVER_CAP = _kind(
    "FND-046",
    "「{payer}」のパーティー「{party}」の対価が{cap}円を超えています（{total}円）",
    "payer {payer} paid {total} for party {party}, over {cap}",
    "payer",
    "party",
    "cap",
    "total",
)
TICKET_NOT_BY_TRANSFER = _kind(
    "FND-047",
    "パーティーの対価は口座振込で受けることとされています（{paid_on}）",
    "party fees must be paid by bank transfer from 2026 ({paid_on})",
    "paid_on",
)
EXPENSE_DETAILS_MISSING = _kind(
    "FND-048",
    "{threshold}円{bound}の支出には支出先と目的の記載が必要です",
    "an expense of {threshold} or more needs its payee and purpose",
    "threshold",
    "bound",
)
UNKNOWN_DONOR = _kind(
    "FND-049",
    "寄附者 ID「{donor_id}」が寄附者の一覧にありません",
    "donor id {donor_id} is not in the list of donors",
    "donor_id",
)
OUTSIDE_YEAR = _kind(
    "FND-050",
    "日付 {on} が報告年（{year}年）の外です",
    "date {on} is outside the report year {year}",
    "on",
    "year",
)
BAD_CORPORATE_NUMBER = _kind(
    "FND-051",
    "寄附者「{donor}」の法人番号が正しくありません",
    "donor {donor}: the corporate number is not valid",
    "donor",
)
TOTAL_CAP = _kind(
    "FND-052",
    "寄附者「{donor}」の{scope}への寄附の年間総額が{cap}円を超えます（{total}円）",
    "donor {donor} gave {total} this year to {scope_en}, over the total cap of {cap}",
    "donor",
    "scope",
    "scope_en",
    "cap",
    "total",
)
PARTY_TO_CANDIDATE = _kind(
    "FND-053",
    "政党から公職の候補者個人への政治活動に関する寄附はできません（{on}）",
    "a party may not give political-activity donations to a candidate ({on})",
    "on",
)


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One problem at one line of a report."""

    kind: ErrorKind
    severity: Severity
    line: str
    article: str
    params: dict[str, Any]

    @property
    def code(self) -> str:
        return self.kind.code

    def error(self) -> JichiError:
        return JichiError(self.kind, field=self.line, article=self.article, **self.params)

    def to_dict(self) -> dict[str, Any]:
        shown = self.error()
        return {
            "code": self.code,
            "severity": self.severity.value,
            "line": self.line,
            "article": self.article,
            "message_ja": shown.message_ja,
            "message_en": shown.message_en,
        }


class DonorKind(enum.Enum):
    INDIVIDUAL = "個人"
    COMPANY = "会社"
    UNION = "労働組合"
    OTHER_BODY = "その他の団体"
    POLITICAL_ORGANIZATION = "政治団体"


BODY_KINDS = {
    DonorKind.COMPANY: BodyKind.COMPANY,
    DonorKind.UNION: BodyKind.UNION,
    DonorKind.OTHER_BODY: BodyKind.OTHER,
}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Donor(_Model):
    donor_id: str
    kind: DonorKind
    name: str
    address: str = ""
    occupation: str = ""
    corporate_number: str | None = None
    #: capital (円), members or last year's expenses (円), by kind: 21条の3.
    scale: int | None = None
    foreign: bool = False
    #: 22条の5 exception: a Japanese company listed for 5 years or more.
    listed_five_years: bool = False
    #: the recipient's own candidate giving to their 資金管理団体.
    is_recipients_candidate: bool = False


class Donation(_Model):
    donor_id: str | None  # None: anonymous (政党匿名寄附)
    amount: int = Field(gt=0)
    on: date
    in_public: bool = False  # a street event or open meeting (22条の6)


class TicketPayment(_Model):
    party: str
    party_date: date
    payer_id: str
    amount: int = Field(gt=0)
    paid_on: date
    by_transfer: bool = True


class ExpenseCategory(enum.Enum):
    PERSONNEL = "人件費"
    UTILITIES = "光熱水費"
    SUPPLIES = "備品・消耗品費"
    OFFICE = "事務所費"
    ORGANIZATION = "組織活動費"
    ELECTION = "選挙関係費"
    PUBLICATION = "機関紙誌の発行事業費"
    PUBLICITY = "宣伝事業費"
    PARTY_EVENT = "政治資金パーティー開催事業費"
    OTHER_BUSINESS = "その他の事業費"
    RESEARCH = "調査研究費"
    DONATIONS_GRANTS = "寄附・交付金"
    OTHER = "その他の経費"


#: 経常経費 (その14); the rest are 政治活動費 (その15).
RUNNING_COSTS = frozenset(
    {
        ExpenseCategory.PERSONNEL,
        ExpenseCategory.UTILITIES,
        ExpenseCategory.SUPPLIES,
        ExpenseCategory.OFFICE,
    }
)


class Expenditure(_Model):
    category: ExpenseCategory
    amount: int = Field(gt=0)
    on: date
    payee: str = ""
    purpose: str = ""
    to_candidate: bool = False  # a donation to an individual candidate


class Income(_Model):
    """その2 総括表: the income by kind, as declared."""

    membership_fees: int = Field(0, ge=0)
    donations: int = Field(0, ge=0)
    business: int = Field(0, ge=0)  # その3, including party-ticket income
    loans: int = Field(0, ge=0)
    grants: int = Field(0, ge=0)  # 本部・支部からの交付金
    other: int = Field(0, ge=0)
    total: int = Field(ge=0)


class AssetItem(_Model):
    kind: str
    amount: int = Field(ge=0)


class AnnualReport(_Model):
    organization_name: str
    organization_kind: OrganizationKind
    fund_management_body: bool = False
    diet_member_related: bool = False
    #: 代表者 and 会計責任者 as written on その1 (the filing pages prefill them from the 届出).
    representative: str = ""
    treasurer: str = ""
    # The law table (jichi.funds.law) starts in 1995 (政党助成法): an earlier year is a shape
    # error at ``year``, not a rule "not yet in force" at some line of the report.
    year: int = Field(ge=1995, le=2200)
    carried_over: int = Field(ge=0)
    income: Income
    donors: tuple[Donor, ...] = ()
    donations: tuple[Donation, ...] = ()
    ticket_payments: tuple[TicketPayment, ...] = ()
    expenditures: tuple[Expenditure, ...] = ()
    expenditure_total: int = Field(ge=0)
    carried_forward: int
    assets: tuple[AssetItem, ...] = ()
    debts: tuple[AssetItem, ...] = ()

    @property
    def party_side(self) -> bool:
        return self.organization_kind in PARTY_SIDE and not self.fund_management_body


def _yen(n: int) -> str:
    return f"{n:,}"


class _Checker:
    def __init__(self, report: AnnualReport, table: Table) -> None:
        self.report = report
        self.table = table
        self.findings: list[Finding] = []
        self.year_start = date(report.year, 1, 1)

    def add(
        self,
        kind: ErrorKind,
        line: str,
        article: str,
        severity: Severity = Severity.ERROR,
        **params: Any,
    ) -> None:
        self.findings.append(Finding(kind, severity, line, article, params))

    def rule(self, rule: str, on: date) -> tuple[int, str]:
        version = law.in_force(rule, on, table=self.table)
        assert not isinstance(version.value, bool)
        return version.value, version.article

    def sums(self) -> None:
        r, i = self.report, self.report.income
        parts = i.membership_fees + i.donations + i.business + i.loans + i.grants + i.other
        checks = [
            ("income.total", "本年収入", "the year's income", i.total, parts),
            (
                "income.donations",
                "寄附",
                "donations",
                i.donations,
                sum(d.amount for d in r.donations),
            ),
            (
                "expenditure_total",
                "支出",
                "expenditure",
                r.expenditure_total,
                sum(e.amount for e in r.expenditures),
            ),
            (
                "carried_forward",
                "翌年繰越",
                "the carry-forward",
                r.carried_forward,
                r.carried_over + i.total - r.expenditure_total,
            ),
        ]
        for line, what, what_en, declared, computed in checks:
            if declared != computed:
                self.add(
                    SUM_MISMATCH,
                    line,
                    "政治資金規正法12条1項",
                    what=what,
                    what_en=what_en,
                    declared=_yen(declared),
                    computed=_yen(computed),
                )

    def donations(self) -> None:
        r = self.report
        donors = {d.donor_id: d for d in r.donors}
        for i, donor in enumerate(r.donors):
            if donor.corporate_number is not None:
                try:
                    validate(IdKind.CORPORATE_NUMBER, donor.corporate_number)
                except JichiError:
                    self.add(
                        BAD_CORPORATE_NUMBER,
                        f"donors[{i}].corporate_number",
                        "法人番号（番号法39条）",
                        donor=donor.name,
                    )
        running: dict[str, int] = defaultdict(int)
        flagged: set[str] = set()
        for n, gift in enumerate(r.donations):
            line = f"donations[{n}]"
            if gift.on.year != r.year:
                self.add(
                    OUTSIDE_YEAR, line, "政治資金規正法12条1項", on=gift.on.isoformat(), year=r.year
                )
            if gift.donor_id is None:
                cap, article = self.rule("anonymous_max", gift.on)
                if not (r.party_side and gift.in_public and gift.amount <= cap):
                    self.add(ANONYMOUS_NOT_ALLOWED, line, article, cap=_yen(cap))
                continue
            found = donors.get(gift.donor_id)
            if found is None:
                self.add(UNKNOWN_DONOR, line, "政治資金規正法12条1項", donor_id=gift.donor_id)
                continue
            donor = found
            if donor.foreign and not donor.listed_five_years:
                self.add(FOREIGN_DONOR, line, "政治資金規正法22条の5", donor=donor.name)
            if donor.kind in BODY_KINDS and not r.party_side:
                self.add(COMPANY_TO_WRONG_RECIPIENT, line, "政治資金規正法21条1項")
            running[donor.donor_id] += gift.amount
            cap_article = self._cap(donor, gift.on)
            over = cap_article is not None and running[donor.donor_id] > cap_article[0]
            if cap_article is not None and over and donor.donor_id not in flagged:
                flagged.add(donor.donor_id)
                self.add(
                    PER_RECIPIENT_CAP,
                    line,
                    cap_article[1],
                    donor=donor.name,
                    cap=_yen(cap_article[0]),
                    total=_yen(running[donor.donor_id]),
                )
        threshold, article = self.rule("donation_disclosure_over", self.year_start)
        for donor_id, total in running.items():
            self._details(donors[donor_id], total, threshold, article, f"donors[{donor_id}]")

    def _cap(self, donor: Donor, on: date) -> tuple[int, str] | None:
        """The cap on one donor's yearly total to this recipient, if one applies."""
        if donor.kind is DonorKind.INDIVIDUAL:
            if self.report.party_side:
                return self.rule("individual_total_to_parties", on)
            if donor.is_recipients_candidate and self.report.fund_management_body:
                return self.rule("candidate_own_to_fund_body", on)
            return self.rule("individual_per_recipient", on)
        if donor.kind in BODY_KINDS and self.report.party_side and donor.scale is not None:
            cap = law.body_total_cap(BODY_KINDS[donor.kind], donor.scale, on, table=self.table)
            return cap, "政治資金規正法21条の3"
        return None

    def _details(self, donor: Donor, total: int, threshold: int, article: str, line: str) -> None:
        if total <= threshold:
            return
        missing = [("氏名", "name", donor.name), ("住所", "address", donor.address)]
        if donor.kind is DonorKind.INDIVIDUAL:
            missing.append(("職業", "occupation", donor.occupation))
        absent = [(ja, en) for ja, en, value in missing if not value.strip()]
        if absent:
            self.add(
                DISCLOSURE_DETAILS_MISSING,
                line,
                article,
                who=donor.name or donor.donor_id,
                total=_yen(total),
                threshold=_yen(threshold),
                missing="・".join(ja for ja, _ in absent),
                missing_en=", ".join(en for _, en in absent),
            )

    def tickets(self) -> None:
        donors = {d.donor_id: d for d in self.report.donors}
        totals: dict[tuple[str, str], int] = defaultdict(int)
        dates: dict[tuple[str, str], tuple[date, date]] = {}
        for n, pay in enumerate(self.report.ticket_payments):
            line = f"ticket_payments[{n}]"
            key = (pay.party, pay.payer_id)
            totals[key] += pay.amount
            first = dates.get(key)
            dates[key] = (pay.party_date, min(pay.paid_on, first[1]) if first else pay.paid_on)
            cap, article = self.rule("party_ticket_per_payer", pay.party_date)
            if totals[key] > cap and totals[key] - pay.amount <= cap:
                self.add(
                    TICKET_OVER_CAP,
                    line,
                    article,
                    payer=pay.payer_id,
                    party=pay.party,
                    cap=_yen(cap),
                    total=_yen(totals[key]),
                )
            transfer = law.in_force("party_fee_by_bank_transfer", pay.paid_on, table=self.table)
            if transfer.value and not pay.by_transfer:
                self.add(
                    TICKET_NOT_BY_TRANSFER,
                    line,
                    transfer.article,
                    Severity.WARNING,
                    paid_on=pay.paid_on.isoformat(),
                )
            if pay.payer_id not in donors:
                self.add(UNKNOWN_DONOR, line, "政治資金規正法12条1項", donor_id=pay.payer_id)
        for (party, payer_id), total in totals.items():
            party_date, paid_on = dates[(party, payer_id)]
            threshold = law.party_ticket_threshold(party_date, paid_on, table=self.table)
            article = law.in_force(
                "party_ticket_disclosure_over", min(party_date, paid_on), table=self.table
            ).article
            if payer_id in donors:
                self._details(
                    donors[payer_id],
                    total,
                    threshold,
                    article,
                    f"ticket_payments[{party}][{payer_id}]",
                )

    def expenditures(self) -> None:
        r = self.report
        for n, spend in enumerate(r.expenditures):
            line = f"expenditures[{n}]"
            if spend.on.year != r.year:
                self.add(
                    OUTSIDE_YEAR,
                    line,
                    "政治資金規正法12条1項",
                    on=spend.on.isoformat(),
                    year=r.year,
                )
            if spend.to_candidate and r.organization_kind is OrganizationKind.PARTY:
                allowed = law.in_force("party_may_donate_to_candidate", spend.on, table=self.table)
                if not allowed.value:
                    self.add(PARTY_TO_CANDIDATE, line, allowed.article, on=spend.on.isoformat())
            threshold, article, bound = self._expense_threshold(spend)
            if threshold is not None and not (spend.payee.strip() and spend.purpose.strip()):
                self.add(
                    EXPENSE_DETAILS_MISSING, line, article, threshold=_yen(threshold), bound=bound
                )

    def _expense_threshold(self, spend: Expenditure) -> tuple[int | None, str, str]:
        r = self.report
        if r.diet_member_related and spend.category is not ExpenseCategory.PERSONNEL:
            limit, article = self.rule("diet_related_expense_itemised_over", self.year_start)
            if spend.amount > limit:
                return limit, article, "超"
        limit, article = self.rule("expenditure_itemised_from", self.year_start)
        is_running = spend.category in RUNNING_COSTS
        itemised = not is_running or (
            r.fund_management_body and spend.category is not ExpenseCategory.PERSONNEL
        )
        if itemised and spend.amount >= limit:
            return limit, article, "以上"
        return None, "", ""


REPORT_SHAPE = define(
    "FND-008",
    "収支報告書の{field}の形式が正しくありません（{reason}）。",
    "report field {field} has the wrong shape ({reason})",
    params=("field", "reason"),
)


def parse_report(data: Any) -> AnnualReport:
    """A report from JSON data; the first shape error is a typed error at its path."""
    try:
        return AnnualReport.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "$"
        raise JichiError(REPORT_SHAPE, field=where, reason=first["msg"]) from None


def check(report: AnnualReport, *, table: Table = law.RULES) -> list[Finding]:
    """Every finding in a report, in the order of its lines; empty when it may be accepted."""
    checker = _Checker(report, table)
    checker.sums()
    checker.donations()
    checker.tickets()
    checker.expenditures()
    return checker.findings
