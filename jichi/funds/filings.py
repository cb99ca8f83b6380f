"""Filing and amending (訂正) annual reports: checked, then stored as a new version.

Filing does not publish: the public search shows a version only after the authority
publishes it (:mod:`jichi.funds.publication`).  A report with any error finding is not
stored: the first error is raised as a :class:`JichiError` (the others travel in
``findings``), so the filer corrects and files again.  Warnings are stored with the
version.  Two clerks amending at once cannot both write version N+1: the primary key
refuses the second, reported as FND-061.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from jichi.funds.law import RULES, Table, filing_deadline
from jichi.funds.reports import AnnualReport, Finding, Severity, check
from jichi.funds.tables import funds_report
from jichi.kernel.clock import now as clock_now
from jichi.kernel.clock import today as clock_today
from jichi.kernel.errors import JichiError, define

REPORT_REJECTED = define(
    "FND-060",
    "収支報告書に{count}件の誤りがあるため受け付けられません。最初の誤り: {first}",
    "the report has {count} error(s) and cannot be accepted; first: {first_en}",
    params=("count", "first", "first_en"),
)
VERSION_CONFLICT = define(
    "FND-061",
    "同じ収支報告書が同時に訂正されました。最新の版を確認してから、もう一度訂正してください。",
    "the report was amended at the same time by someone else; reload and amend again",
    http_status=409,
)
NO_REPORT = define(
    "FND-062",
    "{organization_id}の{year}年分の収支報告書は提出されていません。",
    "no report of {organization_id} for {year} has been filed",
    http_status=404,
    params=("organization_id", "year"),
)
ALREADY_FILED = define(
    "FND-063",
    "{organization_id}の{year}年分の収支報告書は提出済みです。変更は訂正として届け出てください。",
    "a report of {organization_id} for {year} is already filed; file an amendment instead",
    http_status=409,
    params=("organization_id", "year"),
)
REASON_REQUIRED = define(
    "FND-064",
    "訂正の理由を入力してください。",
    "an amendment needs its reason",
)


FILED_LATE = define(
    "FND-065",
    "提出期限（{deadline}）を過ぎて提出されました（{filed_on}）（{article}）",
    "filed on {filed_on}, after the deadline of {deadline} ({article})",
    params=("deadline", "filed_on", "article"),
)


@dataclass(frozen=True)
class Filed:
    organization_id: str
    year: int
    version: int
    filed_at: datetime
    reason: str
    report: AnnualReport
    warnings: tuple[dict[str, Any], ...]
    published_at: datetime | None = None
    published_by: str | None = None


def _errors_or_warnings(report: AnnualReport, table: Table) -> list[Finding]:
    findings = check(report, table=table)
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if errors:
        first = errors[0].error()
        raise JichiError(
            REPORT_REJECTED,
            field=errors[0].line,
            count=len(errors),
            first=f"{first.code} {first.message_ja}",
            first_en=f"{first.code} {first.message_en}",
        )
    return findings


def _latest_version(engine: Engine, organization_id: str, year: int) -> int:
    with engine.connect() as conn:
        value = conn.execute(
            sa.select(sa.func.max(funds_report.c.version)).where(
                funds_report.c.organization_id == organization_id, funds_report.c.year == year
            )
        ).scalar()
    return int(value or 0)


def _store(
    engine: Engine,
    organization_id: str,
    report: AnnualReport,
    version: int,
    reason: str,
    warnings: list[Finding],
    table: Table = RULES,
) -> Filed:
    now = clock_now()
    shown = tuple(
        {"code": w.code, "line": w.line, "article": w.article, "message_ja": w.error().message_ja}
        for w in warnings
    )
    try:
        with engine.begin() as conn:
            conn.execute(
                funds_report.insert().values(
                    organization_id=organization_id,
                    year=report.year,
                    version=version,
                    filed_at=now,
                    reason=reason,
                    report=report.model_dump(mode="json"),
                    warnings=list(shown),
                )
            )
    except IntegrityError:
        raise JichiError(VERSION_CONFLICT, field="version") from None
    return Filed(organization_id, report.year, version, now, reason, report, shown)


def file_report(
    engine: Engine,
    organization_id: str,
    report: AnnualReport,
    *,
    filed_on: date | None = None,
    election_overlap: bool = False,
    table: Table = RULES,
) -> Filed:
    """The original filing (version 1); refused when one is already filed.

    A filing after the 12条 deadline is accepted with a warning: the law's sanction (17条,
    two years unfiled) is not the receiving clerk's to apply at the counter.
    """
    warnings = _errors_or_warnings(report, table)
    today = filed_on or clock_today()
    deadline = filing_deadline(
        report.year,
        diet_member_related=report.diet_member_related,
        election_overlap=election_overlap,
    )
    if today > deadline:
        params = {"deadline": deadline.isoformat(), "filed_on": today.isoformat()}
        warnings.append(
            Finding(FILED_LATE, Severity.WARNING, "filed_on", "政治資金規正法12条1項", params)
        )
    if _latest_version(engine, organization_id, report.year):
        raise JichiError(
            ALREADY_FILED, field="year", organization_id=organization_id, year=report.year
        )
    return _store(engine, organization_id, report, 1, "", warnings, table)


def amend_report(
    engine: Engine,
    organization_id: str,
    report: AnnualReport,
    *,
    reason: str,
    expected_version: int,
    table: Table = RULES,
) -> Filed:
    """A 訂正: the whole corrected report as version ``expected_version + 1``.

    ``expected_version`` is the version the clerk corrected; if someone amended since, the
    write is refused rather than silently replacing their correction.
    """
    if not reason.strip():
        raise JichiError(REASON_REQUIRED, field="reason")
    warnings = _errors_or_warnings(report, table)
    latest = _latest_version(engine, organization_id, report.year)
    if latest == 0:
        raise JichiError(NO_REPORT, field="year", organization_id=organization_id, year=report.year)
    if latest != expected_version:
        raise JichiError(VERSION_CONFLICT, field="version")
    return _store(engine, organization_id, report, latest + 1, reason, warnings, table)


def versions(engine: Engine, organization_id: str, year: int) -> list[Filed]:
    """Every version as filed, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(funds_report)
            .where(funds_report.c.organization_id == organization_id, funds_report.c.year == year)
            .order_by(funds_report.c.version)
        ).all()
    return [
        Filed(
            row.organization_id,
            row.year,
            row.version,
            row.filed_at,
            row.reason,
            AnnualReport.model_validate(row.report),
            tuple(row.warnings),
            row.published_at,
            row.published_by,
        )
        for row in rows
    ]


def latest(engine: Engine, organization_id: str, year: int) -> Filed:
    found = versions(engine, organization_id, year)
    if not found:
        raise JichiError(NO_REPORT, field="year", organization_id=organization_id, year=year)
    return found[-1]
