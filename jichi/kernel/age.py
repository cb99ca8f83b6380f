"""Age as the law counts it (年齢計算ニ関スル法律 and 民法143条).

Everyday speech says a person turns six on their birthday.  The law says something
slightly different, and the difference decides who may vote and which school year a
child joins:

1. 年齢計算ニ関スル法律 1項: age is counted from the day of birth, and that day counts
   in full (初日算入), however late in the day the birth was;
2. 同 2項 applies 民法143条: a period of years ends at the end of the day *before* the
   day corresponding to its first day.  So a person reaches age N at 24:00 at the end
   of the day before their N-th birthday.  For a birth on 29 February the
   corresponding day is missing in a common year, and 民法143条2項 ただし書 makes the
   period end on the last day of that month: the age is reached at the end of
   28 February.

Two questions follow, and they have different answers on one day a year:

* :func:`age_on` — the age a person holds *throughout* a day (at its start).  On the
  birthday itself the new age is already held; on the day before, it is not.
* :func:`age_at_end_of` — the age held at the *end* of a day, which already counts a
  birthday-eve.  Election law asks this question: 「満18年以上」 on election day is met
  by someone whose 18th birthday is the day after (they reach 18 at 24:00 that
  day), as every election commission applies it.

:func:`birthday_reached_on` names the day at whose end an age is reached, the day the
law calls 「満N歳に達した日」.  That is why a child born on 2 April reaches six on
1 April and starts school the next April, while one born on 1 April reaches six on
31 March and starts the same April (学校教育法17条1項: 「満六歳に達した日の翌日以後に
おける最初の学年の初め」) — 早生まれ includes 1 April.  See ``docs/guide/era.md``.
"""

from __future__ import annotations

from datetime import date, timedelta

from jichi.kernel.errors import JichiError, define

__all__ = [
    "DATE_BEFORE_BIRTH",
    "age_at_end_of",
    "age_on",
    "birthday_reached_on",
]

DATE_BEFORE_BIRTH = define(
    "AGE-001",
    "基準日が生年月日より前です。生年月日と基準日を確認してください。",
    "the reference date is before the date of birth; check both dates",
)

_ONE_DAY = timedelta(days=1)


def _first_day_holding(birth: date, age: int) -> date:
    """The first whole day on which ``age`` is held: the N-th birthday, or 1 March for 29 Feb.

    For a 29 February birth in a common year the age is reached at the end of
    28 February (民法143条2項 ただし書), so the first day holding it is 1 March.
    """
    year = birth.year + age
    try:
        return birth.replace(year=year)
    except ValueError:  # 29 February in a common year
        return date(year, 3, 1)


def age_on(birth: date, on: date, *, field: str = "date") -> int:
    """The age held throughout the day ``on`` (already the new age on a birthday).

    Raises AGE-001 when ``on`` is before ``birth``: a date mix-up at input, not an age.
    """
    if on < birth:
        raise JichiError(DATE_BEFORE_BIRTH, field=field)
    years = on.year - birth.year
    if on < _first_day_holding(birth, years):
        years -= 1
    return years


def age_at_end_of(birth: date, day: date, *, field: str = "date") -> int:
    """The age held at 24:00 at the end of ``day``: counts an age reached that very night.

    Use it for 「満N年以上 on day D」 tests such as the right to vote on election day.
    """
    if day < birth:
        raise JichiError(DATE_BEFORE_BIRTH, field=field)
    return age_on(birth, day + _ONE_DAY, field=field)


def birthday_reached_on(birth: date, age: int) -> date:
    """The day at whose end ``age`` is reached (「満N歳に達した日」): the birthday's eve.

    Born 2000-04-02 → six on 2006-04-01; born 2000-04-01 → six on 2006-03-31; born
    2000-02-29 → one on 2001-02-28 and four on 2004-02-28.  Age 0 is never "reached"
    (it is held from birth), so ``age`` must be at least 1.
    """
    if age < 1:
        raise ValueError(f"an age is reached from 1 upwards, got {age}")
    return _first_day_holding(birth, age) - _ONE_DAY
