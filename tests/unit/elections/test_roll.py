"""Who the roll registers (公職選挙法21条), 表示 and 抹消, with every edge on the day."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from jichi.elections.roll import (
    Action,
    Elector,
    Outcome,
    PeriodConvention,
    Reason,
    RollRules,
    build_roll,
    decide_registration,
    maintain,
    period_end,
)
from jichi.kernel.errors import JichiError

START_OF_DAY = RollRules(convention=PeriodConvention.CIVIL_CODE_START_OF_DAY)
ADULT = Elector("p1", date(1980, 5, 5), True, date(2024, 1, 10))


def decide(e: Elector, base: date, **kw: object) -> tuple[Outcome, tuple[Reason, ...]]:
    d = decide_registration(e, base, **kw)  # type: ignore[arg-type]
    return d.outcome, d.reasons


@pytest.mark.parametrize(
    ("event", "months", "end"),
    [
        (date(2024, 6, 1), 3, date(2024, 9, 1)),
        (date(2024, 11, 30), 3, date(2025, 2, 28)),  # start 12/1 → 3/1 → 2/28
        (date(2024, 11, 29), 3, date(2025, 2, 28)),  # start 11/30, no 2/30: month end
        (date(2023, 11, 29), 3, date(2024, 2, 29)),  # leap year
        (date(2024, 6, 1), 4, date(2024, 10, 1)),
        (date(2024, 10, 31), 4, date(2025, 2, 28)),
    ],
)
def test_period_end_by_the_civil_code(event: date, months: int, end: date) -> None:
    assert period_end(event, months) == end


def test_18th_birthday_the_day_after_election_day_votes() -> None:
    """Election 2024-10-27 (facts file §1.2): born 10-28 votes, born 10-29 does not."""
    election = date(2024, 10, 27)
    base = date(2024, 10, 14)
    votes = replace(ADULT, birth_date=date(2006, 10, 28))
    too_young = replace(ADULT, birth_date=date(2006, 10, 29))
    assert decide(votes, base, election_day=election) == (Outcome.REGISTER, ())
    assert decide(too_young, base, election_day=election) == (
        Outcome.NOT_REGISTERED,
        (Reason.UNDER_AGE,),
    )


def test_age_is_judged_on_election_day_when_one_is_given() -> None:
    """22条2項: a 定時登録 inside an election period judges age on election day."""
    e = replace(ADULT, birth_date=date(2006, 6, 10))
    assert decide(e, date(2024, 6, 1))[0] is Outcome.NOT_REGISTERED
    assert decide(e, date(2024, 6, 1), election_day=date(2024, 6, 9))[0] is Outcome.REGISTER
    d = decide_registration(e, date(2024, 6, 1), election_day=date(2024, 6, 9))
    assert d.age_judged_on == date(2024, 6, 9)


def test_born_on_29_february_is_18_at_the_end_of_28_february() -> None:
    e = replace(ADULT, birth_date=date(2008, 2, 29), on_registry_since=date(2008, 2, 29))
    assert decide(e, date(2026, 2, 28))[0] is Outcome.REGISTER
    assert decide(e, date(2026, 2, 27))[1] == (Reason.UNDER_AGE,)


def test_exactly_three_months_from_the_move_in_notification() -> None:
    moved_in = replace(ADULT, on_registry_since=date(2024, 6, 1))
    assert decide(moved_in, date(2024, 9, 1)) == (Outcome.REGISTER, ())
    assert decide(replace(moved_in, on_registry_since=date(2024, 6, 2)), date(2024, 9, 1)) == (
        Outcome.NOT_REGISTERED,
        (Reason.UNDER_THREE_MONTHS,),
    )
    # the other convention needs the period complete before the base date starts
    strict = decide_registration(moved_in, date(2024, 9, 1), rules=START_OF_DAY)
    assert strict.reasons == (Reason.UNDER_THREE_MONTHS,)
    assert strict.convention is PeriodConvention.CIVIL_CODE_START_OF_DAY
    assert decide_registration(moved_in, date(2024, 9, 2), rules=START_OF_DAY).reasons == ()


def test_moved_out_after_three_months_less_than_four_months_ago_is_registered_marked() -> None:
    """21条2項: 3 months here, moved 6/1; four months end 10/1."""
    moved = replace(ADULT, on_registry_since=date(2024, 1, 10), moved_out_on=date(2024, 6, 1))
    assert decide(moved, date(2024, 9, 1)) == (Outcome.REGISTER_MARKED, ())
    assert decide(moved, date(2024, 9, 30)) == (Outcome.REGISTER_MARKED, ())
    assert decide(moved, date(2024, 10, 1)) == (
        Outcome.NOT_REGISTERED,
        (Reason.MOVED_OUT_FOUR_MONTHS,),
    )
    assert decide_registration(moved, date(2024, 10, 1), rules=START_OF_DAY).reasons == ()


def test_moved_out_before_three_months_here_is_not_registered_here() -> None:
    short = replace(ADULT, on_registry_since=date(2024, 3, 1), moved_out_on=date(2024, 6, 1))
    assert decide(short, date(2024, 6, 3))[1] == (Reason.UNDER_THREE_MONTHS,)
    # three months end 6/1: the last day here is 6/1 when the move is 6/2
    enough = replace(short, moved_out_on=date(2024, 6, 2))
    assert decide(enough, date(2024, 6, 3))[0] is Outcome.REGISTER_MARKED


def test_moved_out_and_already_registered_elsewhere_is_not_registered_here() -> None:
    moved = replace(ADULT, moved_out_on=date(2024, 6, 1), registered_elsewhere=True)
    assert decide(moved, date(2024, 9, 1))[1] == (Reason.REGISTERED_ELSEWHERE,)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"japanese": False}, Reason.NOT_JAPANESE),
        ({"died_on": date(2024, 8, 31)}, Reason.DEAD),
        ({"nationality_lost_on": date(2024, 9, 1), "japanese": False}, Reason.NATIONALITY_LOST),
        ({"disenfranchised": True}, Reason.DISENFRANCHISED),
        ({"on_registry_since": date(2024, 9, 2)}, Reason.NOT_ON_REGISTRY),
    ],
)
def test_each_rule_alone_refuses(change: dict[str, object], reason: Reason) -> None:
    outcome, reasons = decide(replace(ADULT, **change), date(2024, 9, 1))  # type: ignore[arg-type]
    assert outcome is Outcome.NOT_REGISTERED and reason in reasons


def test_a_death_after_the_base_date_does_not_undo_the_registration() -> None:
    assert decide(replace(ADULT, died_on=date(2024, 9, 2)), date(2024, 9, 1))[0] is Outcome.REGISTER


def test_every_failed_rule_is_listed() -> None:
    e = Elector("p2", date(2010, 1, 1), False, date(2024, 8, 1))
    assert set(decide(e, date(2024, 9, 1))[1]) == {
        Reason.NOT_JAPANESE,
        Reason.UNDER_AGE,
        Reason.UNDER_THREE_MONTHS,
    }


def test_a_registered_voter_who_moves_is_marked_then_struck_after_four_months() -> None:
    moved = replace(ADULT, moved_out_on=date(2024, 6, 1))
    assert maintain(ADULT, date(2024, 9, 30)).action is Action.KEEP
    assert maintain(moved, date(2024, 5, 31)).action is Action.KEEP
    marked = maintain(moved, date(2024, 9, 30))
    assert (marked.action, marked.reasons) == (Action.MARK, (Reason.MOVED_OUT,))
    struck = maintain(moved, date(2024, 10, 1))
    assert (struck.action, struck.reasons) == (Action.STRIKE, (Reason.MOVED_OUT_FOUR_MONTHS,))


@pytest.mark.parametrize(
    ("change", "action", "reason"),
    [
        ({"died_on": date(2024, 9, 1)}, Action.STRIKE, Reason.DEAD),
        ({"nationality_lost_on": date(2024, 9, 1)}, Action.STRIKE, Reason.NATIONALITY_LOST),
        ({"registered_elsewhere": True}, Action.STRIKE, Reason.REGISTERED_ELSEWHERE),
        ({"disenfranchised": True}, Action.MARK, Reason.DISENFRANCHISED),
    ],
)
def test_strike_and_mark_reasons(change: dict[str, object], action: Action, reason: Reason) -> None:
    decision = maintain(replace(ADULT, **change), date(2024, 9, 1))  # type: ignore[arg-type]
    assert decision.action is action and reason in decision.reasons


def test_periodic_registration_only_on_the_first_of_march_june_september_december() -> None:
    later = replace(ADULT, person_id="p0")
    roll = build_roll([ADULT, later], date(2024, 9, 1), periodic=True)
    assert [d.person_id for d in roll] == ["p0", "p1"]
    with pytest.raises(JichiError) as caught:
        build_roll([ADULT], date(2024, 8, 1), periodic=True)
    assert caught.value.code == "ELE-016"
    assert build_roll([ADULT], date(2024, 8, 1))[0].outcome is Outcome.REGISTER  # 選挙時登録


def test_dates_out_of_order_are_a_typed_error() -> None:
    with pytest.raises(JichiError) as caught:
        decide_registration(replace(ADULT, moved_out_on=date(2023, 1, 1)), date(2024, 9, 1))
    assert caught.value.code == "ELE-015"
