"""Import a whole registry from CSV, and export it again: a municipality can always leave.

The layout is :data:`jichi.registry.layout.COLUMNS` (documented column by column in
``docs/guide/import-export.md``).  Every source column is accounted for (users.md U12):
it is *mapped* to an item of the record, or *archived* unchanged in ``import_archive``
(migration 0004) and written back out by :func:`export_csv`; a file jichi cannot read as a
whole is refused before anything is written.

How an import runs (:func:`import_csv`):

1. A first pass reads only the header and the household column: it checks the header,
   counts the rows (for the progress bar), hashes the file and makes sure the rows of each
   household are contiguous.  Nothing is written if that fails.
2. The second pass streams the rows (``csv`` module, one household in memory at a time),
   validates every row (the :class:`ResidentRecord` model, check digits, 振り仮名) and then
   every household (exactly one 世帯主 among active members, one address).  **The
   household is the unit of import**: when one of its rows is rejected, the whole
   household is, so a household in the registry is never missing a member.
3. Whole households are gathered into batches of about ``batch_size`` rows.  A batch is one
   transaction: for each new person one ``RECORDED`` event (reason ``IMPORT``), the
   resident projection, the household rows, the archive row; one ``notification`` row and
   ONE audit entry for the batch.  A crash loses at most the batch in flight; batches
   already committed stay, and re-running the file imports only what is missing.
4. A person already in the registry with identical content is skipped as unchanged; with
   different content it is rejected ("already imported with different data"), never
   overwritten.  So re-running the same file changes nothing.

Totals reconcile: rows read = imported + unchanged + rejected; columns = mapped + archived.

On PostgreSQL the import refreshes the planner's statistics (``ANALYZE``) of the tables it
fills each time it has doubled what they held at the last refresh.  Each batch looks its
rows up by person, household, resident code and individual number; with statistics of
the empty table those look-ups become sequential scans and a million-row import slows to
a crawl on a server whose autovacuum is off or lags behind (seen on this project's own
benchmark machine).
"""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import json
import os
import re
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, TextIO

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy import Connection, Engine

from jichi.kernel.era import parse_date
from jichi.kernel.errors import ErrorKind, JichiError, define
from jichi.kernel.identifiers import validate as validate_identifier
from jichi.kernel.text import to_halfwidth_ascii, validate_name_kana
from jichi.registry import repository as repo
from jichi.registry.events import EventKind, NotificationKind
from jichi.registry.layout import (
    BY_NAME,
    COLUMN_NAMES,
    COLUMNS,
    OPTIONAL_GROUPS,
    REQUIRED_HEADERS,
    Column,
    Kind,
)
from jichi.registry.model import Address, RemovalReason, ResidentRecord, Status
from jichi.registry.relationship import Relationship
from jichi.registry.service import JST, NUMBER_CONTEXT
from jichi.registry.tables import household, registry_event, resident
from jichi.security import audit
from jichi.security.crypto import FieldCipher
from jichi.store.copy import JsonText, insert_rows
from jichi.store.engine import write_transaction
from jichi.store.metadata import metadata

DEFAULT_BATCH_SIZE = 5000
ANALYZE_FIRST = 10_000  # rows imported before the first statistics refresh
_FILLED_TABLES = ("resident", "household", "registry_event", "import_archive")
ID_NAMESPACE = uuid.UUID("6f1c2b7e-3d0a-5c4e-9b8f-2a6d1e0c4b31")
"""uuid5 namespace of ids made from a source system's ids (never change it)."""
HEAD = "世帯主"
MAX_RELATIONSHIP = 40  # resident.relationship is VARCHAR(40)
_IN_CHUNK = 500  # ids per IN (...) list

import_archive = sa.Table(
    "import_archive",
    metadata,
    sa.Column("person_id", sa.String(36), primary_key=True),
    sa.Column("lg_code", sa.String(6), nullable=False),
    sa.Column("notification_id", sa.String(36), nullable=False),
    sa.Column("source_line", sa.Integer, nullable=False),
    sa.Column("source_id", sa.Text, nullable=False),
    sa.Column("household_source_id", sa.Text, nullable=False),
    sa.Column("columns", sa.JSON, nullable=False),
    sa.Column("row_sha256", sa.String(64), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)
"""Per imported person: source ids, source line, row hash and archived columns (0004)."""


# ---------------------------------------------------------------------------
# Error kinds: BLK-00x refuse the file, BLK-01x/02x a row, BLK-03x a household or a
# conflict with the registry.
# ---------------------------------------------------------------------------

EMPTY_FILE = define(
    "BLK-001",
    "ファイルに見出し行がありません。1行目に列名を書いてください。",
    "the file has no header row; the first line must name the columns",
)
MISSING_COLUMNS = define(
    "BLK-002",
    "必須の列がありません: {columns}",
    "required columns are missing: {columns}",
    params=("columns",),
)
DUPLICATE_COLUMN = define(
    "BLK-003",
    "列名「{column}」が見出し行に2回以上あります。",
    "column {column} appears more than once in the header",
    params=("column",),
)
NOT_UTF8 = define(
    "BLK-004",
    "ファイルを UTF-8 として読めません（{line}行目付近）。文字コードを UTF-8 にしてください。",
    "the file is not valid UTF-8 (near line {line}); convert it to UTF-8",
    params=("line",),
)
NOT_GROUPED = define(
    "BLK-005",
    "世帯「{household}」の行が連続していません（{line}行目）。ファイルを世帯ごとにまとめて並べてください。",
    "the rows of household {household} are not contiguous (line {line}); "
    "sort the file by household",
    params=("household", "line"),
)
UNREADABLE = define(
    "BLK-006",
    "ファイル {path} を読めません（{reason}）。",
    "cannot read {path} ({reason})",
    params=("path", "reason"),
)
NOT_CSV = define(
    "BLK-007",
    "{line}行目を CSV として読めません（引用符の対応などを確認してください）。",
    "line {line} cannot be read as CSV (check the quotes)",
    params=("line",),
)
FIELD_COUNT = define(
    "BLK-010",
    "この行の項目数（{actual}）が見出し行の列数（{expected}）と違います。",
    "the row has {actual} fields but the header has {expected}",
    params=("expected", "actual"),
)
MISSING_VALUE = define(
    "BLK-011",
    "{label}（{column}）が入力されていません。",
    "{column} is required",
    params=("label", "column"),
)
BAD_CHOICE = define(
    "BLK-012",
    "{label}（{column}）の値が使えません。{allowed} のいずれかを入力してください。",
    "{column}: not an accepted value; use one of {allowed_en}",
    params=("label", "column", "allowed", "allowed_en"),
)
BAD_DATE = define(
    "BLK-013",
    "{label}（{column}）の日付が正しくありません。{reason}",
    "{column}: {reason_en}",
    params=("label", "column", "reason", "reason_en"),
)
BAD_KANA = define(
    "BLK-014",
    "{label}（{column}）の振り仮名が正しくありません。{reason}",
    "{column}: {reason_en}",
    params=("label", "column", "reason", "reason_en"),
)
BAD_INDIVIDUAL_NUMBER = define(
    "BLK-015",
    "個人番号（{column}）が正しくありません。{reason}",
    "{column}: {reason_en}",
    params=("column", "reason", "reason_en"),
)
BAD_RESIDENT_CODE = define(
    "BLK-016",
    "住民票コード（{column}）が正しくありません。{reason}",
    "{column}: {reason_en}",
    params=("column", "reason", "reason_en"),
)
BAD_VALUE = define(
    "BLK-017",
    "{label}（{column}）の値が形式に合いません（{reason}）。",
    "{column}: {reason_en}",
    params=("label", "column", "reason", "reason_en"),
)
CONTROL_CHARACTER = define(
    "BLK-018",
    "{label}（{column}）に制御文字（改行・タブ等）が含まれています（{position}文字目）。",
    "{column} contains a control character (line break, tab, ...) at position {position}",
    params=("label", "column", "position"),
)
LEGACY_LISTS = define(
    "BLK-019",
    "外字の列（legacy_code・legacy_identified_as・legacy_identified_by）の件数が揃っていません（{counts}）。",
    "the legacy character lists have different lengths ({counts})",
    params=("counts",),
)
BAD_RELATIONSHIP = define(
    "BLK-024",
    "続柄が住民票の書き方になっていません: {why}",
    "relationship not in the registry's written form: {why_en}",
    params=("why", "why_en"),
)
WRONG_MUNICIPALITY = define(
    "BLK-020",
    "住所の地方公共団体コード（{column}）が移行先の団体（{lg_code}）と違います。",
    "{column} is not the importing municipality ({lg_code})",
    params=("column", "lg_code"),
)
STATUS_MISMATCH = define(
    "BLK-021",
    "住民票の状態と消除の項目が合いません: {why}",
    "status and removal items disagree: {why_en}",
    params=("why", "why_en"),
)
BIRTH_AFTER = define(
    "BLK-022",
    "生年月日（{birth}）が{label}（{other}）より後です。",
    "date of birth {birth} is after {column} {other}",
    params=("birth", "label", "column", "other"),
)
NO_ID = define(
    "BLK-023",
    "{what}がありません。{columns} のどちらかを入力してください。",
    "no {what_en}: fill in {columns}",
    params=("what", "what_en", "columns"),
)
HEAD_COUNT = define(
    "BLK-030",
    "世帯「{household}」の世帯主（現存の世帯員のうち続柄が「世帯主」の人）が{count}人です。一人にしてください。",
    "household {household} has {count} heads among its active members; it needs exactly one",
    params=("household", "count"),
)
HOUSEHOLD_ADDRESS = define(
    "BLK-031",
    "世帯「{household}」の世帯員の住所が世帯主の住所と違います。",
    "a member of household {household} has another address than the head",
    params=("household",),
)
WITH_HOUSEHOLD = define(
    "BLK-032",
    "同じ世帯の{line}行目が取り込めないため、この行も取り込みません（世帯単位で移行します）。",
    "not imported because line {line} of the same household was rejected "
    "(households are imported whole)",
    params=("line",),
)
DIFFERENT_DATA = define(
    "BLK-033",
    "この住民は既に取り込まれていて、内容が異なります。上書きはしません（変更は届出で行ってください）。",
    "already imported with different data; never overwritten (record changes as notifications)",
)
HOUSEHOLD_EXISTS = define(
    "BLK-034",
    "世帯「{household}」は既に取り込まれています。世帯員の追加は届出で行ってください。",
    "household {household} was already imported; add members with a notification",
    params=("household",),
)
DUPLICATE_RESIDENT_CODE = define(
    "BLK-035",
    "この住民票コードは別の住民（{where}）と重複しています。",
    "this resident code is also on another person ({where_en})",
    params=("where", "where_en"),
)
DUPLICATE_INDIVIDUAL_NUMBER = define(
    "BLK-036",
    "この個人番号は別の住民（{where}）と重複しています。",
    "this individual number is also on another person ({where_en})",
    params=("where", "where_en"),
)
DUPLICATE_PERSON = define(
    "BLK-037",
    "同じ個人（person_id）が{line}行目にもあります。",
    "the same person_id is also on line {line}",
    params=("line",),
)


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# Reading cells
# ---------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_TRUE = frozenset({"1", "true", "t", "yes", "y", "はい", "有", "あり", "○", "〇"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "いいえ", "無", "なし", "×"})
_SEX = {"male": "male", "m": "male", "1": "male", "男": "male", "男性": "male"}
_SEX |= {"female": "female", "f": "female", "2": "female", "女": "female", "女性": "female"}
_STATUS = {"active": "active", "現存": "active", "removed": "removed", "消除": "removed"}
_STATUS |= {"除票": "removed"}
_REASONS = {r.value: r.value for r in RemovalReason} | {r.label_ja: r.value for r in RemovalReason}
_CHOICES = {
    Kind.BOOL: "1/0, true/false, はい/いいえ, 有/無",
    Kind.SEX: "male/female, 男/女, 1/2",
    Kind.STATUS: "active/removed, 現存/消除",
    Kind.REMOVAL_REASON: "move_out/move_abroad/death/ex_officio, 転出/国外転出/死亡/職権消除",
}
_CHOICES_EN = {
    Kind.BOOL: "1/0, true/false, yes/no (or hai/iie, u/mu in kanji)",
    Kind.SEX: "male/female, 1/2 (or otoko/onna in kanji)",
    Kind.STATUS: "active/removed",
    Kind.REMOVAL_REASON: "move_out/move_abroad/death/ex_officio",
}


class _CellError(Exception):
    def __init__(self, kind: ErrorKind, cause: str | None = None, **params: Any) -> None:
        super().__init__(kind.code)
        self.kind = kind
        self.cause = cause
        self.params = params


def _wrap(kind: ErrorKind, error: JichiError, col: Column) -> _CellError:
    return _CellError(
        kind,
        error.code,
        column=col.name,
        label=col.label_ja,
        reason=error.message_ja,
        reason_en=error.message_en,
    )


_DATES: dict[str, str] = {}  # cell text → ISO date, for cells that parsed
_DATES_KEPT = 1 << 17


def read_cell(col: Column, value: str) -> Any:
    """The value of a non-empty cell, as the record's JSON holds it; ``_CellError`` if bad."""
    kind = col.kind
    if kind is Kind.TEXT:
        return value
    if kind is Kind.LIST:
        return split_list(value)
    plain = to_halfwidth_ascii(value).strip()
    if kind is Kind.KANA:
        try:
            return validate_name_kana(value, col.name)
        except JichiError as error:
            raise _wrap(BAD_KANA, error, col) from None
    if kind is Kind.DATE:
        if (known := _DATES.get(value)) is not None:
            return known
        try:
            parsed = parse_date(value, field=col.name).isoformat()
        except JichiError as error:
            raise _wrap(BAD_DATE, error, col) from None
        if len(_DATES) < _DATES_KEPT:  # a registry has some tens of thousands of dates
            _DATES[value] = parsed
        return parsed
    if kind is Kind.RESIDENT_CODE:
        try:
            return validate_identifier("residentcode", value, field=col.name).value
        except JichiError as error:
            raise _wrap(BAD_RESIDENT_CODE, error, col) from None
    if kind is Kind.INDIVIDUAL_NUMBER:
        try:
            return validate_identifier("mynumber", value, field=col.name).value
        except JichiError as error:
            raise _wrap(BAD_INDIVIDUAL_NUMBER, error, col) from None
    if kind is Kind.UUID:
        try:
            return str(uuid.UUID(plain))
        except ValueError:
            raise _CellError(
                BAD_VALUE,
                column=col.name,
                label=col.label_ja,
                reason="UUID の形式ではありません",
                reason_en="not a UUID",
            ) from None
    key = plain.lower()
    found: Any = None
    if kind is Kind.BOOL:
        found = True if key in _TRUE else False if key in _FALSE else None
    elif kind is Kind.SEX:
        found = _SEX.get(key)
    elif kind is Kind.STATUS:
        found = _STATUS.get(key)
    elif kind is Kind.REMOVAL_REASON:
        found = _REASONS.get(key)
    if found is None:
        raise _CellError(
            BAD_CHOICE,
            column=col.name,
            label=col.label_ja,
            allowed=_CHOICES[kind],
            allowed_en=_CHOICES_EN[kind],
        )
    return found


def write_cell(col: Column, value: Any) -> str:
    """The text an export writes for a value of the record (``None`` → empty)."""
    if value is None:
        return ""
    if col.kind is Kind.BOOL:
        return "1" if value else "0"
    if col.kind is Kind.LIST:
        return join_list(value)
    return str(value)


def split_list(text: str) -> list[str]:
    r"""``a;b`` → ``["a", "b"]``; ``\;`` is a literal ``;`` and ``\\`` a backslash."""
    items: list[str] = []
    current: list[str] = []
    chars = iter(text)
    for char in chars:
        if char == "\\":
            current.append(next(chars, "\\"))
        elif char == ";":
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    return items


def join_list(values: Sequence[str]) -> str:
    return ";".join(v.replace("\\", "\\\\").replace(";", "\\;") for v in values)


def person_id_for(lg_code: str, source_id: str) -> str:
    """The person_id an import gives the source system's id (stable across re-runs)."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{lg_code}/person/{source_id}"))


@functools.lru_cache(maxsize=4096)  # the rows of a household ask for the same id in turn
def household_id_for(lg_code: str, household_source_id: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{lg_code}/household/{household_source_id}"))


# ---------------------------------------------------------------------------
# Reading the file
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Header:
    names: list[str]
    index: dict[str, int]
    mapped: list[Column]
    archived: list[str]

    @cached_property
    def plan(self) -> list[tuple[Column, int]]:
        """Each mapped column with its position, looked up once per file, not per cell."""
        return [(col, self.index[col.name]) for col in self.mapped]


def _open(path: Path) -> TextIO:
    try:
        return path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise JichiError(UNREADABLE, field="path", path=str(path), reason=reason) from None


def _records(handle: TextIO) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, cells) for each non-blank record."""
    reader = csv.reader(handle, strict=False)
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            raise JichiError(NOT_UTF8, field="file", line=reader.line_num + 1) from None
        except csv.Error:
            raise JichiError(NOT_CSV, field="file", line=reader.line_num) from None
        if cells:
            yield start, cells


def _header(cells: list[str]) -> _Header:
    names = [c.strip() for c in cells]
    index: dict[str, int] = {}
    for position, name in enumerate(names):
        if name in index:
            raise JichiError(DUPLICATE_COLUMN, field="header", column=name)
        index[name] = position
    missing = [name for name in REQUIRED_HEADERS if name not in index]
    if "source_id" not in index and "person_id" not in index:
        missing.append("source_id | person_id")
    if "household_source_id" not in index and "household_id" not in index:
        missing.append("household_source_id | household_id")
    if missing:
        raise JichiError(MISSING_COLUMNS, field="header", columns=", ".join(missing))
    return _Header(
        names=names,
        index=index,
        mapped=[BY_NAME[n] for n in names if n in BY_NAME],
        archived=[n for n in names if n not in BY_NAME],
    )


def _cell(header: _Header, cells: list[str], name: str) -> str:
    position = header.index.get(name)
    if position is None or position >= len(cells):
        return ""
    return cells[position]


def _household_key(header: _Header, cells: list[str], lg_code: str, line: int) -> str:
    """The household a row belongs to, as the grouping key (the resolved household_id)."""
    given = to_halfwidth_ascii(_cell(header, cells, "household_id")).strip()
    if given:
        try:
            return str(uuid.UUID(given))
        except ValueError:
            return f"invalid:{given}"
    source = _cell(header, cells, "household_source_id")
    if source:
        return household_id_for(lg_code, source)
    return f"line:{line}"  # no household: a group of its own (rejected later)


@dataclass(frozen=True)
class _Scan:
    sha256: str
    rows: int


def _scan(path: Path, lg_code: str) -> _Scan:
    """First pass: header, row count, contiguous households, file hash; writes nothing."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as raw:
            for chunk in iter(lambda: raw.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise JichiError(UNREADABLE, field="path", path=str(path), reason=reason) from None
    rows = 0
    with _open(path) as handle:
        records = _records(handle)
        first = next(records, None)
        if first is None:
            raise JichiError(EMPTY_FILE, field="header")
        header = _header(first[1])
        closed: set[str] = set()
        current: str | None = None
        for line, cells in records:
            rows += 1
            key = _household_key(header, cells, lg_code, line)
            if key != current:
                if key in closed:
                    shown = _cell(header, cells, "household_source_id") or _cell(
                        header, cells, "household_id"
                    )
                    raise JichiError(NOT_GROUPED, field="household", household=shown, line=line)
                closed.add(key)
                current = key
    return _Scan(digest.hexdigest(), rows)


# ---------------------------------------------------------------------------
# One row → one record
# ---------------------------------------------------------------------------


@dataclass
class _Row:
    line: int
    source_id: str
    household_source_id: str
    person_id: str = ""
    household_id: str = ""
    record: ResidentRecord | None = None
    number: str | None = None
    number_hash: str | None = None
    archived: dict[str, str] = field(default_factory=dict)
    row_sha256: str = ""
    issues: list[RowIssue] = field(default_factory=list)

    def reject(
        self, kind: ErrorKind, at: str | None, cause: str | None = None, **params: Any
    ) -> None:
        """Record an issue at column ``at``; ``params`` fill the message templates."""
        ja, en = kind.render(params)
        self.issues.append(RowIssue(self.line, at, kind.code, ja, en, self.source_id, cause))


_PATH_TO_COLUMN: dict[tuple[str, ...], str] = {
    path: c.name for c in COLUMNS if (path := c.record_path) is not None
}


def _column_for(loc: Iterable[Any]) -> str | None:
    path = tuple(str(p) for p in loc if not isinstance(p, int))
    while path:
        if path in _PATH_TO_COLUMN:
            return _PATH_TO_COLUMN[path]
        path = path[:-1]
    return None


def _set(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        data = data.setdefault(part, {})
    data[path[-1]] = value


def parse_row(header: _Header, cells: list[str], line: int, lg_code: str) -> _Row:
    """Validate one source row; the result holds the record or the issues (never both)."""
    row = _Row(
        line=line,
        source_id=_cell(header, cells, "source_id"),
        household_source_id=_cell(header, cells, "household_source_id"),
    )
    canonical = json.dumps(
        dict(zip(header.names, cells, strict=False)), ensure_ascii=False, sort_keys=True
    )
    row.row_sha256 = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    if len(cells) != len(header.names):
        row.reject(FIELD_COUNT, None, expected=len(header.names), actual=len(cells))
        return row
    data: dict[str, Any] = {"lg_code": lg_code, "name": {}, "address": {}, "qualifications": {}}
    legacy: dict[str, list[str]] = {}
    for col, position in header.plan:
        value = cells[position]
        if value == "":
            if col.required:
                row.reject(MISSING_VALUE, col.name, column=col.name, label=col.label_ja)
            continue
        if (match := _CONTROL.search(value)) is not None:
            row.reject(
                CONTROL_CHARACTER,
                col.name,
                column=col.name,
                label=col.label_ja,
                position=match.start() + 1,
            )
            continue
        if col.kind is Kind.TEXT:  # most cells: kept exactly as written
            parsed: Any = value
        else:
            try:
                parsed = read_cell(col, value)
            except _CellError as error:
                row.reject(error.kind, col.name, error.cause, **error.params)
                continue
        if col.kind is Kind.LIST:
            legacy[col.name] = parsed
        elif col.name == "individual_number":
            row.number = parsed
        elif (path := col.record_path) is not None:
            _set(data, path, parsed)
    for name in header.archived:
        value = cells[header.index[name]]
        if "\x00" in value:
            row.reject(
                CONTROL_CHARACTER,
                name,
                column=name,
                label="保存する列",
                position=value.index("\x00") + 1,
            )
        row.archived[name] = value
    _resolve_ids(row, data, lg_code)
    _legacy(row, data, legacy)
    if row.issues:
        return row
    address = data["address"]
    if not address.get("lg_code"):
        address["lg_code"] = lg_code
    elif address["lg_code"] != lg_code:
        row.reject(WRONG_MUNICIPALITY, "address_lg_code", column="address_lg_code", lg_code=lg_code)
    relationship = data.get("relationship", "")
    if len(relationship) > MAX_RELATIONSHIP:
        row.reject(
            BAD_VALUE,
            "relationship",
            column="relationship",
            label="続柄",
            reason=f"{MAX_RELATIONSHIP}文字以内",
            reason_en=f"at most {MAX_RELATIONSHIP} characters",
        )
    data["has_individual_number"] = row.number is not None
    if row.issues:
        return row
    try:
        record = ResidentRecord.model_validate(data)
    except ValidationError as error:
        for problem in error.errors():
            column = _column_for(problem["loc"])
            spec = BY_NAME.get(column or "")
            label = spec.label_ja if spec else "項目"
            if problem["type"] == "missing" or problem["type"] == "string_too_short":
                row.reject(MISSING_VALUE, column, column=column or "?", label=label)
            else:
                row.reject(
                    BAD_VALUE,
                    column,
                    column=column or "?",
                    label=label,
                    reason="長さや文字の種類を確認してください",
                    reason_en=str(problem["msg"]),
                )
        return row
    _check_record(row, record)
    if not row.issues:
        row.record = record
    return row


def _resolve_ids(row: _Row, data: dict[str, Any], lg_code: str) -> None:
    if not data.get("person_id"):
        if row.source_id:
            data["person_id"] = person_id_for(lg_code, row.source_id)
        else:
            row.reject(
                NO_ID,
                "source_id",
                what="個人の ID",
                what_en="person id",
                columns="source_id, person_id",
            )
    if not data.get("household_id"):
        if row.household_source_id:
            data["household_id"] = household_id_for(lg_code, row.household_source_id)
        else:
            row.reject(
                NO_ID,
                "household_source_id",
                what="世帯の ID",
                what_en="household id",
                columns="household_source_id, household_id",
            )
    row.person_id = data.get("person_id", "")
    row.household_id = data.get("household_id", "")
    for group in OPTIONAL_GROUPS:
        if group in data and not data[group]:
            del data[group]


def _legacy(row: _Row, data: dict[str, Any], lists: dict[str, list[str]]) -> None:
    if not lists:
        return
    lengths = {len(v) for v in lists.values()}
    if len(lengths) != 1:
        counts = ", ".join(f"{k}={len(v)}" for k, v in lists.items())
        row.reject(LEGACY_LISTS, "legacy_code", counts=counts)
        return
    count = lengths.pop()
    names = ("legacy_code", "legacy_identified_as", "legacy_identified_by")
    fields = ("legacy_code", "identified_as", "identified_by")
    data["legacy_characters"] = [
        {f: lists.get(n, [""] * count)[i] for n, f in zip(names, fields, strict=True)}
        for i in range(count)
    ]


def _check_record(row: _Row, record: ResidentRecord) -> None:
    try:
        # 続柄 must already be in the registry's written form (子の子, never 孫): anything
        # else would be stored as an item no household view or certificate can order.
        written = Relationship.parse(record.relationship, field="relationship").render()
    except JichiError as error:
        row.reject(
            BAD_RELATIONSHIP,
            "relationship",
            error.code,
            why=error.message_ja,
            why_en=error.message_en,
        )
    else:
        if written != record.relationship:
            row.reject(
                BAD_RELATIONSHIP,
                "relationship",
                None,
                why=f"「{written}」と書いてください",
                why_en=f"write it as {written!r}",
            )
    removed = record.status is Status.REMOVED
    if removed and (record.removed_on is None or record.removal_reason is None):
        row.reject(
            STATUS_MISMATCH,
            "removed_on" if record.removed_on is None else "removal_reason",
            why="消除された住民票には消除の年月日と事由が必要です",
            why_en="a removed record needs removed_on and removal_reason",
        )
    if not removed and (record.removed_on is not None or record.removal_reason is not None):
        row.reject(
            STATUS_MISMATCH,
            "status",
            why="消除の年月日・事由がありますが状態が現存です",
            why_en="removal items are set but status is active",
        )
    if record.date_of_birth > record.resident_since:
        row.reject(
            BIRTH_AFTER,
            "date_of_birth",
            birth=record.date_of_birth.isoformat(),
            label="住民となった年月日",
            column="resident_since",
            other=record.resident_since.isoformat(),
        )


# ---------------------------------------------------------------------------
# Households and batches
# ---------------------------------------------------------------------------


@dataclass
class _Group:
    household_id: str
    rows: list[_Row]

    @property
    def shown(self) -> str:
        first = self.rows[0]
        return first.household_source_id or self.household_id

    def first_bad(self) -> _Row | None:
        return next((r for r in self.rows if r.issues), None)

    def reject_rest(self, bad: _Row) -> None:
        for r in self.rows:
            if not r.issues:
                r.reject(WITH_HOUSEHOLD, None, line=bad.line)


def check_household(group: _Group) -> None:
    """Household rules on a whole group; the group is rejected whole if one row fails."""
    bad = group.first_bad()
    if bad is None:
        seen: dict[str, int] = {}
        for r in group.rows:
            if r.person_id in seen:
                r.reject(DUPLICATE_PERSON, "person_id", line=seen[r.person_id])
            seen.setdefault(r.person_id, r.line)
        active = [r for r in group.rows if r.record is not None and r.record.is_active]
        heads = [r for r in active if r.record is not None and r.record.is_head]
        if active and len(heads) != 1:
            for r in heads or active:
                r.reject(HEAD_COUNT, "relationship", household=group.shown, count=len(heads))
        elif heads:
            head_address = _address(heads[0])
            for r in active:
                if not _address(r).same_place(head_address):
                    r.reject(HOUSEHOLD_ADDRESS, "address_town", household=group.shown)
        bad = group.first_bad()
    if bad is not None:
        group.reject_rest(bad)


def _address(row: _Row) -> Address:
    assert row.record is not None
    return row.record.address


def _household_state(group: _Group) -> tuple[Address, bool]:
    records = [r.record for r in group.rows if r.record is not None]
    active = [r for r in records if r.is_active]
    heads = [r for r in active if r.is_head]
    source = heads[0] if heads else records[0]
    return source.address, bool(active)


ProgressCallback = Callable[[ImportProgress], None]


class _Importer:
    def __init__(
        self,
        engine: Engine,
        lg_code: str,
        cipher: FieldCipher,
        report: ImportReport,
        *,
        rows_total: int,
        actor: str,
        actor_role: str,
        clock: Callable[[], datetime],
        progress: ProgressCallback | None,
        analyze_first: int = 10_000,
    ) -> None:
        self.engine = engine
        self.lg_code = lg_code
        self.cipher = cipher
        self.report = report
        self.rows_total = rows_total
        self.actor = actor
        self.actor_role = actor_role
        self.clock = clock
        self.progress = progress
        self.batch_number = 0
        self.rows_done = 0
        self.analyzed_at = analyze_first / 2  # rows imported at the last ANALYZE

    def flush(self, groups: list[_Group]) -> None:
        self.batch_number += 1
        accepted: list[_Group] = []
        candidates = [g for g in groups if g.first_bad() is None]
        if candidates:
            with write_transaction(self.engine) as conn:
                accepted = self._classify(conn, candidates)
                if accepted:
                    self._write(conn, accepted)
        if accepted:
            self.report.batches_committed += 1
            self.report.households_imported += len(accepted)
            self._refresh_statistics(self.report.imported + sum(len(g.rows) for g in accepted))
        for g in groups:
            for r in g.rows:
                self.rows_done += 1
                if r.issues:
                    self.report.rejected += 1
                    self.report.issues.extend(r.issues)
        self.report.imported += sum(len(g.rows) for g in accepted)
        self.report.unchanged = (
            self.rows_done - self.report.imported - self.report.rejected
        )  # the rest of the rows seen so far were skipped as unchanged
        if self.progress is not None:
            self.progress(
                ImportProgress(
                    batch=self.batch_number,
                    rows_done=self.rows_done,
                    rows_total=self.rows_total,
                    imported=self.report.imported,
                    unchanged=self.report.unchanged,
                    rejected=self.report.rejected,
                )
            )

    def _refresh_statistics(self, imported: int) -> None:
        if self.engine.dialect.name != "postgresql" or imported < 2 * self.analyzed_at:
            return
        with self.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE " + ", ".join(_FILLED_TABLES))
        self.analyzed_at = imported
        self.report.statistics_refreshed += 1

    # -- against the registry ------------------------------------------------------------

    def _classify(self, conn: Connection, groups: list[_Group]) -> list[_Group]:
        """Mark unchanged and conflicting rows; return the households to write."""
        person_ids = [r.person_id for g in groups for r in g.rows]
        stored = _select_in(
            conn,
            sa.select(
                resident.c.person_id,
                resident.c.record,
                resident.c.individual_number_hash,
            ),
            resident.c.person_id,
            person_ids,
        )
        existing = {row.person_id: row for row in stored}
        archived = {
            row.person_id: row
            for row in _select_in(
                conn,
                sa.select(
                    import_archive.c.person_id,
                    import_archive.c.source_id,
                    import_archive.c.household_source_id,
                    import_archive.c.columns,
                ),
                import_archive.c.person_id,
                [pid for pid in person_ids if pid in existing],
            )
        }
        known_households = {
            row.household_id
            for row in _select_in(
                conn,
                sa.select(household.c.household_id),
                household.c.household_id,
                [g.household_id for g in groups],
            )
        }
        for g in groups:
            for r in g.rows:
                if r.number is not None:
                    r.number_hash = self.cipher.lookup_hash(r.number, context=NUMBER_CONTEXT)
        new_groups: list[_Group] = []
        batch_persons: dict[str, int] = {}
        for g in groups:
            if g.household_id in known_households:
                for r in g.rows:
                    if r.person_id not in existing:
                        r.reject(HOUSEHOLD_EXISTS, "household_id", household=g.shown)
                    elif not self._same(r, existing[r.person_id], archived.get(r.person_id)):
                        r.reject(DIFFERENT_DATA, "person_id")
                continue
            for r in g.rows:
                if r.person_id in existing:
                    r.reject(DIFFERENT_DATA, "person_id")
                elif r.person_id in batch_persons:
                    r.reject(DUPLICATE_PERSON, "person_id", line=batch_persons[r.person_id])
            bad = g.first_bad()
            if bad is not None:
                g.reject_rest(bad)
                continue
            for r in g.rows:
                batch_persons[r.person_id] = r.line
            new_groups.append(g)
        return self._unique_numbers(conn, new_groups)

    def _same(self, row: _Row, stored: Any, archive: Any) -> bool:
        assert row.record is not None
        if ResidentRecord.model_validate(stored.record) != row.record:
            return False
        if (stored.individual_number_hash or None) != row.number_hash:
            return False
        kept = {k: v for k, v in row.archived.items() if v}
        if archive is None:
            return not (kept or row.source_id or row.household_source_id)
        before = {k: v for k, v in dict(archive.columns).items() if v}
        return (archive.source_id, archive.household_source_id, before) == (
            row.source_id,
            row.household_source_id,
            kept,
        )

    def _unique_numbers(self, conn: Connection, groups: list[_Group]) -> list[_Group]:
        """Resident codes and individual numbers must be unique among active records."""
        codes = [
            r.record.resident_code
            for g in groups
            for r in g.rows
            if r.record is not None and r.record.is_active and r.record.resident_code
        ]
        hashes = [r.number_hash for g in groups for r in g.rows if r.number_hash]
        taken_codes = {
            row.resident_code
            for row in _select_in(
                conn,
                sa.select(resident.c.resident_code).where(
                    resident.c.lg_code == self.lg_code, resident.c.status == Status.ACTIVE.value
                ),
                resident.c.resident_code,
                codes,
            )
        }
        taken_hashes = {
            row.individual_number_hash
            for row in _select_in(
                conn,
                sa.select(resident.c.individual_number_hash).where(
                    resident.c.status == Status.ACTIVE.value
                ),
                resident.c.individual_number_hash,
                hashes,
            )
        }
        in_batch_codes: dict[str, int] = {}
        in_batch_hashes: dict[str, int] = {}
        accepted: list[_Group] = []
        for g in groups:
            mine_codes: dict[str, int] = {}
            mine_hashes: dict[str, int] = {}
            for r in g.rows:
                assert r.record is not None
                if not r.record.is_active:
                    continue
                code = r.record.resident_code
                if code:
                    other = in_batch_codes.get(code) or mine_codes.get(code)
                    if code in taken_codes or other:
                        where, where_en = _where(other)
                        r.reject(
                            DUPLICATE_RESIDENT_CODE, "resident_code", where=where, where_en=where_en
                        )
                    mine_codes.setdefault(code, r.line)
                digest = r.number_hash
                if digest:
                    other = in_batch_hashes.get(digest) or mine_hashes.get(digest)
                    if digest in taken_hashes or other:
                        where, where_en = _where(other)
                        r.reject(
                            DUPLICATE_INDIVIDUAL_NUMBER,
                            "individual_number",
                            where=where,
                            where_en=where_en,
                        )
                    mine_hashes.setdefault(digest, r.line)
            bad = g.first_bad()
            if bad is not None:
                g.reject_rest(bad)
                continue
            in_batch_codes.update(mine_codes)
            in_batch_hashes.update(mine_hashes)
            accepted.append(g)
        return accepted

    # -- writing -------------------------------------------------------------------------

    def _write(self, conn: Connection, groups: list[_Group]) -> None:
        now = self.clock()
        today = now.astimezone(JST).date()
        notification_id = str(uuid.uuid4())
        rows = [r for g in groups for r in g.rows]
        events: list[dict[str, Any]] = []
        residents: list[dict[str, Any]] = []
        archives: list[dict[str, Any]] = []
        for r in rows:
            record = r.record
            assert record is not None
            # Serialised once: the event's changes and the current record are the same JSON.
            record_json = JsonText(record.model_dump_json())
            events.append(
                {
                    "event_id": str(uuid.uuid4()),
                    "notification_id": notification_id,
                    "lg_code": self.lg_code,
                    "person_id": record.person_id,
                    "kind": EventKind.RECORDED.value,
                    "reason": NotificationKind.IMPORT.value,
                    "effective_date": record.resident_since,
                    "notified_date": today,
                    "recorded_at": now,
                    "recorded_by": self.actor,
                    "changes": record_json,
                    "corrects": None,
                    "late": False,
                }
            )
            residents.append(
                repo.resident_row(
                    record,
                    number_hash=r.number_hash,
                    number_enc=self.cipher.encrypt(r.number, context=NUMBER_CONTEXT)
                    if r.number
                    else None,
                    restricted=False,  # support measures are not in this layout
                    version=1,
                    now=now,
                    record_json=record_json,
                )
            )
            archives.append(
                {
                    "person_id": record.person_id,
                    "lg_code": self.lg_code,
                    "notification_id": notification_id,
                    "source_line": r.line,
                    "source_id": r.source_id,
                    "household_source_id": r.household_source_id,
                    "columns": r.archived,
                    "row_sha256": r.row_sha256,
                    "recorded_at": now,
                }
            )
        households = []
        for g in groups:
            address, active = _household_state(g)
            households.append(
                {
                    "household_id": g.household_id,
                    "lg_code": self.lg_code,
                    "address": address.model_dump(mode="json"),
                    "address_key": repo.address_key(address),
                    "active": active,
                    "version": 1,
                    "updated_at": now,
                }
            )
        insert_rows(conn, registry_event, events)
        insert_rows(conn, household, households)
        insert_rows(conn, resident, residents)
        insert_rows(conn, import_archive, archives)
        lines = [rows[0].line, rows[-1].line]
        repo.insert_notification(
            conn,
            notification_id=notification_id,
            lg_code=self.lg_code,
            kind=NotificationKind.IMPORT.value,
            effective_date=today,
            notified_date=today,
            recorded_at=now,
            recorded_by=self.actor,
            request={
                "source": Path(self.report.source).name,
                "source_sha256": self.report.sha256,
                "batch": self.batch_number,
                "lines": lines,
                "persons": len(rows),
                "households": len(groups),
            },
            late=False,
            flags=[],
            idempotency_key=None,
        )
        audit.append(
            conn,
            audit.AuditEntry(
                lg_code=self.lg_code,
                at=now,
                actor=self.actor,
                actor_role=self.actor_role,
                action="registry.import",
                detail={
                    "notification_id": notification_id,
                    "batch": self.batch_number,
                    "first_line": lines[0],
                    "last_line": lines[1],
                    "persons": len(rows),
                    "households": len(groups),
                    "source_sha256": self.report.sha256,
                },
            ),
        )
        self.report.notification_ids.append(notification_id)


def _where(line: int | None) -> tuple[str, str]:
    if line:
        return f"ファイルの{line}行目", f"line {line} of the file"
    return "登録済みの住民", "a record already in the registry"


def _select_in(
    conn: Connection, query: sa.Select[Any], column: sa.ColumnElement[Any], values: Sequence[Any]
) -> list[Any]:
    unique = sorted(set(values))
    found: list[Any] = []
    for start in range(0, len(unique), _IN_CHUNK):
        chunk = unique[start : start + _IN_CHUNK]
        found.extend(conn.execute(query.where(column.in_(chunk))).all())
    return found


def import_csv(
    engine: Engine,
    lg_code: str,
    path: Path | str,
    cipher: FieldCipher,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    actor: str = "import",
    actor_role: str = "operator",
    progress: ProgressCallback | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    analyze_first: int = ANALYZE_FIRST,
) -> ImportReport:
    """Import ``path`` into the registry of ``lg_code``; see the module docstring.

    Raises :class:`JichiError` (BLK-00x) before writing anything when the file as a whole
    cannot be read; otherwise returns the report, rejected rows included.  ``progress`` is
    called after every batch with an :class:`ImportProgress`.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    lg_code = validate_identifier("lgcode", lg_code, field="lg_code").value
    source = Path(path)
    scan = _scan(source, lg_code)
    report = ImportReport(source=str(source), sha256=scan.sha256, lg_code=lg_code)
    importer = _Importer(
        engine,
        lg_code,
        cipher,
        report,
        rows_total=scan.rows,
        actor=actor,
        actor_role=actor_role,
        clock=clock,
        progress=progress,
        analyze_first=analyze_first,
    )
    with _open(source) as handle:
        records = _records(handle)
        first = next(records, None)
        if first is None:  # the file changed since the scan
            raise JichiError(EMPTY_FILE, field="header")
        header = _header(first[1])
        report.mapped_columns = [c.name for c in header.mapped]
        report.archived_columns = list(header.archived)
        batch: list[_Group] = []
        batch_rows = 0
        group: _Group | None = None
        for line, cells in records:
            report.rows_read += 1
            key = _household_key(header, cells, lg_code, line)
            row = parse_row(header, cells, line, lg_code)
            if group is not None and group.household_id != key:
                check_household(group)
                batch.append(group)
                batch_rows += len(group.rows)
                group = None
                if batch_rows >= batch_size:
                    importer.flush(batch)
                    batch, batch_rows = [], 0
            if group is None:
                group = _Group(key, [])
            group.rows.append(row)
        if group is not None:
            check_household(group)
            batch.append(group)
        if batch:
            importer.flush(batch)
    return report


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


# ---------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------


def export_csv(
    engine: Engine,
    lg_code: str,
    out: Path | str,
    cipher: FieldCipher,
    *,
    actor: str = "export",
    actor_role: str = "operator",
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> ExportReport:
    """Write the whole registry of ``lg_code`` to ``out`` in the import layout.

    Households in ``household_id`` order, the head first, then ``person_id``; archived
    columns after the layout's, in name order.  Individual numbers are decrypted: the file
    is 特定個人情報.  The file appears (atomically, by rename) only after the export's
    one audit entry has been committed.
    """
    lg_code = validate_identifier("lgcode", lg_code, field="lg_code").value
    target = Path(out)
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or Path(".")
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            counts = _write_export(engine, lg_code, cipher, handle)
        digest = hashlib.sha256(Path(temporary).read_bytes()).hexdigest()
        with write_transaction(engine) as conn:
            audit.append(
                conn,
                audit.AuditEntry(
                    lg_code=lg_code,
                    at=clock(),
                    actor=actor,
                    actor_role=actor_role,
                    action="registry.export",
                    detail={
                        "persons": counts[0],
                        "households": counts[1],
                        "individual_numbers": counts[2],
                        "columns": len(COLUMNS) + len(counts[3]),
                        "sha256": digest,
                    },
                ),
            )
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return ExportReport(
        path=str(target),
        sha256=digest,
        persons=counts[0],
        households=counts[1],
        individual_numbers=counts[2],
        columns=len(COLUMNS) + len(counts[3]),
        archived_columns=counts[3],
    )


def _write_export(
    engine: Engine, lg_code: str, cipher: FieldCipher, handle: TextIO
) -> tuple[int, int, int, list[str]]:
    persons = households = numbers = 0
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            archived: set[str] = set()
            keys = conn.execution_options(yield_per=1000).execute(
                sa.select(import_archive.c.columns).where(import_archive.c.lg_code == lg_code)
            )
            for (columns,) in keys:
                archived.update(columns)
            extra = sorted(archived)
            writer = csv.writer(handle)
            writer.writerow([*COLUMN_NAMES, *extra])
            head_first = sa.case((resident.c.relationship == HEAD, 0), else_=1)
            query = (
                sa.select(
                    resident.c.person_id,
                    resident.c.household_id,
                    resident.c.record,
                    resident.c.individual_number_enc,
                    import_archive.c.source_id,
                    import_archive.c.household_source_id,
                    import_archive.c.columns,
                )
                .select_from(
                    resident.outerjoin(
                        import_archive, import_archive.c.person_id == resident.c.person_id
                    )
                )
                .where(resident.c.lg_code == lg_code)
                .order_by(resident.c.household_id, head_first, resident.c.person_id)
            )
            last_household = None
            for row in conn.execution_options(yield_per=1000).execute(query):
                record = ResidentRecord.model_validate(row.record).model_dump(mode="json")
                number = (
                    cipher.decrypt(row.individual_number_enc, context=NUMBER_CONTEXT)
                    if row.individual_number_enc
                    else None
                )
                cells = [_export_cell(col, record, row, number) for col in COLUMNS]
                kept = dict(row.columns or {})
                cells.extend(kept.get(name, "") for name in extra)
                writer.writerow(cells)
                persons += 1
                numbers += number is not None
                if row.household_id != last_household:
                    households += 1
                    last_household = row.household_id
    return persons, households, numbers, extra


def _export_cell(col: Column, record: dict[str, Any], row: Any, number: str | None) -> str:
    if col.name == "source_id":
        return row.source_id or ""
    if col.name == "household_source_id":
        return row.household_source_id or ""
    if col.name == "individual_number":
        return number or ""
    path = col.record_path
    assert path is not None
    if path[0] == "legacy_characters":
        return join_list([item[path[1]] for item in record["legacy_characters"]])
    value: Any = record
    for part in path:
        if value is None:
            return ""
        value = value.get(part)
    return write_cell(col, value)


__all__ = [
    "DEFAULT_BATCH_SIZE",
    "ID_NAMESPACE",
    "ExportReport",
    "ImportProgress",
    "ImportReport",
    "RowIssue",
    "export_csv",
    "household_id_for",
    "import_archive",
    "import_csv",
    "person_id_for",
    "write_issue_report",
]
