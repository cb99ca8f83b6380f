"""The source file: its header, its records, and the first pass that checks the whole."""

from __future__ import annotations

import csv
import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from json.encoder import encode_basestring
from pathlib import Path
from typing import TextIO

from jichi.kernel.errors import JichiError
from jichi.kernel.text import to_halfwidth_ascii
from jichi.registry.bulk.cells import household_id_for
from jichi.registry.bulk.errors import (
    DUPLICATE_COLUMN,
    EMPTY_FILE,
    MISSING_COLUMNS,
    NOT_CSV,
    NOT_GROUPED,
    NOT_UTF8,
    UNREADABLE,
)
from jichi.registry.layout import (
    BY_NAME,
    REQUIRED_HEADERS,
    Column,
)


@dataclass(frozen=True)
class Header:
    names: list[str]
    index: dict[str, int]
    mapped: list[Column]
    archived: list[str]

    @cached_property
    def plan(self) -> list[tuple[Column, int]]:
        """Each mapped column with its position, looked up once per file, not per cell."""
        return [(col, self.index[col.name]) for col in self.mapped]

    @cached_property
    def sorted_keys(self) -> list[tuple[str, int]]:
        """Each column's JSON-encoded name and position, in name order (row hashes)."""
        order = sorted(range(len(self.names)), key=self.names.__getitem__)
        return [(encode_basestring(self.names[i]) + ": ", i) for i in order]

    def canonical_json(self, cells: list[str]) -> str:
        """``json.dumps(dict(zip(names, cells)), ensure_ascii=False, sort_keys=True)``.

        The same text (the row's hash is over it, stored in ``import_archive``), built
        from the names sorted once per file instead of once per row: a third of the cost.
        """
        keys = self.sorted_keys
        if len(cells) < len(self.names):  # zip stops at the shorter
            keys = [(k, i) for k, i in keys if i < len(cells)]
        return "{" + ", ".join([k + encode_basestring(cells[i]) for k, i in keys]) + "}"


def open_source(path: Path) -> TextIO:
    try:
        return path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise JichiError(UNREADABLE, field="path", path=str(path), reason=reason) from None


def read_records(handle: TextIO) -> Iterator[tuple[int, list[str]]]:
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


def read_header(cells: list[str]) -> Header:
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
    return Header(
        names=names,
        index=index,
        mapped=[BY_NAME[n] for n in names if n in BY_NAME],
        archived=[n for n in names if n not in BY_NAME],
    )


def cell(header: Header, cells: list[str], name: str) -> str:
    position = header.index.get(name)
    if position is None or position >= len(cells):
        return ""
    return cells[position]


def household_key(header: Header, cells: list[str], lg_code: str, line: int) -> str:
    """The household a row belongs to, as the grouping key (the resolved household_id)."""
    given = to_halfwidth_ascii(cell(header, cells, "household_id")).strip()
    if given:
        try:
            return str(uuid.UUID(given))
        except ValueError:
            return f"invalid:{given}"
    source = cell(header, cells, "household_source_id")
    if source:
        return household_id_for(lg_code, source)
    return f"line:{line}"  # no household: a group of its own (rejected later)


@dataclass(frozen=True)
class Scan:
    sha256: str
    rows: int


def scan_file(path: Path, lg_code: str) -> Scan:
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
    with open_source(path) as handle:
        records = read_records(handle)
        first = next(records, None)
        if first is None:
            raise JichiError(EMPTY_FILE, field="header")
        header = read_header(first[1])
        closed: set[str] = set()
        current: str | None = None
        for line, cells in records:
            rows += 1
            key = household_key(header, cells, lg_code, line)
            if key != current:
                if key in closed:
                    shown = cell(header, cells, "household_source_id") or cell(
                        header, cells, "household_id"
                    )
                    raise JichiError(NOT_GROUPED, field="household", household=shown, line=line)
                closed.add(key)
                current = key
    return Scan(digest.hexdigest(), rows)
