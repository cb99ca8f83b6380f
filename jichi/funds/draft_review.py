"""A draft assembled into a 収支報告書 and checked: every problem at its step, field and line.

The draft (:mod:`jichi.funds.drafts`) is text as typed.  :func:`review` reads every amount
(commas, full-width digits and a trailing 円 allowed, through the kernel's width folding)
and every date (西暦 or 和暦, :func:`jichi.kernel.era.parse_date`), builds the report's
donors from the lines (same kind, name and address: one donor, ADR 0033), then runs the
same checks as filing (:func:`jichi.funds.reports.check`) and puts each finding back on the
page where it was typed — ``donations[3]`` on the fourth filled-in donation line,
``donors[d1]`` on the first line of that donor, ``income.total`` on its field.

A line that cannot be read (an amount that is not a number, a date that is no day) is left
out of the checks, so the other lines are still checked and every problem is shown at once;
only the add-up checks (FND-040) wait until every line reads, since their sums would be off.
Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from jichi.funds import law
from jichi.funds.drafts import (
    ANONYMOUS,
    FIELDS,
    INCOME_PARTS,
    LISTS,
    STEP_KEYS,
    Draft,
)
from jichi.funds.reports import (
    REPORT_SHAPE,
    SUM_MISMATCH,
    AnnualReport,
    Finding,
    Severity,
    check,
)
from jichi.kernel.era import parse_date
from jichi.kernel.errors import JichiError, define
from jichi.kernel.text import to_halfwidth_ascii

NOT_AN_AMOUNT = define(
    "FND-120",
    "{label}は金額を数字で入力してください（例: 50,000。全角の数字やカンマも使えます）。",
    "{label_en} must be an amount in yen (digits, commas allowed)",
    params=("label", "label_en"),
)
REQUIRED = define(
    "FND-121",
    "{label}を入力してください。",
    "{label_en} is required",
    params=("label", "label_en"),
)
AMOUNT_TOO_LARGE = define(
    "FND-122",
    "{label}は{most}円以下で入力してください。",
    "{label_en} is over {most} yen",
    params=("label", "label_en", "most"),
)

MAX_AMOUNT = 10**13 - 1  # 10兆円 − 1: far above any report, far below BIGINT
_SEPARATORS = str.maketrans("", "", ", _円")


@dataclass(frozen=True)
class Problem:
    """One error or warning, where the accountant typed it."""

    step: str  # organization, income, donations, tickets, expenditures, assets
    target: str  # the HTML id: a field ("donations-1-amount") or a line ("donations-1")
    code: str
    message: str
    article: str = ""
    warning: bool = False
    #: ``input`` (what was typed cannot be read: shown at once) or ``check`` (the law's
    #: findings, shown once the accountant has asked for 確認).
    source: str = "check"


@dataclass
class Review:
    """A draft's report as far as it reads, and every problem."""

    data: dict[str, Any]
    report: AnnualReport | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.warning]

    def at(self, target: str) -> list[Problem]:
        return [p for p in self.problems if p.target == target]

    def in_step(self, step: str) -> list[Problem]:
        return [p for p in self.problems if p.step == step]

    @property
    def fileable(self) -> bool:
        return self.report is not None and not self.errors


def read_amount(text: Any, *, label: str, field_id: str, required: bool = False) -> int:
    """Yen from what was typed: ``1,600,000``, ``１６００，０００``, ``50000円``; "" is 0."""
    value = to_halfwidth_ascii(text if isinstance(text, str) else "").translate(_SEPARATORS)
    value = value.strip()
    if not value:
        if required:
            raise JichiError(REQUIRED, field=field_id, label=label, label_en=field_id)
        return 0
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise JichiError(NOT_AN_AMOUNT, field=field_id, label=label, label_en=field_id)
    amount = int(value)
    if amount > MAX_AMOUNT:
        raise JichiError(
            AMOUNT_TOO_LARGE, field=field_id, label=label, label_en=field_id, most=f"{MAX_AMOUNT:,}"
        )
    return amount


def read_date(text: Any, *, label: str, field_id: str) -> date:
    value = text.strip() if isinstance(text, str) else ""
    if not value:
        raise JichiError(REQUIRED, field=field_id, label=label, label_en=field_id)
    return parse_date(value[:40], field=field_id)


class _Assembler:
    def __init__(self, draft: Draft, year: int) -> None:
        self.draft = draft
        self.year = year
        self.problems: list[Problem] = []
        #: report list → the draft line index of each report line.
        self.origin: dict[str, list[int]] = {"donations": [], "tickets": [], "expenditures": []}
        self.donor_keys: dict[tuple[str, str, str], str] = {}
        self.donor_lines: dict[str, tuple[str, int]] = {}
        self.donors: list[dict[str, Any]] = []

    def fail(self, step: str, error: JichiError) -> None:
        self.problems.append(
            Problem(step, error.field or "report", error.code, error.message_ja, source="input")
        )

    def scalar_amount(self, name: str) -> int:
        label, step, _ = FIELDS[name]
        try:
            return read_amount(self.draft["fields"].get(name, ""), label=label, field_id=name)
        except JichiError as error:
            self.fail(step, error)
            return 0

    def lines(self, name: str) -> list[tuple[int, dict[str, Any], dict[str, Any]]]:
        """(draft index, typed line, read values) of the filled-in, readable lines."""
        step, _, columns = LISTS[name]
        out = []
        for n, line in enumerate(self.draft["lines"].get(name, [])):
            if not isinstance(line, dict) or _blank(line, columns):
                continue
            read: dict[str, Any] = {}
            ok = True
            for column, label, kind in columns:
                field_id = f"{name}-{n}-{column}"
                raw = line.get(column, "")
                try:
                    if kind == "amount":
                        read[column] = read_amount(
                            raw, label=label, field_id=field_id, required=True
                        )
                    elif kind == "date":
                        read[column] = read_date(raw, label=label, field_id=field_id)
                    elif kind == "flag":
                        read[column] = raw is True
                    else:
                        read[column] = raw.strip() if isinstance(raw, str) else ""
                        if kind == "choice" and not read[column]:
                            raise JichiError(
                                REQUIRED, field=field_id, label=label, label_en=field_id
                            )
                except JichiError as error:
                    self.fail(step, error)
                    ok = False
            if ok and not self._named(name, n, read, columns):
                ok = False
            if ok:
                out.append((n, line, read))
        return out

    def _named(
        self, name: str, n: int, read: dict[str, Any], columns: tuple[tuple[str, str, str], ...]
    ) -> bool:
        """A giver needs a name (an anonymous gift does not); a list item needs its kind."""
        required = {"donations": "name", "tickets": "name", "assets": "kind", "debts": "kind"}
        needed = required.get(name)
        if needed is None or read.get(needed) or read.get("kind") == ANONYMOUS:
            return True
        if name == "tickets" and not read.get("party"):
            needed = "party"
        label = next(lbl for col, lbl, _ in columns if col == needed)
        error = JichiError(REQUIRED, field=f"{name}-{n}-{needed}", label=label, label_en=needed)
        self.fail(LISTS[name][0], error)
        return False

    def donor(self, list_name: str, n: int, line: dict[str, Any], read: dict[str, Any]) -> str:
        key = (read["kind"], read["name"], read.get("address", ""))
        found = self.donor_keys.get(key)
        if found is not None:
            return found
        donor_id = f"d{len(self.donors)}"
        self.donor_keys[key] = donor_id
        self.donor_lines[donor_id] = (list_name, n)
        corporate = to_halfwidth_ascii(str(read.get("corporate_number", ""))).replace("-", "")
        extra = _extra(line)
        donor = {
            "donor_id": donor_id,
            "kind": read["kind"],
            "name": read["name"],
            "address": read.get("address", ""),
            "occupation": read.get("occupation", ""),
            "corporate_number": corporate or None,
            "foreign": bool(read.get("foreign")),
        }
        for key_name in ("scale", "listed_five_years", "is_recipients_candidate"):
            if key_name in extra:
                donor[key_name] = extra[key_name]
        self.donors.append(donor)
        return donor_id

    def assemble(self) -> dict[str, Any]:
        fields = self.draft["fields"]
        for name in ("organization_name", "organization_kind"):
            if not str(fields.get(name, "")).strip():
                label = FIELDS[name][0]
                self.fail(
                    "organization", JichiError(REQUIRED, field=name, label=label, label_en=name)
                )
        donations = []
        for n, line, read in self.lines("donations"):
            anonymous = read["kind"] == ANONYMOUS
            donor_id = None if anonymous else self.donor("donations", n, line, read)
            donations.append(
                {
                    "donor_id": donor_id,
                    "amount": read["amount"],
                    "on": read["on"].isoformat(),
                    "in_public": bool(read.get("in_public")),
                }
            )
            self.origin["donations"].append(n)
        tickets = []
        for n, line, read in self.lines("tickets"):
            tickets.append(
                {
                    "party": read["party"],
                    "party_date": read["party_date"].isoformat(),
                    "payer_id": self.donor("tickets", n, line, read),
                    "amount": read["amount"],
                    "paid_on": read["paid_on"].isoformat(),
                    "by_transfer": bool(read.get("by_transfer")),
                }
            )
            self.origin["tickets"].append(n)
        spending = []
        for n, line, read in self.lines("expenditures"):
            extra = _extra(line)
            spending.append(
                {
                    "category": read["category"],
                    "amount": read["amount"],
                    "on": read["on"].isoformat(),
                    "payee": read["payee"],
                    "purpose": read["purpose"],
                    "to_candidate": extra.get("to_candidate") is True,
                }
            )
            self.origin["expenditures"].append(n)
        assets = {
            name: [
                {"kind": read["kind"], "amount": read["amount"]} for _, _, read in self.lines(name)
            ]
            for name in ("assets", "debts")
        }
        return {
            "organization_name": str(fields.get("organization_name", "")).strip(),
            "organization_kind": str(fields.get("organization_kind", "")),
            "fund_management_body": fields.get("fund_management_body") is True,
            "diet_member_related": fields.get("diet_member_related") is True,
            "representative": str(fields.get("representative", "")),
            "treasurer": str(fields.get("treasurer", "")),
            "year": self.year,
            "carried_over": self.scalar_amount("carried_over"),
            "income": {p: self.scalar_amount(f"income_{p}") for p in INCOME_PARTS},
            "donors": self.donors,
            "donations": donations,
            "ticket_payments": tickets,
            "expenditures": spending,
            "expenditure_total": self.scalar_amount("expenditure_total"),
            "carried_forward": self.scalar_amount("carried_forward"),
            **assets,
        }

    def place(self, line: str, report: AnnualReport) -> tuple[str, str]:
        """(step, HTML id) where a finding's report line was typed."""
        listed = re.fullmatch(
            r"(donations|ticket_payments|expenditures)\[([0-9]+)\](?:\.(\w+))?", line
        )
        if listed:
            name = "tickets" if listed.group(1) == "ticket_payments" else listed.group(1)
            index = int(listed.group(2))
            if index < len(self.origin[name]):
                target = f"{name}-{self.origin[name][index]}"
                column = listed.group(3)
                return name, f"{target}-{column}" if column in _columns(name) else target
        keyed = re.fullmatch(r"ticket_payments\[(.*)\]\[([^\]]*)\]", line)
        if keyed and keyed.group(2) in self.donor_lines:
            party, payer = keyed.group(1), keyed.group(2)
            for k, pay in enumerate(report.ticket_payments):
                if pay.party == party and pay.payer_id == payer:
                    return "tickets", f"tickets-{self.origin['tickets'][k]}"
        donor = re.fullmatch(r"donors\[([^\]]+)\](?:\.(\w+))?", line)
        if donor:
            donor_id = donor.group(1)
            if donor_id.isdigit() and int(donor_id) < len(report.donors):
                donor_id = report.donors[int(donor_id)].donor_id
            if donor_id in self.donor_lines:
                name, n = self.donor_lines[donor_id]
                column = donor.group(2)
                return name, f"{name}-{n}-{column}" if column in _columns(name) else f"{name}-{n}"
        if line.startswith("income."):
            line = "income_" + line.split(".", 1)[1].split(".")[0]
        if line in FIELDS:
            return FIELDS[line][1], line
        return "organization", "organization_name" if line == "year" else "report"


def _extra(line: dict[str, Any]) -> dict[str, Any]:
    """Details carried from a filed report that the pages do not show (see drafts)."""
    extra = line.get("extra")
    return extra if isinstance(extra, dict) else {}


def _columns(name: str) -> set[str]:
    return {column for column, _, _ in LISTS[name][2]}


def _blank(line: dict[str, Any], columns: tuple[tuple[str, str, str], ...]) -> bool:
    return all(
        not str(line.get(column, "")).strip()
        for column, _, kind in columns
        if kind in ("text", "amount", "date")
    )


def review(draft: Draft, year: int, *, table: law.Table = law.RULES) -> Review:
    """The draft's report and every problem in it, each at its step, field and line."""
    builder = _Assembler(draft, year)
    data = builder.assemble()
    result = Review(data, problems=builder.problems)
    unreadable = bool(builder.problems)
    try:
        report = AnnualReport.model_validate(data)
    except ValidationError as error:
        for item in error.errors(include_input=False):
            path = ".".join(str(x) for x in item["loc"]) or "$"
            shape = JichiError(REPORT_SHAPE, field=path, reason=item["msg"])
            step, target = builder.place(_line_of(item["loc"]), AnnualReport.model_construct())
            result.problems.append(Problem(step, target, shape.code, shape.message_ja))
        return result
    try:
        findings = check(report, table=table)
    except (JichiError, ValueError, OverflowError) as error:  # a date the law table lacks
        message = error.message_ja if isinstance(error, JichiError) else str(error)[:100]
        result.problems.append(Problem("organization", "report", "FND-008", message))
        return result
    for finding in findings:
        if unreadable and finding.kind is SUM_MISMATCH:
            continue
        result.problems.append(_problem(builder, finding, report))
    result.report = None if unreadable else report
    return result


def _problem(builder: _Assembler, finding: Finding, report: AnnualReport) -> Problem:
    step, target = builder.place(finding.line, report)
    shown = finding.error()
    return Problem(
        step,
        target,
        finding.code,
        shown.message_ja,
        finding.article,
        warning=finding.severity is Severity.WARNING,
    )


def _line_of(loc: tuple[Any, ...]) -> str:
    if len(loc) >= 2 and isinstance(loc[1], int):
        rest = f".{loc[2]}" if len(loc) > 2 else ""
        return f"{loc[0]}[{loc[1]}]{rest}"
    return ".".join(str(x) for x in loc)


def step_order(step: str) -> int:
    return STEP_KEYS.index(step) if step in STEP_KEYS else 0
