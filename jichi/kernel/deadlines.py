"""Notification periods and the days a municipality is closed.

A 転入届 is due "within 14 days" and a 出生届 "within 14 days", yet the two end on
different days, and both can move past a weekend or the year-end break.  Getting it
wrong either scolds a resident who was on time or lets a late notice through without
the review it needs (it may end in a 過料 from the court).  Three rules combine:

* **Counting.**  住民基本台帳法 periods follow 民法140条: the day of the event is not
  counted, so 14 days after a move on 1 April end on 15 April
  (:attr:`PeriodRule.RESIDENT_REGISTRY_ACT`).  戸籍法43条1項 counts from the day of the
  event itself (届出事件発生の日から起算), so a birth on 1 April must be notified by
  14 April (:attr:`PeriodRule.FAMILY_REGISTER_ACT`).
* **Closing days.**  地方自治法4条の2 lets each municipality fix its holidays by 条例,
  from a closed list: Sundays and Saturdays, the national holidays (国民の祝日に関する
  法律に規定する休日, which includes 振替休日 and 国民の休日) and days at the year-end
  or new year (almost everywhere 12月29日–1月3日); under 3項 a few add a day of local
  significance (沖縄県 6月23日 慰霊の日, 広島市 8月6日).  :class:`ClosingDays` holds one
  municipality's 条例; the default is the common one.
* **Rolling over.**  地方自治法4条の2第4項: when the last day of a period set by law or
  a government order falls on such a holiday, the deadline is the next day that is
  not one — unless the law itself says otherwise.

National holidays come from the ``holidays`` package, which covers 1949–2099 and
predicts 春分の日/秋分の日 for years the 国立天文台 has not yet announced; a date it does
not cover is refused (DL-001) instead of being treated as an ordinary weekday.
See ``docs/guide/era.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Protocol

import holidays

from jichi.kernel.errors import JichiError, define

__all__ = [
    "DEFAULT_YEAR_END",
    "HOLIDAYS_NOT_COVERED",
    "Calendar",
    "ClosingDays",
    "HolidaySource",
    "JapaneseHolidays",
    "MonthDay",
    "PeriodRule",
    "deadline",
    "is_late",
    "last_day_of_period",
]

HOLIDAYS_NOT_COVERED = define(
    "DL-001",
    "{year}年の国民の祝日のデータがないため、休日かどうか判定できません"
    "（対応しているのは{first_year}年から{last_year}年までです）。",
    "no national-holiday data for {year}, so closing days cannot be decided "
    "(data covers {first_year} to {last_year})",
    params=("year", "first_year", "last_year"),
)

MonthDay = tuple[int, int]
"""A (month, day) that recurs every year, such as (12, 29)."""

DEFAULT_YEAR_END: tuple[MonthDay, MonthDay] = ((12, 29), (1, 3))
"""12月29日から翌年1月3日まで: the year-end days in nearly every municipality's 休日条例."""

_ONE_DAY = timedelta(days=1)
# The longest run of closed days a sane 条例 produces is about ten (the year-end
# break joined to a weekend); a year without an open day is a configuration error.
_MAX_CLOSED_RUN = 366


class PeriodRule(StrEnum):
    """How the days of a notification period are counted."""

    RESIDENT_REGISTRY_ACT = "resident_registry_act"
    """住民基本台帳法 (民法140条): the event day is not counted; last day = event + days."""

    FAMILY_REGISTER_ACT = "family_register_act"
    """戸籍法43条1項: the event day counts as day 1; last day = event + days − 1."""


def _valid_month_day(month_day: MonthDay) -> None:
    month, day = month_day
    try:
        date(2000, month, day)  # a leap year, so (2, 29) is allowed
    except ValueError:
        raise ValueError(f"not a month and day: {month_day!r}") from None


@dataclass(frozen=True)
class ClosingDays:
    """One municipality's 休日条例: which days its offices are closed.

    The default is the common wording — 日曜日及び土曜日, 国民の祝日に関する法律に規定
    する休日, 12月29日から翌年の1月3日まで — so most municipalities need no change.
    ``annual_dates`` holds a 4条の2第3項 day that recurs each year (6月23日 in Okinawa);
    ``extra_dates`` a one-off closure.  ``year_end`` may wrap past 31 December.
    """

    weekends: bool = True
    national_holidays: bool = True
    year_end: tuple[MonthDay, MonthDay] | None = DEFAULT_YEAR_END
    annual_dates: frozenset[MonthDay] = field(default_factory=frozenset)
    extra_dates: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.year_end is not None:
            for month_day in self.year_end:
                _valid_month_day(month_day)
        for month_day in self.annual_dates:
            _valid_month_day(month_day)

    def in_year_end(self, d: date) -> bool:
        if self.year_end is None:
            return False
        first, last = self.year_end
        month_day = (d.month, d.day)
        if first <= last:
            return first <= month_day <= last
        return month_day >= first or month_day <= last


class HolidaySource(Protocol):
    """National holidays for a range of years; a fake can stand in for tests."""

    @property
    def first_year(self) -> int: ...

    @property
    def last_year(self) -> int: ...

    def name(self, d: date) -> str | None:
        """The holiday's Japanese name, or None on an ordinary day."""
        ...


class JapaneseHolidays:
    """国民の祝日, 振替休日 and 国民の休日 (and one-off days such as 即位礼正殿の儀).

    Backed by the ``holidays`` package, whose tables follow 国民の祝日に関する法律 and
    its special acts.  Built on demand, never at import.
    """

    def __init__(self) -> None:
        self._table = holidays.country_holidays("JP", language="ja")
        self._first_year = int(self._table.start_year)
        self._last_year = int(self._table.end_year)

    @property
    def first_year(self) -> int:
        return self._first_year

    @property
    def last_year(self) -> int:
        return self._last_year

    def name(self, d: date) -> str | None:
        found = self._table.get(d)
        return None if found is None else str(found)


class Calendar:
    """Whether a municipality's offices are open on a day, per its :class:`ClosingDays`."""

    def __init__(
        self, closing: ClosingDays | None = None, holiday_source: HolidaySource | None = None
    ) -> None:
        self.closing = closing if closing is not None else ClosingDays()
        self._holidays: HolidaySource | None = holiday_source
        if self._holidays is None and self.closing.national_holidays:
            self._holidays = JapaneseHolidays()

    def _national_holiday(self, d: date) -> str | None:
        source = self._holidays
        if source is None or not self.closing.national_holidays:
            return None
        if not source.first_year <= d.year <= source.last_year:
            raise JichiError(
                HOLIDAYS_NOT_COVERED,
                field="date",
                year=d.year,
                first_year=source.first_year,
                last_year=source.last_year,
            )
        return source.name(d)

    def closed_reason(self, d: date) -> str | None:
        """Why the offices are closed on ``d``, in words for a clerk; None when open.

        Shown next to a deadline that rolled over, so the clerk can tell a resident
        why it is later than the plain count.
        """
        holiday = self._national_holiday(d)
        if holiday is not None:
            return holiday
        if self.closing.in_year_end(d):
            return "年末年始"
        if (d.month, d.day) in self.closing.annual_dates or d in self.closing.extra_dates:
            return "条例で定める休日"
        if self.closing.weekends and d.weekday() == 5:
            return "土曜日"
        if self.closing.weekends and d.weekday() == 6:
            return "日曜日"
        return None

    def is_closed(self, d: date) -> bool:
        return self.closed_reason(d) is not None

    def next_open_day(self, d: date) -> date:
        """``d`` itself when open, otherwise the first open day after it."""
        current = d
        for _ in range(_MAX_CLOSED_RUN):
            if not self.is_closed(current):
                return current
            current += _ONE_DAY
        raise ValueError(f"no open day within {_MAX_CLOSED_RUN} days of {d}: check ClosingDays")


def last_day_of_period(event_date: date, days: int, rule: PeriodRule) -> date:
    """The last day of a period of ``days`` days, before any holiday roll-over."""
    if days < 1:
        raise ValueError(f"a period has at least one day, got {days}")
    if rule is PeriodRule.RESIDENT_REGISTRY_ACT:
        return event_date + timedelta(days=days)
    return event_date + timedelta(days=days - 1)


def deadline(event_date: date, days: int, rule: PeriodRule, calendar: Calendar) -> date:
    """The last day on which a notification is on time (地方自治法4条の2第4項 applied).

    A 転入 on 2024-04-01 with 14 days → 2024-04-15; a 出生 on 2024-04-01 under
    戸籍法 → 2024-04-14, a Sunday → 2024-04-15.
    """
    return calendar.next_open_day(last_day_of_period(event_date, days, rule))


def is_late(
    event_date: date, notified_date: date, days: int, rule: PeriodRule, calendar: Calendar
) -> bool:
    """Whether a notification made on ``notified_date`` missed its deadline.

    A late notification is still accepted, but it is flagged and may be reported to
    the summary court (簡易裁判所), which can impose a 過料; so it must be right to the
    day.  (The article numbers of those penalties are not yet confirmed against e-Gov.)
    """
    return notified_date > deadline(event_date, days, rule, calendar)
