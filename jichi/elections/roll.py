"""選挙人名簿 (`VoterRoll`): who is registered (公職選挙法21条), 表示 and 抹消 (27条・28条).

Eligibility is derived from dates every time, never stored as a flag: the day the
住民票 was created or the 転入届 filed, the day the person stopped living here, death and
loss of nationality.  A registration at a base date (定時登録 on the 1st of March, June,
September and December, 22条1項; 選挙時登録 on a date the commission fixes, 22条3項)
registers a person who on that date

* is a Japanese national (and has not lost the vote: 11条1項, 252条, 政治資金規正法28条);
* is 18 or over — by the Age Calculation Act, at the end of the day before the 18th
  birthday (:func:`jichi.kernel.age.age_at_end_of`) — judged on **election day** when an
  election is given (22条2項, and the practice for 選挙時登録), else on the base date;
* has been on this registry **continuously for three months**, counted from the day
  the 住民票 was created or the 転入届 was filed (not the day of the actual move).

21条2項 (since 2016): a person who moved out after three months here, fewer than four
months ago, and is on no other roll yet, is still registered here, marked (表示) at
registration (27条2項).  A registered entry is marked when the person moves out or loses
the vote (27条1項) and struck (抹消, 28条) on death, loss of nationality, four months
after moving out, or a registration elsewhere (double registration).

How "three months" and "four months" are counted on the day is UNCONFIRMED (facts file
§1.1), so it is a :class:`PeriodConvention`, default the 民法 calendar-month reading
(140条: the day of the event not counted; 143条: the period ends the day before the
corresponding day, or at the end of the month when there is none) with the period
complete at the end of the day.  Every decision names the convention it used.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

from jichi.elections.errors import DATES_OUT_OF_ORDER, NOT_PERIODIC_DATE
from jichi.kernel.age import age_at_end_of
from jichi.kernel.errors import JichiError

__all__ = [
    "DEFAULT_RULES",
    "Action",
    "Elector",
    "MaintenanceDecision",
    "Outcome",
    "PeriodConvention",
    "Reason",
    "RegistrationDecision",
    "RollRules",
    "build_roll",
    "decide_registration",
    "maintain",
    "months_passed",
    "period_end",
]

_DAY = timedelta(days=1)


class PeriodConvention(Enum):
    """When a period of months counted under 民法140・143条 is complete on a day."""

    CIVIL_CODE_END_OF_DAY = "civil_code_end_of_day"  # complete at 24:00 of its last day
    CIVIL_CODE_START_OF_DAY = "civil_code_start_of_day"  # only the day after its last day


@dataclass(frozen=True)
class RollRules:
    convention: PeriodConvention = PeriodConvention.CIVIL_CODE_END_OF_DAY
    voting_age: int = 18  # 公職選挙法9条 (since 2016)
    residence_months: int = 3  # 21条1項
    moved_out_months: int = 4  # 21条2項, 28条2号


DEFAULT_RULES = RollRules()


def period_end(event: date, months: int) -> date:
    """The last day of a period of ``months`` counted from ``event`` (民法140・143条).

    The event day is not counted (140条), so the period starts the next day; it ends
    the day before the corresponding day ``months`` later, or at the end of that month
    when the month has no such day (143条2項).  転入届 6/1 → 3 months end on 9/1.
    """
    start = event + _DAY
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    if start.day > last:
        return date(year, month, last)
    return date(year, month, start.day) - _DAY


def months_passed(event: date, months: int, on: date, convention: PeriodConvention) -> bool:
    """Whether ``months`` counted from ``event`` are complete on the day ``on``."""
    end = period_end(event, months)
    if convention is PeriodConvention.CIVIL_CODE_END_OF_DAY:
        return end <= on
    return end < on


@dataclass(frozen=True)
class Elector:
    """A person as the roll sees them at a base date (plain values from the registry)."""

    person_id: str
    birth_date: date
    japanese: bool
    on_registry_since: date  # 住民票 created here (birth) or 転入届 filed (届出日)
    moved_out_on: date | None = None  # the day they stopped living here (転出の異動日)
    died_on: date | None = None
    nationality_lost_on: date | None = None
    disenfranchised: bool = False  # 選挙権を有しない者 (11条1項, 252条 …)
    registered_elsewhere: bool = False  # on another municipality's roll already


class Reason(Enum):
    NOT_ON_REGISTRY = "not_on_registry"
    NOT_JAPANESE = "not_japanese"
    NATIONALITY_LOST = "nationality_lost"
    DEAD = "dead"
    DISENFRANCHISED = "disenfranchised"
    UNDER_AGE = "under_age"
    UNDER_THREE_MONTHS = "under_three_months"
    MOVED_OUT = "moved_out"
    MOVED_OUT_FOUR_MONTHS = "moved_out_four_months"
    REGISTERED_ELSEWHERE = "registered_elsewhere"


class Outcome(Enum):
    REGISTER = "register"
    REGISTER_MARKED = "register_marked"  # 21条2項, marked at registration (27条2項)
    NOT_REGISTERED = "not_registered"


class Action(Enum):
    KEEP = "keep"
    MARK = "mark_moved"  # 表示 (27条1項)
    STRIKE = "strike"  # 抹消 (28条)


@dataclass(frozen=True)
class RegistrationDecision:
    person_id: str
    outcome: Outcome
    reasons: tuple[Reason, ...]
    age_judged_on: date
    convention: PeriodConvention


@dataclass(frozen=True)
class MaintenanceDecision:
    person_id: str
    action: Action
    reasons: tuple[Reason, ...]
    convention: PeriodConvention


def _check_dates(e: Elector) -> None:
    if e.on_registry_since < e.birth_date:
        raise JichiError(
            DATES_OUT_OF_ORDER,
            field=f"{e.person_id}.on_registry_since",
            reason="住民票の記載日が生年月日より前です",
            reason_en="on the registry before birth",
        )
    if e.moved_out_on is not None and e.moved_out_on < e.on_registry_since:
        raise JichiError(
            DATES_OUT_OF_ORDER,
            field=f"{e.person_id}.moved_out_on",
            reason="転出の日が転入届の日より前です",
            reason_en="moved out before moving in",
        )


def _gone(e: Elector, on: date) -> list[Reason]:
    """Reasons that end the right to be on any roll, as of ``on``."""
    reasons = []
    if e.died_on is not None and e.died_on <= on:
        reasons.append(Reason.DEAD)
    if e.nationality_lost_on is not None and e.nationality_lost_on <= on:
        reasons.append(Reason.NATIONALITY_LOST)
    elif not e.japanese:
        reasons.append(Reason.NOT_JAPANESE)
    return reasons


def decide_registration(
    e: Elector,
    base_date: date,
    *,
    election_day: date | None = None,
    rules: RollRules = DEFAULT_RULES,
) -> RegistrationDecision:
    """Whether ``e`` is registered at ``base_date`` (21条1項・2項); every failed rule listed."""
    _check_dates(e)
    age_day = election_day or base_date
    reasons = _gone(e, base_date)
    if e.disenfranchised:
        reasons.append(Reason.DISENFRANCHISED)
    if e.on_registry_since > base_date:
        reasons.append(Reason.NOT_ON_REGISTRY)
    if age_day < e.birth_date or age_at_end_of(e.birth_date, age_day) < rules.voting_age:
        reasons.append(Reason.UNDER_AGE)
    convention = rules.convention
    moved = e.moved_out_on is not None and e.moved_out_on <= base_date
    if not moved:
        if not months_passed(e.on_registry_since, rules.residence_months, base_date, convention):
            reasons.append(Reason.UNDER_THREE_MONTHS)
    else:
        assert e.moved_out_on is not None
        # 21条2項: three months here, counted up to the last day before the move
        last_day_here = e.moved_out_on - _DAY
        if not months_passed(
            e.on_registry_since, rules.residence_months, last_day_here, convention
        ):
            reasons.append(Reason.UNDER_THREE_MONTHS)
        if months_passed(e.moved_out_on, rules.moved_out_months, base_date, convention):
            reasons.append(Reason.MOVED_OUT_FOUR_MONTHS)
        if e.registered_elsewhere:
            reasons.append(Reason.REGISTERED_ELSEWHERE)
    if reasons:
        outcome = Outcome.NOT_REGISTERED
    else:
        outcome = Outcome.REGISTER_MARKED if moved else Outcome.REGISTER
    return RegistrationDecision(e.person_id, outcome, tuple(reasons), age_day, convention)


def maintain(e: Elector, on: date, *, rules: RollRules = DEFAULT_RULES) -> MaintenanceDecision:
    """What happens on ``on`` to a registered entry: keep, 表示 or 抹消."""
    _check_dates(e)
    convention = rules.convention
    strike = _gone(e, on)
    if e.registered_elsewhere:
        strike.append(Reason.REGISTERED_ELSEWHERE)
    moved = e.moved_out_on is not None and e.moved_out_on <= on
    if moved:
        assert e.moved_out_on is not None
        if months_passed(e.moved_out_on, rules.moved_out_months, on, convention):
            strike.append(Reason.MOVED_OUT_FOUR_MONTHS)
    if strike:
        return MaintenanceDecision(e.person_id, Action.STRIKE, tuple(strike), convention)
    mark = [Reason.MOVED_OUT] if moved else []
    if e.disenfranchised:
        mark.append(Reason.DISENFRANCHISED)
    if mark:
        return MaintenanceDecision(e.person_id, Action.MARK, tuple(mark), convention)
    return MaintenanceDecision(e.person_id, Action.KEEP, (), convention)


def build_roll(
    electors: Iterable[Elector],
    base_date: date,
    *,
    periodic: bool = False,
    election_day: date | None = None,
    rules: RollRules = DEFAULT_RULES,
) -> list[RegistrationDecision]:
    """Decide every elector at one base date, in person-id order.

    ``periodic``: a 定時登録, whose base date must be the 1st of March, June, September
    or December (22条1項); a 選挙時登録 takes any date the commission fixes.
    """
    if periodic and (base_date.day != 1 or base_date.month not in (3, 6, 9, 12)):
        raise JichiError(NOT_PERIODIC_DATE, field="base_date", value=base_date.isoformat())
    return sorted(
        (
            decide_registration(e, base_date, election_day=election_day, rules=rules)
            for e in electors
        ),
        key=lambda d: d.person_id,
    )
