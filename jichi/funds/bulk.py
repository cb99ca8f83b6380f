"""Data in and out of the funds registry: a year's filings imported, the published data exported.

**Import** (``jichi funds import FILE.jsonl``): one filing a line,
``{"organization_id", "filed_on", "report": {…AnnualReport…}}``, as an authority receives a
whole year's filings.  Each line is checked and filed on its own (one line's error never
blocks another's), and re-running the same file changes nothing: a line whose report
equals the latest filed version is ``unchanged``; a different report for an organisation
that has already filed that year is a ``conflict`` (a 訂正 is a deliberate act with a
reason, never a side effect of an import).

**Export** (``jichi funds export --year Y --out DIR``): the published lines and totals of a
year as JSON, CSV in UTF-8 (with a BOM, so Excel reads it as UTF-8) and CSV in CP932 (for
older Excel), with a ``SHA256SUMS`` file in the format ``sha256sum -c`` checks.  Names are
kept exactly as filed (in the CSV files, text starting with = + - @ gets a leading ' so a
spreadsheet does not run it as a formula); a character CP932 cannot hold (𠮷; 髙 is fine)
is written as 〓 in the CP932 file only, and the count of such substitutions is in the
JSON's ``cp932_substituted``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine

from jichi.funds.filings import file_report, latest
from jichi.funds.public_search import Search, search, totals
from jichi.funds.reports import parse_report
from jichi.kernel.errors import JichiError, define

MAX_LINE = 2_000_000  # characters of one JSON line
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

BAD_LINE = define(
    "FND-072",
    "{line}行目を読み取れません（{reason}）。",
    "line {line} cannot be read: {reason}",
    params=("line", "reason"),
)

LINE_COLUMNS = (
    "organization_id",
    "organization_name",
    "year",
    "seq",
    "kind",
    "donor_kind",
    "name",
    "address",
    "occupation",
    "amount",
    "on",
)
TOTAL_COLUMNS = (
    "organization_id",
    "organization_name",
    "year",
    "version",
    "income_total",
    "donations",
    "donations_listed",
    "donations_unlisted",
    "anonymous",
    "party_tickets_listed",
    "expenditure_total",
    "lines",
)


@dataclass(frozen=True)
class LineResult:
    line: int
    status: str  # filed / unchanged / conflict / refused
    organization_id: str | None = None
    year: int | None = None
    version: int | None = None
    error: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"line": self.line, "status": self.status}
        for key in ("organization_id", "year", "version", "error"):
            if (value := getattr(self, key)) is not None:
                out[key] = value
        return out


def import_filings(engine: Engine, lines: Iterable[str]) -> list[LineResult]:
    """File each line's report; the per-line report, in file order."""
    results: list[LineResult] = []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            results.append(_import_one(engine, number, text))
        except JichiError as error:
            results.append(LineResult(number, "refused", error=error.to_dict()))
    return results


def _import_one(engine: Engine, number: int, text: str) -> LineResult:
    if len(text) > MAX_LINE:
        raise JichiError(BAD_LINE, field="line", line=number, reason="too long")
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        raise JichiError(BAD_LINE, field="line", line=number, reason=str(error)[:80]) from None
    if not isinstance(data, dict) or not isinstance(data.get("organization_id"), str):
        raise JichiError(BAD_LINE, field="organization_id", line=number, reason="organization_id")
    organization_id = data["organization_id"]
    if not 0 < len(organization_id) <= 100:
        raise JichiError(BAD_LINE, field="organization_id", line=number, reason="organization_id")
    try:
        filed_on = date.fromisoformat(str(data.get("filed_on")))
    except ValueError:
        raise JichiError(BAD_LINE, field="filed_on", line=number, reason="filed_on") from None
    report = parse_report(data.get("report"))
    try:
        current = latest(engine, organization_id, report.year)
    except JichiError:
        current = None
    if current is not None:
        status = "unchanged" if current.report == report else "conflict"
        return LineResult(number, status, organization_id, report.year, current.version)
    filed = file_report(engine, organization_id, report, filed_on=filed_on)
    return LineResult(number, "filed", organization_id, report.year, filed.version)


def export_year(conn: Connection, year: int) -> dict[str, bytes]:
    """The year's published files by name, and SHA256SUMS over them."""
    lines = []
    cursor = None
    while True:
        page = search(conn, Search(year=year, limit=100, cursor=cursor))
        lines += page.lines
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    line_rows = [[_cell(getattr(x, c)) for c in LINE_COLUMNS] for x in lines]
    total_rows = [[_cell(getattr(t, c)) for c in TOTAL_COLUMNS] for t in totals(conn, year=year)]
    cp932_lines, substituted = _cp932(_csv(LINE_COLUMNS, line_rows))
    cp932_totals, more = _cp932(_csv(TOTAL_COLUMNS, total_rows))
    document = {
        "year": year,
        "lines": [dict(zip(LINE_COLUMNS, row, strict=True)) for row in line_rows],
        "totals": [dict(zip(TOTAL_COLUMNS, row, strict=True)) for row in total_rows],
        "cp932_substituted": substituted + more,
    }
    files = {
        f"funds_{year}.json": json.dumps(document, ensure_ascii=False, indent=1).encode(),
        f"funds_{year}_lines.csv": "\ufeff".encode() + _csv(LINE_COLUMNS, line_rows).encode(),
        f"funds_{year}_totals.csv": "\ufeff".encode() + _csv(TOTAL_COLUMNS, total_rows).encode(),
        f"funds_{year}_lines_cp932.csv": cp932_lines,
        f"funds_{year}_totals_cp932.csv": cp932_totals,
    }
    sums = "".join(f"{hashlib.sha256(body).hexdigest()}  {name}\n" for name, body in files.items())
    files["SHA256SUMS"] = sums.encode()
    return files


def _cell(value: Any) -> Any:
    """A CSV cell; text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def _csv(columns: tuple[str, ...], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()


def _cp932(text: str) -> tuple[bytes, int]:
    """CP932 bytes, each character it cannot hold written as 〓; and how many were."""
    out = bytearray()
    substituted = 0
    for char in text:
        try:
            out += char.encode("cp932")
        except UnicodeEncodeError:
            out += "〓".encode("cp932")
            substituted += 1
    return bytes(out), substituted
