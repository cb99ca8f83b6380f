"""和暦 (Japanese era dates) to and from 西暦 (Gregorian dates).

Certificates print dates in 和暦, residents write them in whatever form they learnt
(令和6年4月1日, R6.4.1, H31/4/30, 令和六年四月一日, full-width digits from an IME), and
migrated data arrives in ISO.  Every one of these must become the same
:class:`datetime.date`, and every date jichi stores must print back in 和暦.  Three
things make this harder than a year offset:

* **An era changes on a day, not a year.**  2019-04-30 is 平成31年 and 2019-05-01 is
  令和元年; 1989-01-07 is 昭和64年 and 1989-01-08 is 平成元年.  A converter that maps
  a whole Western year to one era is wrong for part of that year, so the table below
  holds each era's exact first and last day.
* **A date that names the wrong era does not exist** (平成31年5月1日, 令和元年4月30日,
  平成32年): it is rejected and the message says which era covers that day, rather
  than being silently carried over — a clerk needs to know the paper is wrong.
* **Before 1873-01-01 Japan used the lunisolar calendar.**  明治5年12月2日 was followed
  by 明治6年1月1日 (= 1873-01-01); an earlier 明治 date is a lunisolar date and cannot
  be mapped to the Gregorian day with the same numbers.  Such dates are refused
  (ERA-004) rather than converted wrongly.

The first year of an era is written 元年 in the kanji style (令和元年5月1日), and 1年 is
accepted on input.  Rules, forms and error codes: ``docs/guide/era.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from jichi.kernel.errors import JichiError, define
from jichi.kernel.text import to_halfwidth_ascii

__all__ = [
    "DATE_BEFORE_GREGORIAN",
    "DATE_NOT_IN_ERA",
    "DATE_NOT_ON_CALENDAR",
    "DATE_UNPARSEABLE",
    "ERAS",
    "GREGORIAN_START",
    "HEISEI",
    "MEIJI",
    "REIWA",
    "SHOWA",
    "TAISHO",
    "WESTERN_YEAR_MISMATCH",
    "Digits",
    "Era",
    "ParsedDate",
    "Style",
    "WarekiDate",
    "format_wareki",
    "parse",
    "parse_date",
    "to_wareki",
]

GREGORIAN_START = date(1873, 1, 1)
"""明治6年1月1日: the first day of the Gregorian calendar in Japan (明治5年太政官布告第337号)."""

# ---------------------------------------------------------------------------
# Error kinds
# ---------------------------------------------------------------------------

DATE_UNPARSEABLE = define(
    "ERA-001",
    "日付として読み取れません。「2024-04-01」「2024年4月1日」「令和6年4月1日」"
    "「R6.4.1」のいずれかの形で入力してください。",
    "not a date jichi can read; write it as 2024-04-01, 2024/4/1 or R6.4.1, or in kanji "
    "as year-nen month-gatsu day-nichi with or without an era name (Reiwa 6 = 2024)",
)
DATE_NOT_IN_ERA = define(
    "ERA-002",
    "{given}という日付はありません。{era}は{era_period}です。{western}は{actual}です。",
    "{given_en} does not exist: {era_en} covers {era_period_en}; {western_en} is {actual_en}",
    params=(
        "given",
        "given_en",
        "era",
        "era_en",
        "era_period",
        "era_period_en",
        "western",
        "western_en",
        "actual",
        "actual_en",
    ),
)
DATE_NOT_ON_CALENDAR = define(
    "ERA-003",
    "{given}という日付はありません。月は1から12まで、日は1からその月の末日までです。",
    "{given_en} is not a calendar date: the month must be 1 to 12 and the day "
    "1 to the last day of that month",
    params=("given", "given_en"),
)
DATE_BEFORE_GREGORIAN = define(
    "ERA-004",
    "1873年（明治6年）1月1日より前の日付は扱えません。それまでの日本の暦は太陰太陽暦（旧暦）で、"
    "西暦の日付に機械的に置き換えることができないためです。",
    "dates before 1873-01-01 (Meiji 6) are not supported: Japan used the lunisolar "
    "calendar until then, so such a date cannot be converted mechanically",
)
WESTERN_YEAR_MISMATCH = define(
    "ERA-005",
    "和暦の{given}年と、括弧内の西暦{western_given}年が一致しません（{given}年は西暦{western}年です）。",
    "the era year {given_en} and the Western year {western_given} in brackets disagree "
    "({given_en} is {western})",
    params=("given", "given_en", "western_given", "western"),
)


# ---------------------------------------------------------------------------
# The era table
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Era:
    """An era (元号) with its exact first and last day (``end`` is None for the current one).

    Each change took effect on a day fixed by an imperial rescript or cabinet order:
    大正 and 昭和 began on the day of the emperor's death (the rescripts say 「…以後ヲ
    改メテ大正元年ト為ス」), 平成 on the day after (政令 of 1989-01-07), and 令和 on the
    day of the accession (政令 of 2019-04-01).  明治 is dated 1868-10-23 (慶応4年9月8日),
    the date most converters use; dates before 1873-01-01 are refused anyway.
    """

    kanji: str
    letter: str
    romaji: str
    start: date
    end: date | None

    @property
    def offset(self) -> int:
        """Add to an era year to get the Western year (元年 is the start's year)."""
        return self.start.year - 1

    def contains(self, d: date) -> bool:
        return self.start <= d and (self.end is None or d <= self.end)

    def period_ja(self) -> str:
        start = _ja_date(self.start)
        if self.end is None:
            return f"{start}から"
        return f"{start}から{_ja_date(self.end)}まで"

    def period_en(self) -> str:
        if self.end is None:
            return f"{self.start.isoformat()} onwards"
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


MEIJI = Era("明治", "M", "Meiji", date(1868, 10, 23), date(1912, 7, 29))
TAISHO = Era("大正", "T", "Taisho", date(1912, 7, 30), date(1926, 12, 24))
SHOWA = Era("昭和", "S", "Showa", date(1926, 12, 25), date(1989, 1, 7))
HEISEI = Era("平成", "H", "Heisei", date(1989, 1, 8), date(2019, 4, 30))
REIWA = Era("令和", "R", "Reiwa", date(2019, 5, 1), None)

ERAS: tuple[Era, ...] = (MEIJI, TAISHO, SHOWA, HEISEI, REIWA)
"""Oldest first.  A new era is one more entry here and an ``end`` for 令和."""


def _ja_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _era_of(d: date) -> Era:
    for era in reversed(ERAS):
        if era.start <= d:
            return era
    raise AssertionError("unreachable: callers refuse dates before 1873")  # pragma: no cover


# ---------------------------------------------------------------------------
# Numerals
# ---------------------------------------------------------------------------

_KANJI_DIGITS = "〇一二三四五六七八九"
_TO_FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
_TO_FULLWIDTH_ASCII = {code: code + 0xFEE0 for code in range(0x21, 0x7F)}

Style = Literal["kanji", "numeric", "kanji_with_western"]
Digits = Literal["ascii", "fullwidth", "kanji"]
_STYLES: tuple[str, ...] = ("kanji", "numeric", "kanji_with_western")
_DIGITS: tuple[str, ...] = ("ascii", "fullwidth", "kanji")


def _kanji_counting(n: int) -> str:
    """1–99 the way certificates write them: 一, 十, 十一, 二十, 三十一, 六十四."""
    if n < 10:
        return _KANJI_DIGITS[n]
    if n >= 100:
        return _kanji_positional(n)
    tens, ones = divmod(n, 10)
    return (_KANJI_DIGITS[tens] if tens > 1 else "") + "十" + (_KANJI_DIGITS[ones] if ones else "")


def _kanji_positional(n: int) -> str:
    """A Western year digit by digit (二〇二四), as it is written vertically."""
    return "".join(_KANJI_DIGITS[int(c)] for c in str(n))


def _number(n: int, digits: str, *, positional: bool = False) -> str:
    if digits == "kanji":
        return _kanji_positional(n) if positional else _kanji_counting(n)
    if digits == "fullwidth":
        return str(n).translate(_TO_FULLWIDTH_DIGITS)
    return str(n)


# ---------------------------------------------------------------------------
# 和暦 dates
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WarekiDate:
    """A date as an era, an era year and the month and day.

    Construction validates: a value of this type always names a day that exists in
    that era, so code that holds one never has to ask again.
    """

    era: Era
    year: int
    month: int
    day: int

    def __post_init__(self) -> None:
        _to_date(self.era, self.year, self.month, self.day, field="date", western_given=None)

    @property
    def western_year(self) -> int:
        return self.era.offset + self.year

    def to_date(self) -> date:
        return date(self.western_year, self.month, self.day)

    def format(self, style: Style = "kanji", digits: Digits = "ascii") -> str:
        """The date as text; see :func:`format_wareki` for the styles."""
        if style not in _STYLES:
            raise ValueError(f"unknown style {style!r}; expected one of {_STYLES}")
        if digits not in _DIGITS:
            raise ValueError(f"unknown digits {digits!r}; expected one of {_DIGITS}")
        if style == "numeric":
            if digits == "kanji":
                raise ValueError("the numeric style has no kanji-numeral form")
            text = f"{self.era.letter}{self.year}.{self.month}.{self.day}"
            return text.translate(_TO_FULLWIDTH_ASCII) if digits == "fullwidth" else text
        year = "元" if self.year == 1 else _number(self.year, digits)
        month = _number(self.month, digits)
        day = _number(self.day, digits)
        if style == "kanji_with_western":
            western = _number(self.western_year, digits, positional=True)
            return f"{self.era.kanji}{year}年（{western}年）{month}月{day}日"
        return f"{self.era.kanji}{year}年{month}月{day}日"

    def __str__(self) -> str:
        return self.format()

    def english(self) -> str:
        """For English log lines: ``Reiwa 6-04-01``."""
        return f"{self.era.romaji} {self.year}-{self.month:02d}-{self.day:02d}"


def _to_date(
    era: Era, year: int, month: int, day: int, *, field: str, western_given: int | None
) -> date:
    """The day an era date names, or the reason it names none.

    The order of the checks decides which message a clerk sees: a pre-1873 year is
    refused first (a lunisolar date is never "wrong", just not convertible), then an
    impossible month or day, then a day outside the era.
    """
    given = f"{era.kanji}{'元' if year == 1 else year}年{month}月{day}日"
    given_en = f"{era.romaji} {year}-{month:02d}-{day:02d}"
    western_year = era.offset + year
    if western_year < GREGORIAN_START.year:
        raise JichiError(DATE_BEFORE_GREGORIAN, field=field)
    if western_given is not None and western_given != western_year:
        raise JichiError(
            WESTERN_YEAR_MISMATCH,
            field=field,
            given=f"{era.kanji}{'元' if year == 1 else year}",
            given_en=f"{era.romaji} {year}",
            western_given=western_given,
            western=western_year,
        )
    try:
        d = date(western_year, month, day)
    except ValueError:
        raise JichiError(
            DATE_NOT_ON_CALENDAR, field=field, given=given, given_en=given_en
        ) from None
    if not era.contains(d):
        actual = to_wareki(d)
        raise JichiError(
            DATE_NOT_IN_ERA,
            field=field,
            given=given,
            given_en=given_en,
            era=era.kanji,
            era_en=era.romaji,
            era_period=era.period_ja(),
            era_period_en=era.period_en(),
            western=_ja_date(d),
            western_en=d.isoformat(),
            actual=actual.format(),
            actual_en=actual.english(),
        )
    return d


def to_wareki(d: date, *, field: str = "date") -> WarekiDate:
    """The era date of a Gregorian day; refuses days before 1873-01-01 (ERA-004)."""
    if d < GREGORIAN_START:
        raise JichiError(DATE_BEFORE_GREGORIAN, field=field)
    era = _era_of(d)
    return WarekiDate(era, d.year - era.offset, d.month, d.day)


def format_wareki(d: date, style: Style = "kanji", digits: Digits = "ascii") -> str:
    """A Gregorian day written in 和暦.

    * ``kanji``: 令和6年4月1日, 令和元年5月1日 — what certificates print;
    * ``numeric``: R6.4.1 — what forms and spreadsheets use;
    * ``kanji_with_western``: 令和6年（2024年）4月1日 — for letters and notices.  Not for
      住民票 certificates, whose standard forbids printing both calendars side by side.

    ``digits`` chooses ASCII digits, full-width digits (令和６年４月１日; in the numeric
    style the whole text is full-width, Ｒ６．４．１) or kanji numerals (令和六年四月一日,
    令和六年（二〇二四年）四月一日), used on some certificates.  Kanji numerals have no
    numeric style (ValueError).  Every output is accepted again by :func:`parse_date`.
    """
    return to_wareki(d).format(style, digits)


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------

_ERA_BY_TOKEN: dict[str, Era] = {era.kanji: era for era in ERAS} | {era.letter: era for era in ERAS}
# Squared era ligatures (㍾㍽㍼㍻㋿) come out of old systems and PDF text layers.
_LIGATURES = str.maketrans({"㍾": "明治", "㍽": "大正", "㍼": "昭和", "㍻": "平成", "㋿": "令和"})
# Hyphen look-alikes that IMEs and word processors produce between numbers.
_DASHES = str.maketrans({"‐": "-", "‑": "-", "‒": "-", "–": "-", "−": "-", "ー": "-"})

_KANJI_NUM = "[〇○一二三四五六七八九十]+"
_ERA_TOKEN = "(?P<era>明治|大正|昭和|平成|令和|[MTSHR])"
_ERA_YEAR = rf"(?P<year>[0-9]{{1,3}}|元|{_KANJI_NUM})"
_WESTERN_YEAR = "[0-9]{4}|[〇○一二三四五六七八九]{4}"
_MONTH = rf"(?P<month>[0-9]{{1,2}}|{_KANJI_NUM})"
_DAY = rf"(?P<day>[0-9]{{1,2}}|{_KANJI_NUM})"
_SEP = r"\s*(?P<sep>[./-])\s*"
_SAME_SEP = r"\s*(?P=sep)\s*"

_WAREKI_FORMS = (
    # 令和6年4月1日, R6年4月1日, 令和元年5月1日, 令和六年四月一日, 令和6年（2024年）4月1日
    re.compile(
        rf"{_ERA_TOKEN}\s*{_ERA_YEAR}\s*年\s*"
        rf"(?:\(\s*(?P<western>{_WESTERN_YEAR})\s*年?\s*\)\s*)?"
        rf"{_MONTH}\s*月\s*{_DAY}\s*日",
        re.IGNORECASE,
    ),
    # R6.4.1, r06.04.01, H31/4/30, S64-1-7, R元.5.1
    re.compile(
        rf"{_ERA_TOKEN}\s*(?P<year>[0-9]{{1,3}}|元){_SEP}"
        rf"(?P<month>[0-9]{{1,2}}){_SAME_SEP}(?P<day>[0-9]{{1,2}})",
        re.IGNORECASE,
    ),
)
_WESTERN_FORMS = (
    # 2024-04-01, 2024/4/1, 2024.4.1
    re.compile(
        rf"(?P<year>[0-9]{{4}}){_SEP}(?P<month>[0-9]{{1,2}}){_SAME_SEP}(?P<day>[0-9]{{1,2}})"
    ),
    # 2024年4月1日, 二〇二四年四月一日
    re.compile(rf"(?P<year>{_WESTERN_YEAR})\s*年\s*{_MONTH}\s*月\s*{_DAY}\s*日"),
)
_KANJI_TENS = re.compile("(?P<tens>[二三四五六七八九])?十(?P<ones>[一二三四五六七八九])?")


@dataclass(frozen=True)
class ParsedDate:
    """A parsed date and whether it was written in 和暦 (the CLI answers in the other)."""

    value: date
    is_wareki: bool


def _to_int(token: str, field: str) -> int:
    """ASCII digits, 元, or kanji numerals: 十-style (三十一) or digit by digit (二〇二四)."""
    if token.isascii():
        return int(token)
    if token == "元":
        return 1
    if "十" in token:
        match = _KANJI_TENS.fullmatch(token)
        if match is None:
            raise JichiError(DATE_UNPARSEABLE, field=field)
        tens = _KANJI_DIGITS.index(match["tens"]) if match["tens"] else 1
        ones = _KANJI_DIGITS.index(match["ones"]) if match["ones"] else 0
        return tens * 10 + ones
    return int("".join(str(_KANJI_DIGITS.index(c)) for c in token.replace("○", "〇")))


def _normalize(text: str) -> str:
    return to_halfwidth_ascii(text).translate(_LIGATURES).translate(_DASHES).strip()


def parse(text: str, *, field: str = "date") -> ParsedDate:
    """Read a date typed at a counter or found in migrated data; see :func:`parse_date`."""
    normalized = _normalize(text)
    for form in _WAREKI_FORMS:
        match = form.fullmatch(normalized)
        if match is not None:
            era = _ERA_BY_TOKEN[match["era"].upper()]
            western = match.groupdict().get("western")
            value = _to_date(
                era,
                _to_int(match["year"], field),
                _to_int(match["month"], field),
                _to_int(match["day"], field),
                field=field,
                western_given=None if western is None else _to_int(western, field),
            )
            return ParsedDate(value, is_wareki=True)
    for form in _WESTERN_FORMS:
        match = form.fullmatch(normalized)
        if match is not None:
            year = _to_int(match["year"], field)
            month = _to_int(match["month"], field)
            day = _to_int(match["day"], field)
            if year < GREGORIAN_START.year:
                raise JichiError(DATE_BEFORE_GREGORIAN, field=field)
            try:
                value = date(year, month, day)
            except ValueError:
                raise JichiError(
                    DATE_NOT_ON_CALENDAR,
                    field=field,
                    given=f"{year}年{month}月{day}日",
                    given_en=f"{year:04d}-{month:02d}-{day:02d}",
                ) from None
            return ParsedDate(value, is_wareki=False)
    raise JichiError(DATE_UNPARSEABLE, field=field)


def parse_date(text: str, *, field: str = "date") -> date:
    """The day a text names, in any form a resident or an old system writes it.

    Accepted, with surrounding spaces and full-width digits, letters and punctuation:

    * Western: ``2024-04-01``, ``2024/4/1``, ``2024.4.1``, ``2024年4月1日``,
      ``二〇二四年四月一日``;
    * 和暦 by name or letter (M T S H R, either case): ``令和6年4月1日``, ``令和元年5月1日``,
      ``令和六年四月一日``, ``R6年4月1日``, ``令和6年（2024年）4月1日``, ``R6.4.1``,
      ``r06.04.01``, ``H31/4/30``; the squared ligatures ㍻ and ㋿ stand for their era.

    Rejections: ERA-001 (no accepted form), ERA-002 (the day is not in the named era:
    平成31年5月1日, 令和元年4月30日, 平成32年1月1日), ERA-003 (no such calendar day:
    令和6年2月30日), ERA-004 (before 1873-01-01), ERA-005 (the bracketed Western year
    disagrees with the era year).
    """
    return parse(text, field=field).value


@dataclass(frozen=True)
class Conversion:
    """One date in both calendars: what ``jichi era`` and ``GET /api/era`` answer."""

    input: str
    western: str
    wareki: str
    wareki_numeric: str
    era: str
    era_year: int
    is_wareki_input: bool

    def answer(self) -> str:
        """The other calendar's form: 和暦 in → 西暦 out, 西暦 in → 和暦 out."""
        return self.western if self.is_wareki_input else self.wareki


def convert(text: str, *, field: str = "value") -> Conversion:
    parsed = parse(text, field=field)
    era_date = to_wareki(parsed.value, field=field)
    return Conversion(
        input=text,
        western=parsed.value.isoformat(),
        wareki=era_date.format("kanji"),
        wareki_numeric=era_date.format("numeric"),
        era=era_date.era.kanji,
        era_year=era_date.year,
        is_wareki_input=parsed.is_wareki,
    )
