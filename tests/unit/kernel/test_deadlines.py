from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jichi.kernel.deadlines import (
    Calendar,
    ClosingDays,
    JapaneseHolidays,
    PeriodRule,
    deadline,
    is_late,
    last_day_of_period,
)
from jichi.kernel.errors import JichiError

RESIDENT = PeriodRule.RESIDENT_REGISTRY_ACT
FAMILY = PeriodRule.FAMILY_REGISTER_ACT

# One calendar for the whole module: the holiday table is built once.
CALENDAR = Calendar()

events = st.dates(min_value=date(1950, 1, 1), max_value=date(2098, 11, 30))
periods = st.integers(min_value=1, max_value=31)
rules = st.sampled_from(list(PeriodRule))


class FixedHolidays:
    """A holiday source for tests: a few named days in 2030 only."""

    first_year = 2030
    last_year = 2030

    def __init__(self, days: dict[date, str]) -> None:
        self.days = days

    def name(self, d: date) -> str | None:
        return self.days.get(d)


# --- national holidays ----------------------------------------------------------------


def test_the_holiday_table_includes_substitute_holidays_and_citizens_holidays() -> None:
    source = JapaneseHolidays()
    assert source.name(date(2024, 2, 12)) == "振替休日"  # 建国記念の日 on a Sunday
    assert source.name(date(2015, 9, 22)) == "国民の休日"  # between 敬老の日 and 秋分の日
    assert source.name(date(2019, 4, 30)) == "国民の休日"
    assert source.name(date(2019, 5, 1)) is not None  # 天皇の即位の日 (special act)
    assert source.name(date(2024, 4, 15)) is None


def test_the_default_calendar_closes_weekends_holidays_and_29_december_to_3_january() -> None:
    assert CALENDAR.closed_reason(date(2024, 4, 13)) == "土曜日"
    assert CALENDAR.closed_reason(date(2024, 4, 14)) == "日曜日"
    assert CALENDAR.closed_reason(date(2024, 4, 29)) == "昭和の日"
    assert CALENDAR.closed_reason(date(2024, 12, 30)) == "年末年始"
    assert CALENDAR.closed_reason(date(2025, 1, 3)) == "年末年始"
    assert CALENDAR.closed_reason(date(2025, 1, 1)) == "元日"
    assert not CALENDAR.is_closed(date(2024, 12, 27))
    assert not CALENDAR.is_closed(date(2025, 1, 6))


def test_next_open_day_is_the_day_itself_when_open() -> None:
    assert CALENDAR.next_open_day(date(2024, 4, 15)) == date(2024, 4, 15)
    assert CALENDAR.next_open_day(date(2024, 4, 13)) == date(2024, 4, 15)


def test_a_year_without_holiday_data_is_refused_rather_than_treated_as_ordinary() -> None:
    with pytest.raises(JichiError) as raised:
        CALENDAR.is_closed(date(2100, 1, 4))
    assert raised.value.code == "DL-001"
    assert "2100" in raised.value.message_ja


# --- configurable 条例 ----------------------------------------------------------------


def test_a_municipality_can_add_an_annual_day_and_one_off_closures() -> None:
    okinawa = Calendar(ClosingDays(annual_dates=frozenset({(6, 23)})))
    assert okinawa.closed_reason(date(2025, 6, 23)) == "条例で定める休日"
    assert not CALENDAR.is_closed(date(2025, 6, 23))
    one_off = Calendar(ClosingDays(extra_dates=frozenset({date(2025, 6, 24)})))
    assert one_off.is_closed(date(2025, 6, 24))


def test_the_year_end_range_and_weekends_are_configurable() -> None:
    short_break = Calendar(ClosingDays(year_end=((12, 30), (1, 2))))
    assert not short_break.is_closed(date(2025, 12, 29))  # a Monday
    assert not short_break.is_closed(date(2026, 1, 5))
    assert short_break.is_closed(date(2026, 1, 2))
    no_break = Calendar(ClosingDays(year_end=None))
    assert not no_break.is_closed(date(2025, 12, 30))
    open_weekends = Calendar(ClosingDays(weekends=False))
    assert not open_weekends.is_closed(date(2024, 4, 13))


def test_a_fake_holiday_source_can_stand_in_for_the_library() -> None:
    calendar = Calendar(holiday_source=FixedHolidays({date(2030, 7, 1): "テストの日"}))
    assert calendar.closed_reason(date(2030, 7, 1)) == "テストの日"
    with pytest.raises(JichiError):
        calendar.is_closed(date(2031, 7, 1))


def test_without_national_holidays_no_holiday_table_is_needed() -> None:
    calendar = Calendar(ClosingDays(national_holidays=False))
    assert not calendar.is_closed(date(2024, 4, 29))
    assert not calendar.is_closed(date(2150, 6, 2))  # a Tuesday; no data needed


def test_an_impossible_month_day_in_the_config_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        ClosingDays(year_end=((12, 32), (1, 3)))
    with pytest.raises(ValueError):
        ClosingDays(annual_dates=frozenset({(2, 30)}))


# --- counting the days ----------------------------------------------------------------


def test_a_move_in_on_1_april_2024_is_due_on_15_april_a_monday() -> None:
    assert last_day_of_period(date(2024, 4, 1), 14, RESIDENT) == date(2024, 4, 15)
    assert deadline(date(2024, 4, 1), 14, RESIDENT, CALENDAR) == date(2024, 4, 15)
    assert not is_late(date(2024, 4, 1), date(2024, 4, 15), 14, RESIDENT, CALENDAR)
    assert is_late(date(2024, 4, 1), date(2024, 4, 16), 14, RESIDENT, CALENDAR)


def test_a_14th_day_on_a_saturday_moves_to_monday() -> None:
    assert last_day_of_period(date(2024, 4, 6), 14, RESIDENT) == date(2024, 4, 20)
    assert deadline(date(2024, 4, 6), 14, RESIDENT, CALENDAR) == date(2024, 4, 22)
    assert not is_late(date(2024, 4, 6), date(2024, 4, 22), 14, RESIDENT, CALENDAR)


def test_a_birth_on_1_april_2024_counts_the_first_day_and_rolls_from_sunday_to_monday() -> None:
    assert last_day_of_period(date(2024, 4, 1), 14, FAMILY) == date(2024, 4, 14)
    assert deadline(date(2024, 4, 1), 14, FAMILY, CALENDAR) == date(2024, 4, 15)


def test_a_death_is_due_within_7_days_counting_the_day_of_death() -> None:
    # 2024-04-08 (Mon) + 6 = 2024-04-14 (Sun) -> Monday 15th.
    assert last_day_of_period(date(2024, 4, 8), 7, FAMILY) == date(2024, 4, 14)
    assert deadline(date(2024, 4, 8), 7, FAMILY, CALENDAR) == date(2024, 4, 15)


def test_a_last_day_of_29_december_moves_past_the_year_end_and_the_weekend() -> None:
    assert date(2025, 1, 4).weekday() == 5 and date(2025, 1, 5).weekday() == 6
    assert last_day_of_period(date(2024, 12, 15), 14, RESIDENT) == date(2024, 12, 29)
    assert deadline(date(2024, 12, 15), 14, RESIDENT, CALENDAR) == date(2025, 1, 6)


def test_golden_week_2024_moves_a_4_may_deadline_to_7_may() -> None:
    # 5/3 憲法記念日 (Fri), 5/4 みどりの日 (Sat), 5/5 こどもの日 (Sun), 5/6 振替休日.
    assert last_day_of_period(date(2024, 4, 20), 14, RESIDENT) == date(2024, 5, 4)
    assert deadline(date(2024, 4, 20), 14, RESIDENT, CALENDAR) == date(2024, 5, 7)


def test_the_ten_day_golden_week_of_2019_is_crossed_in_one_step() -> None:
    assert deadline(date(2019, 4, 13), 14, RESIDENT, CALENDAR) == date(2019, 5, 7)


def test_a_period_has_at_least_one_day() -> None:
    with pytest.raises(ValueError):
        last_day_of_period(date(2024, 4, 1), 0, RESIDENT)
    assert last_day_of_period(date(2024, 4, 1), 1, FAMILY) == date(2024, 4, 1)


def test_a_notification_before_the_event_is_not_late() -> None:
    assert not is_late(date(2024, 4, 1), date(2024, 3, 25), 14, RESIDENT, CALENDAR)


# --- properties -----------------------------------------------------------------------


@given(events, periods, rules)
def test_the_deadline_is_never_before_the_raw_last_day_and_never_closed(
    event: date, days: int, rule: PeriodRule
) -> None:
    raw = last_day_of_period(event, days, rule)
    due = deadline(event, days, rule, CALENDAR)
    assert due >= raw
    assert not CALENDAR.is_closed(due)
    day = raw
    while day < due:  # it moved only across closed days
        assert CALENDAR.is_closed(day)
        day += timedelta(days=1)


@given(events, periods)
def test_counting_the_first_day_ends_the_period_one_day_earlier(event: date, days: int) -> None:
    assert last_day_of_period(event, days, FAMILY) == last_day_of_period(
        event, days, RESIDENT
    ) - timedelta(days=1)


@given(events, periods, rules, st.integers(0, 60), st.integers(0, 60))
def test_lateness_is_monotone_in_the_notified_date(
    event: date, days: int, rule: PeriodRule, first: int, second: int
) -> None:
    earlier = event + timedelta(days=min(first, second))
    later = event + timedelta(days=max(first, second))
    if is_late(event, earlier, days, rule, CALENDAR):
        assert is_late(event, later, days, rule, CALENDAR)


@given(events, periods, rules)
def test_the_deadline_itself_is_on_time_and_the_day_after_is_late(
    event: date, days: int, rule: PeriodRule
) -> None:
    due = deadline(event, days, rule, CALENDAR)
    assert not is_late(event, due, days, rule, CALENDAR)
    assert is_late(event, due + timedelta(days=1), days, rule, CALENDAR)
