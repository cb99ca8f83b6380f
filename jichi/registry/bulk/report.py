"""What an import or export tells its caller: totals that reconcile, and every issue."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class RowIssue:
    """Why a row was not imported: where (line, column), what (code) and the words."""

    line: int
    column: str | None
    code: str
    message_ja: str
    message_en: str
    source_id: str = ""
    cause: str | None = None  # the underlying code (ERA-003, ID-004, TXT-002 …)


@dataclass(frozen=True)
class ImportProgress:
    """Passed to the progress callback after each batch (committed or empty)."""

    batch: int
    rows_done: int
    rows_total: int
    imported: int
    unchanged: int
    rejected: int


@dataclass
class ImportReport:
    source: str
    sha256: str
    lg_code: str
    rows_read: int = 0
    imported: int = 0
    unchanged: int = 0
    rejected: int = 0
    households_imported: int = 0
    batches_committed: int = 0
    notification_ids: list[str] = field(default_factory=list)
    mapped_columns: list[str] = field(default_factory=list)
    archived_columns: list[str] = field(default_factory=list)
    issues: list[RowIssue] = field(default_factory=list)
    statistics_refreshed: int = 0  # ANALYZE runs (PostgreSQL), see the module docstring
    indexes_deferred: int = 0  # built after the load into an empty registry (indexes.py)

    @property
    def columns_read(self) -> int:
        return len(self.mapped_columns) + len(self.archived_columns)

    @property
    def reconciles(self) -> bool:
        return self.rows_read == self.imported + self.unchanged + self.rejected


@dataclass(frozen=True)
class ExportReport:
    path: str
    sha256: str
    persons: int
    households: int
    individual_numbers: int
    columns: int
    archived_columns: list[str]


def write_issue_report(issues: Iterable[RowIssue], path: Path | str) -> None:
    """The rejected rows as CSV (line, column, code, messages, source_id, cause)."""
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["line", "column", "code", "message_ja", "message_en", "source_id", "cause"]
        )
        for i in issues:
            writer.writerow(
                [
                    i.line,
                    i.column or "",
                    i.code,
                    i.message_ja,
                    i.message_en,
                    i.source_id,
                    i.cause or "",
                ]
            )
