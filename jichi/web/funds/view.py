"""A report as the pages show it: JSON read strictly, every problem at its line, a diff.

The filer's JSON is parsed here, not by FastAPI, so that every shape error (pydantic) and
every legal finding (:func:`jichi.funds.reports.check`) is shown at once, each at the row
of the table it concerns (``donations[1]`` → the second row of the donations table).
NUL, lone surrogates, deep nesting and oversized input are refused as typed errors.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from jichi.funds.reports import REPORT_SHAPE, AnnualReport, Finding, Severity, check
from jichi.kernel.errors import JichiError, define

BAD_REPORT_JSON = define(
    "FND-090",
    "収支報告書の JSON が正しくありません: {reason}",
    "the report's JSON is not readable: {reason_en}",
    params=("reason", "reason_en"),
)

MAX_JSON_BYTES = 1_000_000
MIN_YEAR, MAX_YEAR = 1948, 2200  # 政治資金規正法 (1948) to the public search's bound
MAX_DEPTH = 20

#: The entry steps, in order: (key, title, the report fields shown in the step).
STEPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "organization",
        "1. 政治団体",
        (
            "organization_name",
            "organization_kind",
            "fund_management_body",
            "diet_member_related",
            "year",
            "carried_over",
        ),
    ),
    ("income", "2. 収入", ("income",)),
    ("donations", "3. 寄附者と寄附", ("donors", "donations")),
    ("tickets", "4. パーティー対価", ("ticket_payments",)),
    ("expenditures", "5. 支出", ("expenditures", "expenditure_total")),
    ("assets", "6. 資産・負債と翌年繰越", ("assets", "debts", "carried_forward")),
)

LABELS = {
    "organization_name": "政治団体の名称",
    "organization_kind": "団体の種類",
    "fund_management_body": "資金管理団体",
    "diet_member_related": "国会議員関係政治団体",
    "year": "報告年",
    "carried_over": "前年繰越額（円）",
    "expenditure_total": "支出総額（円）",
    "carried_forward": "翌年繰越額（円）",
    "membership_fees": "党費・会費",
    "donations": "寄附",
    "business": "事業収入",
    "loans": "借入金",
    "grants": "交付金",
    "other": "その他の収入",
    "total": "本年収入額",
}

#: The columns of each table of lines (field, heading).
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "donors": (
        ("donor_id", "寄附者 ID"),
        ("kind", "種類"),
        ("name", "氏名・名称"),
        ("address", "住所"),
        ("occupation", "職業"),
    ),
    "donations": (
        ("donor_id", "寄附者 ID"),
        ("amount", "金額（円）"),
        ("on", "年月日"),
        ("in_public", "街頭・公開の場"),
    ),
    "ticket_payments": (
        ("party", "パーティー"),
        ("party_date", "開催日"),
        ("payer_id", "支払者 ID"),
        ("amount", "金額（円）"),
        ("paid_on", "支払日"),
        ("by_transfer", "口座振込"),
    ),
    "expenditures": (
        ("category", "費目"),
        ("amount", "金額（円）"),
        ("on", "年月日"),
        ("payee", "支出先"),
        ("purpose", "目的"),
    ),
    "assets": (("kind", "種類"), ("amount", "金額（円）")),
    "debts": (("kind", "種類"), ("amount", "金額（円）")),
}
TABLE_TITLES = {
    "donors": "寄附者",
    "donations": "寄附",
    "ticket_payments": "パーティー対価の支払",
    "expenditures": "支出",
    "assets": "資産",
    "debts": "負債",
}


@dataclass(frozen=True)
class Problem:
    """One error or warning at one line of the report."""

    line: str  # "donations[1]", "income.total", "report"
    code: str
    message: str
    article: str = ""
    warning: bool = False
    detail: str = ""  # the field inside the line, for a shape error


@dataclass
class Checked:
    """What the filer sent, read as far as it goes, with every problem."""

    text: str
    data: dict[str, Any] = field(default_factory=dict)
    report: AnnualReport | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.warning]

    def at(self, line: str) -> list[Problem]:
        return [p for p in self.problems if p.line == line]

    def under(self, *prefixes: str) -> list[Problem]:
        """Problems of scalar lines in a step (not those shown at a table row)."""
        return [
            p
            for p in self.problems
            if any(p.line == x or p.line.startswith(x + ".") for x in prefixes)
        ]


def anchor(line: str) -> str:
    """An HTML id for a line path (ids only of ASCII letters, digits and hyphens)."""
    return "line-" + (re.sub(r"[^A-Za-z0-9]+", "-", line).strip("-") or "report")


def _bad_text(value: Any, depth: int = 0) -> str | None:
    if depth > MAX_DEPTH:
        return "入れ子が深すぎます。"
    if isinstance(value, str):
        if "\x00" in value or any(0xD800 <= ord(c) <= 0xDFFF for c in value):
            return "使えない文字（NUL・不正なサロゲート）が含まれています。"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if (found := _bad_text(key, depth + 1)) or (found := _bad_text(item, depth + 1)):
                return found
    if isinstance(value, list):
        for item in value:
            if found := _bad_text(item, depth + 1):
                return found
    return None


def _line_of(loc: tuple[Any, ...]) -> tuple[str, str]:
    """A pydantic location as (line path, field inside it)."""
    if not loc:
        return "report", ""
    head = str(loc[0])
    if len(loc) >= 2 and isinstance(loc[1], int):
        return f"{head}[{loc[1]}]", ".".join(str(x) for x in loc[2:])
    if head == "income" and len(loc) >= 2:
        return f"income.{loc[1]}", ""
    return head, ".".join(str(x) for x in loc[1:])


def read(text: str) -> Checked:
    """Parse and check a report's JSON; never raises for bad input."""
    result = Checked(text)
    if len(text.encode("utf-8", "surrogatepass")) > MAX_JSON_BYTES:
        result.problems.append(_bad("1MB以内にしてください。", "over 1 MB"))
        return result
    if not text.strip():
        result.problems.append(_bad("入力するか、ファイルを選んでください。", "empty"))
        return result
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        result.problems.append(
            _bad(f"JSON として読めません（{error.lineno}行 {error.colno}文字目）。", "not JSON")
        )
        return result
    except RecursionError:
        where = ""
        result.problems.append(_bad(f"JSON として読めません{where}。", "not JSON"))
        return result
    if not isinstance(data, dict):
        result.problems.append(_bad("{…} のオブジェクトにしてください。", "not an object"))
        return result
    if bad := _bad_text(data):
        result.problems.append(_bad(bad, "bad characters or nesting"))
        return result
    result.data = data
    try:
        report = AnnualReport.model_validate(data)
    except ValidationError as error:
        for item in error.errors(include_input=False):
            line, detail = _line_of(tuple(item["loc"]))
            path = ".".join(str(x) for x in item["loc"]) or "$"
            shape = JichiError(REPORT_SHAPE, field=path, reason=item["msg"])
            result.problems.append(Problem(line, shape.code, shape.message_ja, detail=detail))
        return result
    if not MIN_YEAR <= report.year <= MAX_YEAR:
        shape = JichiError(REPORT_SHAPE, field="year", reason=f"{MIN_YEAR}〜{MAX_YEAR}")
        result.problems.append(Problem("year", shape.code, shape.message_ja))
        return result
    result.report = report
    try:
        findings = check(report)
    except JichiError as error:  # a date the law table does not reach (before 1948, say)
        result.problems.append(Problem(error.field or "report", error.code, error.message_ja))
        return result
    except (ValueError, OverflowError) as error:
        shape = JichiError(REPORT_SHAPE, field="year", reason=str(error)[:100])
        result.problems.append(Problem("year", shape.code, shape.message_ja))
        return result
    for finding in findings:
        result.problems.append(_problem(finding, data))
    return result


def _bad(reason: str, reason_en: str) -> Problem:
    error = JichiError(BAD_REPORT_JSON, field="report", reason=reason, reason_en=reason_en)
    return Problem("report", error.code, error.message_ja)


def _problem(finding: Finding, data: dict[str, Any]) -> Problem:
    error = finding.error()
    return Problem(
        donor_line(data, finding.line),
        finding.code,
        error.message_ja,
        finding.article,
        warning=finding.severity is Severity.WARNING,
    )


def rows(data: dict[str, Any], name: str) -> list[tuple[str, list[str]]]:
    """The rows of one table of lines as (line path, cells), from whatever was sent."""
    items = data.get(name)
    if not isinstance(items, list):
        return []
    out: list[tuple[str, list[str]]] = []
    for n, item in enumerate(items[:10_000]):
        cells = [_cell(item.get(k)) if isinstance(item, dict) else "" for k, _ in COLUMNS[name]]
        out.append((f"{name}[{n}]", cells))
    return out


def donor_line(data: dict[str, Any], line: str) -> str:
    """Donor findings are keyed by donor id (``donors[d1]``); show them at the donor's row."""
    match = re.fullmatch(r"donors\[(.+)\]", line)
    if match is None or match.group(1).isdigit():
        return line
    donors = data.get("donors")
    if isinstance(donors, list):
        for n, donor in enumerate(donors):
            if isinstance(donor, dict) and donor.get("donor_id") == match.group(1):
                return f"donors[{n}]"
    return line


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "はい"
    if value is False:
        return "いいえ"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)[:200]


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    """Every leaf of a JSON document by its path (``donations[0].amount``)."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{path}.{key}" if path else str(key)))
        return out
    if isinstance(value, list):
        out = {}
        for n, item in enumerate(value):
            out.update(flatten(item, f"{path}[{n}]"))
        return out
    return {path: value}


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(path, before, after) for every leaf that differs between two versions."""
    before, after = flatten(old), flatten(new)
    return [
        (path, _cell(before.get(path)), _cell(after.get(path)))
        for path in sorted(set(before) | set(after))
        if before.get(path) != after.get(path)
    ]


def read_model(document: dict[str, Any]) -> Checked:
    """A stored version checked again (by today's rules), for the authority's review."""
    return read(json.dumps(document, ensure_ascii=False))
