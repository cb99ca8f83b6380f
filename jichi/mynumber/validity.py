"""How long a card is valid (番号法施行令 and the municipal pages, facts mynumber.md §2.1).

* Issued to someone 18 or older on the issue day: until the **10th birthday** after
  issue; under 18: the **5th** (the cut-off was 20 before 2022-04-01; the rules object
  carries it, so a card issued earlier can be replayed with ``minor_age=20``).
* A foreign resident with a limited stay: the earlier of that birthday and the
  在留期間満了日; 特別永住者, 永住者 and 高度専門職2号 are treated like nationals.
* 有効期間変更 (a renewed stay) moves the date, never past the birthday cap; the
  特例期間延長 gives at most **2 months** after the old 在留期間満了日 while the
  immigration decision is pending (again capped).

UNCONFIRMED and so configurable (:class:`CardRules`): whether a birthday falling on the
issue day itself counts as the first one (default: no, the first birthday is the next
one), and which day a 29 February birthday falls on in a common year (default:
28 February).  The card is valid through ``valid_until`` and lapses the day after.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date

from jichi.kernel.age import age_on

LIKE_NATIONALS = frozenset({"特別永住者", "永住者", "高度専門職2号", "高度専門職２号"})


@dataclass(frozen=True)
class CardRules:
    """The numbers the card's rules depend on; UNCONFIRMED ones are marked."""

    adult_years: int = 10
    minor_years: int = 5
    minor_age: int = 18
    like_nationals: frozenset[str] = field(default=LIKE_NATIONALS)
    provisional_extension_months: int = 2
    move_in_days_after_moving: int = 14  # 転入届 within 14 days of moving in
    move_in_days_after_planned_move_out: int = 30  # and 30 days of the planned 転出
    continued_use_days: int = 90  # 継続利用 within 90 days of the 転入届
    birthday_on_issue_day_counts: bool = False  # UNCONFIRMED
    leap_day_birthday_in_common_year: str = "02-28"  # UNCONFIRMED: or "03-01"


@dataclass(frozen=True)
class Holder:
    """What the card's validity needs to know about its holder (from the registry)."""

    date_of_birth: date
    foreign: bool = False
    residence_status: str = ""  # 在留資格 or 区分 (特別永住者 …), as the registry holds it
    stay_expires_on: date | None = None  # 在留期間の満了の日

    def limited_stay(self, rules: CardRules) -> bool:
        """Whether the card is tied to a 在留期間 (a foreign resident not like a national)."""
        return (
            self.foreign
            and self.residence_status not in rules.like_nationals
            and self.stay_expires_on is not None
        )


def birthday_in(birth: date, year: int, rules: CardRules) -> date:
    """The birthday in ``year``; 29 February by the rule in a common year."""
    if birth.month == 2 and birth.day == 29 and not calendar.isleap(year):
        month, day = (int(part) for part in rules.leap_day_birthday_in_common_year.split("-"))
        return date(year, month, day)
    return date(year, birth.month, birth.day)


def nth_birthday_after(birth: date, issued_on: date, n: int, rules: CardRules) -> date:
    """The ``n``-th birthday after ``issued_on`` (the issue day itself by the rule)."""
    first = birthday_in(birth, issued_on.year, rules)
    year = issued_on.year
    if first < issued_on or (first == issued_on and not rules.birthday_on_issue_day_counts):
        year += 1
    return birthday_in(birth, year + n - 1, rules)


def birthday_cap(holder: Holder, issued_on: date, rules: CardRules) -> date:
    """The 10th (or, under ``minor_age`` on the issue day, 5th) birthday after issue."""
    minor = age_on(holder.date_of_birth, issued_on, field="issued_on") < rules.minor_age
    years = rules.minor_years if minor else rules.adult_years
    return nth_birthday_after(holder.date_of_birth, issued_on, years, rules)


def valid_until(holder: Holder, issued_on: date, rules: CardRules) -> date:
    """The last valid day of a card issued on ``issued_on``."""
    cap = birthday_cap(holder, issued_on, rules)
    if holder.limited_stay(rules) and holder.stay_expires_on is not None:
        return min(cap, holder.stay_expires_on)
    return cap


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))
