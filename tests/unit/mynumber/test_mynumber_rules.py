"""Validity by age and residence status, PIN formats, and the keyed number transform."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jichi.kernel.errors import JichiError
from jichi.kernel.identifiers import IdKind, validate
from jichi.mynumber.numbers import NumberKey, candidate, load_number_key
from jichi.mynumber.pins import PinKind, attempt, check_format, new_record
from jichi.mynumber.validity import (
    CardRules,
    Holder,
    add_months,
    birthday_cap,
    nth_birthday_after,
    valid_until,
)

RULES = CardRules()


def test_adult_gets_the_10th_birthday_minor_the_5th() -> None:
    issued = date(2026, 4, 1)
    assert valid_until(Holder(date(2008, 3, 31)), issued, RULES) == date(2036, 3, 31)  # 18 on issue
    assert valid_until(Holder(date(2008, 4, 2)), issued, RULES) == date(2030, 4, 2)  # 17 on issue
    # the minor age is a rule: 20 before 2022-04-01
    old_rules = CardRules(minor_age=20)
    assert valid_until(Holder(date(2007, 1, 1)), issued, old_rules) == date(2031, 1, 1)


def test_birthday_on_the_issue_day_is_not_the_first_unless_configured() -> None:
    birth, issued = date(1990, 4, 1), date(2026, 4, 1)
    assert nth_birthday_after(birth, issued, 10, RULES) == date(2036, 4, 1)
    counts = CardRules(birthday_on_issue_day_counts=True)
    assert nth_birthday_after(birth, issued, 10, counts) == date(2035, 4, 1)


def test_leap_day_birthday_falls_on_28_february_by_default() -> None:
    birth = date(2000, 2, 29)
    assert nth_birthday_after(birth, date(2027, 4, 1), 10, RULES) == date(2037, 2, 28)
    march = CardRules(leap_day_birthday_in_common_year="03-01")
    assert nth_birthday_after(birth, date(2027, 4, 1), 10, march) == date(2037, 3, 1)


@pytest.mark.parametrize("status", ["特別永住者", "永住者", "高度専門職2号"])
def test_permanent_statuses_are_treated_like_nationals(status: str) -> None:
    holder = Holder(date(1985, 9, 9), True, status, stay_expires_on=date(2027, 1, 1))
    assert valid_until(holder, date(2026, 4, 1), RULES) == date(2035, 9, 9)


def test_limited_stay_ends_the_card_at_the_stay_if_earlier() -> None:
    holder = Holder(date(1985, 9, 9), True, "留学", stay_expires_on=date(2027, 1, 1))
    assert valid_until(holder, date(2026, 4, 1), RULES) == date(2027, 1, 1)
    long_stay = Holder(date(1985, 9, 9), True, "留学", stay_expires_on=date(2040, 1, 1))
    assert valid_until(long_stay, date(2026, 4, 1), RULES) == date(2035, 9, 9)


def test_add_months_clamps_to_the_month_end() -> None:
    assert add_months(date(2027, 12, 31), 2) == date(2028, 2, 29)
    assert add_months(date(2027, 3, 31), 2) == date(2027, 5, 31)


@given(
    birth=st.dates(date(1920, 1, 1), date(2026, 1, 1)),
    offset=st.integers(0, 365 * 30),
)
def test_validity_is_a_birthday_5_or_10_years_on(birth: date, offset: int) -> None:
    issued = birth + timedelta(offset)
    cap = birthday_cap(Holder(birth), issued, RULES)
    assert cap > issued
    assert (cap.month, cap.day) == (birth.month, birth.day) or (birth.month, birth.day) == (2, 29)
    years = cap.year - issued.year
    adult = offset >= 365 * 18 + 5
    assert years in ((9, 10) if adult else (4, 5)) or offset in range(365 * 18 - 5, 365 * 18 + 6)


def test_pin_formats() -> None:
    for good in ("ABC123", "A1B2C3D4E5F6G7H8", "1A2345"):
        check_format(PinKind.SIGNATURE, good)
    for bad in ("ABCDEF", "123456", "abc123", "AB12", "A1" * 9, "ABC 12", "ＡＢＣ１２３"):
        with pytest.raises(JichiError) as caught:
            check_format(PinKind.SIGNATURE, bad)
        assert caught.value.code == "MYN-020" and bad not in caught.value.message_ja
    for kind in (PinKind.USER_AUTHENTICATION, PinKind.RESIDENT_REGISTRY, PinKind.TEXT_INPUT):
        check_format(kind, "0000")
        for bad in ("123", "12345", "12a4", "１２３４"):
            with pytest.raises(JichiError):
                check_format(kind, bad)


def test_pin_record_never_holds_the_pin_and_checks_it() -> None:
    record = new_record(PinKind.TEXT_INPUT, "4321")
    assert "4321" not in repr(record)
    assert attempt(record, PinKind.TEXT_INPUT, "4321") == (record, True)
    after, ok = attempt(record, PinKind.TEXT_INPUT, "1234")
    assert not ok and after.failures == 1


KEY = NumberKey(b"k" * 32)


@given(code=st.text("0123456789", min_size=11, max_size=11), counter=st.integers(0, 50))
def test_candidates_are_valid_individual_numbers(code: str, counter: int) -> None:
    number = candidate(KEY, code, counter)
    assert validate(IdKind.INDIVIDUAL_NUMBER, number).value == number
    assert candidate(KEY, code, counter) == number  # deterministic


def test_candidates_depend_on_key_code_and_counter() -> None:
    code = "12345678901"
    numbers = {candidate(KEY, code, k) for k in range(20)}
    assert len(numbers) == 20
    assert candidate(NumberKey(b"j" * 32), code, 0) != candidate(KEY, code, 0)
    assert candidate(KEY, "12345678902", 0) != candidate(KEY, code, 0)
    assert "k" not in repr(KEY) and "hidden" in repr(KEY)


def test_number_key_from_environment_file_or_derived(tmp_path: object) -> None:
    env = {"JICHI_NUMBER_KEY": "bnVtYmVyLWtleS1udW1iZXIta2V5LW51bWJlci1rZXkteHg"}
    a = load_number_key(environ=env)
    assert candidate(a, "12345678901", 0) == candidate(
        load_number_key(environ=env), "12345678901", 0
    )
    with pytest.raises(JichiError) as caught:
        load_number_key(environ={"JICHI_NUMBER_KEY": "short"})
    assert caught.value.code == "MYN-007" and "short" not in caught.value.message_ja
    derived = load_number_key(
        environ={"JICHI_SECRET_KEY": "dGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQ"}
    )
    assert candidate(derived, "12345678901", 0) != candidate(a, "12345678901", 0)
