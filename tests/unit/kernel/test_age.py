from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jichi.kernel.age import age_at_end_of, age_on, birthday_reached_on
from jichi.kernel.errors import JichiError

ONE_DAY = timedelta(days=1)
births = st.dates(min_value=date(1873, 1, 1), max_value=date(2080, 12, 31))


def reference_attains_age_on(birth: date, n: int) -> date:
    """The independent formula in shared/docs/facts/elections_funds.md §9, kept verbatim."""
    try:
        anniversary = birth.replace(year=birth.year + n)
    except ValueError:
        anniversary = date(birth.year + n, 3, 1)
    return anniversary - ONE_DAY


# --- the everyday cases ---------------------------------------------------------------


def test_on_the_birthday_the_new_age_is_already_held() -> None:
    assert age_on(date(2000, 6, 15), date(2024, 6, 15)) == 24


def test_on_the_day_before_the_birthday_the_new_age_is_not_yet_held() -> None:
    assert age_on(date(2000, 6, 15), date(2024, 6, 14)) == 23


def test_at_the_end_of_the_day_before_the_birthday_the_new_age_is_reached() -> None:
    assert age_at_end_of(date(2000, 6, 15), date(2024, 6, 14)) == 24
    assert age_at_end_of(date(2000, 6, 15), date(2024, 6, 13)) == 23


def test_a_newborn_is_zero_on_the_day_of_birth() -> None:
    assert age_on(date(2024, 4, 1), date(2024, 4, 1)) == 0
    assert age_at_end_of(date(2024, 4, 1), date(2024, 4, 1)) == 0


def test_a_reference_date_before_birth_is_refused() -> None:
    with pytest.raises(JichiError) as raised:
        age_on(date(2024, 4, 2), date(2024, 4, 1))
    assert raised.value.code == "AGE-001"
    with pytest.raises(JichiError) as raised:
        age_at_end_of(date(2024, 4, 2), date(2024, 4, 1))
    assert raised.value.code == "AGE-001"


def test_age_zero_is_never_reached_so_it_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        birthday_reached_on(date(2000, 1, 1), 0)


# --- school year: 1 April and 2 April -------------------------------------------------


def test_a_child_born_on_2_april_reaches_six_on_1_april() -> None:
    assert birthday_reached_on(date(2000, 4, 2), 6) == date(2006, 4, 1)


def test_a_child_born_on_1_april_reaches_six_on_31_march_and_starts_school_a_year_earlier() -> None:
    assert birthday_reached_on(date(2000, 4, 1), 6) == date(2006, 3, 31)

    def first_school_day(birth: date) -> date:
        # 学校教育法17条1項: the first school year starting on or after the day after
        # the day the child reaches six; school years start on 1 April.
        after = birthday_reached_on(birth, 6) + ONE_DAY
        start = date(after.year, 4, 1)
        return start if start >= after else date(after.year + 1, 4, 1)

    assert first_school_day(date(2000, 4, 1)) == date(2006, 4, 1)
    assert first_school_day(date(2000, 4, 2)) == date(2007, 4, 1)
    assert first_school_day(date(2000, 3, 31)) == date(2006, 4, 1)


# --- 29 February ----------------------------------------------------------------------


def test_a_29_february_birth_reaches_each_age_at_the_end_of_28_february_in_common_years() -> None:
    birth = date(2000, 2, 29)
    assert birthday_reached_on(birth, 1) == date(2001, 2, 28)
    assert birthday_reached_on(birth, 3) == date(2003, 2, 28)
    assert birthday_reached_on(birth, 4) == date(2004, 2, 28)  # leap year: eve of 29 Feb
    assert age_on(birth, date(2001, 2, 28)) == 0
    assert age_at_end_of(birth, date(2001, 2, 28)) == 1
    assert age_on(birth, date(2001, 3, 1)) == 1
    assert age_on(birth, date(2004, 2, 28)) == 3
    assert age_on(birth, date(2004, 2, 29)) == 4


def test_a_29_february_birth_turns_18_for_an_election_on_28_february_of_a_common_year() -> None:
    # Reaches 18 at the end of 2022-02-28, so holds the vote on an election that day.
    assert age_at_end_of(date(2004, 2, 29), date(2022, 2, 28)) == 18
    assert age_on(date(2004, 2, 29), date(2022, 2, 28)) == 17


# --- elections ------------------------------------------------------------------------


def test_someone_whose_18th_birthday_is_the_day_after_election_day_can_vote() -> None:
    election_day = date(2024, 10, 27)
    assert age_at_end_of(date(2006, 10, 28), election_day) >= 18
    assert age_at_end_of(date(2006, 10, 29), election_day) < 18


def test_but_they_are_still_17_at_the_start_of_election_day() -> None:
    # Why early voting before election day is closed to them (facts: 期日前投票).
    assert age_on(date(2006, 10, 28), date(2024, 10, 27)) == 17


# --- properties -----------------------------------------------------------------------


@given(births, st.integers(min_value=1, max_value=110))
def test_birthday_reached_on_agrees_with_the_independent_formula(birth: date, n: int) -> None:
    assert birthday_reached_on(birth, n) == reference_attains_age_on(birth, n)


@given(births, st.integers(min_value=1, max_value=110))
def test_the_age_changes_exactly_at_the_end_of_the_day_it_is_reached(birth: date, n: int) -> None:
    reached = birthday_reached_on(birth, n)
    assert age_on(birth, reached) == n - 1
    assert age_at_end_of(birth, reached) == n
    assert age_on(birth, reached + ONE_DAY) == n
    assert age_at_end_of(birth, reached - ONE_DAY) == n - 1


@given(births, st.integers(min_value=0, max_value=40_000), st.integers(min_value=0, max_value=800))
def test_age_never_goes_down_and_grows_by_at_most_one_a_day(
    birth: date, offset: int, gap: int
) -> None:
    earlier = birth + timedelta(days=offset)
    later = earlier + timedelta(days=gap)
    assert age_on(birth, earlier) <= age_on(birth, later)
    if later > birth:
        assert age_on(birth, later) - age_on(birth, later - ONE_DAY) in (0, 1)


@given(births, st.integers(min_value=1, max_value=100))
def test_the_age_increments_exactly_once_in_each_calendar_year_after_birth(
    birth: date, years_later: int
) -> None:
    year = birth.year + years_later
    day = date(year, 1, 1)
    increments = 0
    previous = age_on(birth, day - ONE_DAY)
    while day.year == year:
        current = age_on(birth, day)
        assert current - previous in (0, 1)
        increments += current - previous
        previous = current
        day += ONE_DAY
    assert increments == 1


@given(births, st.integers(min_value=0, max_value=40_000))
def test_the_end_of_a_day_is_the_start_of_the_next(birth: date, offset: int) -> None:
    day = birth + timedelta(days=offset)
    assert age_at_end_of(birth, day) == age_on(birth, day + ONE_DAY)
    assert age_at_end_of(birth, day) - age_on(birth, day) in (0, 1)
