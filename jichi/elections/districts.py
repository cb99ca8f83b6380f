"""投票区 (`PollingDistrict`): the commission's table of 町字 and 番地 ranges (公選法17条).

By default the whole municipality is one 投票区; the commission may split it (17条2項)
and announces the split by 告示.  The table it edits has one row per (district, 町字,
番地 range): ``code,name,town,block_from,block_to``.  A blank ``block_from`` means "from
the first 番地", a blank ``block_to`` "to the last", so a row with both blank takes the
whole 町字.

How a 番地 is compared: its numbers are read in order — 「2丁目5番3号」 is (2, 5, 3),
「1234番地5」 is (1234, 5) — and a range end is read the same way.  A range end is a
prefix: ``block_to`` 「1200」 includes 「1200番地5」, and 「2丁目」 includes every 番 of
2丁目.  Each row is turned into a half-open interval on those tuples, so overlaps and
gaps between the rows of one 町字 are exact interval checks: an overlap is refused
(ELE-031, naming both rows), as is a gap between two rows of the same 町字 (ELE-032) —
an address there would have no district.  A gap before the first or after the last
row cannot be judged (the table does not know the last 番地); such an address is
reported when the roll is built (ELE-033).  All errors of a table come at once.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from jichi.elections.errors import (
    DISTRICT_GAP,
    DISTRICT_OVERLAP,
    DISTRICT_ROW_INVALID,
    raise_all,
)
from jichi.kernel.errors import JichiError

__all__ = [
    "COLUMNS",
    "DistrictRow",
    "DistrictTable",
    "block_key",
    "parse_csv",
]

COLUMNS = ("code", "name", "town", "block_from", "block_to")
DEPTH = 4  # 丁目・番・号・枝: deeper numbers are ignored for ranges
_TOP = (10**9,) * DEPTH  # beyond any 番地
_NUMBER = re.compile(r"[0-9]+")
_CODE = re.compile(r"^[0-9A-Za-z_-]{1,40}$")
_KANJI_DIGITS = str.maketrans("〇一二三四五六七八九", "0123456789")


def block_key(block: str) -> tuple[int, ...]:
    """The numbers of a 番地 in order (full-width and 漢数字 digits read as digits).

    「2丁目5番3号」 → (2, 5, 3); 「1234番地5」 → (1234, 5); no number → ().  漢数字 are
    read digit by digit (「十」 is not a digit and stops a number), which covers the
    common 「三丁目」 but not 「二十三番地」: such a table should use Arabic numerals.
    """
    text = unicodedata.normalize("NFKC", block).translate(_KANJI_DIGITS)
    return tuple(int(n) for n in _NUMBER.findall(text))


def _padded(key: tuple[int, ...]) -> tuple[int, ...]:
    key = key[:DEPTH]
    return key + (0,) * (DEPTH - len(key))


def _upper(key: tuple[int, ...]) -> tuple[int, ...]:
    """The exclusive upper bound of a prefix ``key`` (everything it is a prefix of)."""
    if not key:
        return _TOP
    key = key[:DEPTH]
    return _padded((*key[:-1], key[-1] + 1))


@dataclass(frozen=True)
class DistrictRow:
    """One row of the table; ``line`` is its line in the file (header is line 1)."""

    line: int
    code: str
    name: str
    town: str
    block_from: str = ""
    block_to: str = ""

    @cached_property
    def lower(self) -> tuple[int, ...]:
        return _padded(block_key(self.block_from)) if self.block_from else (0,) * DEPTH

    @cached_property
    def upper(self) -> tuple[int, ...]:
        return _upper(block_key(self.block_to)) if self.block_to else _TOP

    def span(self) -> str:
        return f"{self.block_from or '（最初）'}〜{self.block_to or '（最後）'}"

    def contains(self, town: str, block: str) -> bool:
        if town != self.town:
            return False
        return self.lower <= _padded(block_key(block)) < self.upper


def _row_errors(row: DistrictRow) -> list[JichiError]:
    errors = []

    def bad(column: str, reason: str, reason_en: str) -> None:
        errors.append(
            JichiError(
                DISTRICT_ROW_INVALID,
                field=f"line {row.line}.{column}",
                reason=reason,
                reason_en=reason_en,
            )
        )

    if not _CODE.match(row.code):
        bad("code", "投票区コードは英数字40字以内で書いてください", "code: 1-40 letters or digits")
    if not row.name:
        bad("name", "投票区の名称がありません", "name is required")
    # the columns of polling_district_range: longer text is refused, never cut or a 500
    for column, value, most in (("name", row.name, 100), ("town", row.town, 200),
                                ("block_from", row.block_from, 100),
                                ("block_to", row.block_to, 100)):  # fmt: skip
        if len(value) > most:
            bad(column, f"{most}文字までです", f"at most {most} characters")
    for column, value in (("block_from", row.block_from), ("block_to", row.block_to)):
        if value and not block_key(value):
            bad(column, f"「{value}」に番号がありません", f"{value!r} has no number")
    ends = (row.block_from, row.block_to)
    if all(ends) and all(block_key(x) for x in ends) and row.lower >= row.upper:
        bad("block_to", "範囲の終わりが始まりより前です", "the range ends before it starts")
    return errors


@dataclass(frozen=True)
class DistrictTable:
    """A checked table: every row valid, no overlaps, no gaps between rows of a 町字."""

    rows: tuple[DistrictRow, ...]

    @classmethod
    def of(cls, rows: Iterable[DistrictRow]) -> DistrictTable:
        """Check ``rows``; all errors at once (ELE-030/031/032, or ELE-017 for several)."""
        rows = tuple(rows)
        errors: list[JichiError] = []
        names: dict[str, tuple[str, int]] = {}
        for row in rows:
            errors.extend(_row_errors(row))
            seen = names.setdefault(row.code, (row.name, row.line))
            if seen[0] != row.name:
                errors.append(
                    JichiError(
                        DISTRICT_ROW_INVALID,
                        field=f"line {row.line}.name",
                        reason=f"投票区 {row.code} の名称が{seen[1]}行目と違います",
                        reason_en=f"district {row.code} is named differently on line {seen[1]}",
                    )
                )
        if not errors:
            errors.extend(_coverage_errors(rows))
        raise_all(errors)
        return cls(rows)

    @cached_property
    def _by_town(self) -> dict[str, tuple[list[tuple[int, ...]], list[DistrictRow]]]:
        """Per 町字, the rows by lower bound (they do not overlap) for a binary search."""
        groups: dict[str, list[DistrictRow]] = {}
        for row in self.rows:
            groups.setdefault(row.town, []).append(row)
        out = {}
        for town, rows in groups.items():
            rows.sort(key=lambda r: r.lower)
            out[town] = ([r.lower for r in rows], rows)
        return out

    def district_of(self, town: str, block: str) -> DistrictRow | None:
        """The row an address falls in, or ``None`` (reported by the caller, ELE-033)."""
        return self.district_of_key(town, block_key(block))

    def district_of_key(self, town: str, numbers: tuple[int, ...]) -> DistrictRow | None:
        """:meth:`district_of` for a 番地 already read by :func:`block_key`."""
        found = self._by_town.get(town)
        if found is None:
            return None
        lowers, rows = found
        key = _padded(numbers)
        i = bisect_right(lowers, key) - 1
        if i >= 0 and key < rows[i].upper:
            return rows[i]
        return None

    def names(self) -> dict[str, str]:
        return {row.code: row.name for row in self.rows}


def _coverage_errors(rows: Sequence[DistrictRow]) -> list[JichiError]:
    errors = []
    by_town: dict[str, list[DistrictRow]] = {}
    for row in rows:
        by_town.setdefault(row.town, []).append(row)
    for town, group in by_town.items():
        ordered = sorted(group, key=lambda r: (r.lower, r.upper, r.line))
        reach = ordered[0]  # the row reaching furthest so far
        for row in ordered[1:]:
            if row.lower < reach.upper:
                first, second = sorted((reach.line, row.line))
                errors.append(
                    JichiError(
                        DISTRICT_OVERLAP,
                        field=f"line {second}",
                        row=first,
                        other=second,
                        town=town,
                        span=row.span(),
                    )
                )
            elif row.lower > reach.upper:
                errors.append(
                    JichiError(
                        DISTRICT_GAP,
                        field=f"line {row.line}",
                        row=reach.line,
                        other=row.line,
                        town=town,
                        span=f"{reach.block_to}〜{row.block_from}",
                    )
                )
            if row.upper > reach.upper:
                reach = row
    return errors


def parse_csv(text: str) -> DistrictTable:
    """Read the commission's CSV (header ``code,name,town,block_from,block_to``)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in COLUMNS[:3] if c not in header]
    if missing:
        raise JichiError(
            DISTRICT_ROW_INVALID,
            field="line 1",
            reason=f"見出しに {', '.join(missing)} がありません",
            reason_en=f"the header lacks {', '.join(missing)}",
        )
    index = {name: header.index(name) for name in COLUMNS if name in header}
    rows = []
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue

        def cell(name: str, values: list[str] = values) -> str:
            i = index.get(name)
            return values[i].strip() if i is not None and i < len(values) else ""

        rows.append(
            DistrictRow(
                line=line,
                code=cell("code"),
                name=cell("name"),
                town=cell("town"),
                block_from=cell("block_from"),
                block_to=cell("block_to"),
            )
        )
    return DistrictTable.of(rows)
