"""kernel/inputs: ASCII integers, storable text, date range, My Number in free text."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jichi.kernel.errors import JichiError
from jichi.kernel.identifiers import individual_number_check_digit
from jichi.kernel.inputs import (
    MAX_YEAR,
    MIN_YEAR,
    check_date,
    check_text,
    contains_individual_number,
    parse_int,
    refuse_individual_number,
)

FULL = {ord(d): ord("０") + int(d) for d in "0123456789"}


def my_number(base: str) -> str:
    return base + str(individual_number_check_digit(base))


@given(st.integers(min_value=0, max_value=10**12))
def test_ascii_digits_parse_to_their_number(n: int) -> None:
    assert parse_int(str(n), field="n", high=10**12) == n


@given(st.text(min_size=1, max_size=6).filter(lambda t: not (t.isascii() and t.strip().isdigit())))
def test_anything_but_ascii_digits_is_txt_013(text: str) -> None:
    with pytest.raises(JichiError) as raised:
        parse_int(text, field="n")
    assert raised.value.code in {"TXT-013", "TXT-014"} and raised.value.field == "n"


@pytest.mark.parametrize("text", ["１２", "٣", "²", "9" * 19, "", "1e3", "0x10"])
def test_other_scripts_superscripts_and_huge_digit_runs_are_refused(text: str) -> None:
    with pytest.raises(JichiError) as raised:
        parse_int(text, field="rows")
    assert raised.value.code == "TXT-013"


def test_bounds_are_txt_014_and_a_minus_sign_needs_a_negative_low() -> None:
    with pytest.raises(JichiError) as raised:
        parse_int("21", field="rows", low=1, high=20)
    assert raised.value.code == "TXT-014"
    assert parse_int("-3", field="t", low=-5, high=5) == -3
    with pytest.raises(JichiError):
        parse_int("-3", field="t")


@given(st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs")), max_size=50))
def test_text_without_controls_or_surrogates_passes_unchanged(text: str) -> None:
    assert check_text(text, field="note") == text


@pytest.mark.parametrize(
    ("text", "code"),
    [("a\x00b", "TXT-010"), ("\x1b", "TXT-010"), ("\ud800", "TXT-011"), ("x" * 4001, "TXT-012")],
)
def test_nul_surrogates_and_length_are_refused_at_the_field(text: str, code: str) -> None:
    with pytest.raises(JichiError) as raised:
        check_text(text, field="note")
    assert raised.value.code == code and raised.value.field == "note"


def test_tabs_and_newlines_are_text() -> None:
    assert check_text("一行目\n\t二行目\r\n", field="note")


@given(st.dates())
def test_dates_are_checked_against_the_registry_range(day: date) -> None:
    if MIN_YEAR <= day.year <= MAX_YEAR:
        assert check_date(day, field="d") == day
    else:
        with pytest.raises(JichiError) as raised:
            check_date(day, field="d")
        assert raised.value.code == "TXT-016"


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_a_valid_my_number_is_found_however_it_is_written(base: str) -> None:
    number = my_number(base)
    grouped = f"{number[:4]}-{number[4:8]}-{number[8:]}"
    for written in (
        number,
        grouped,
        grouped.replace("-", " "),
        number.translate(FULL),
        grouped.translate(FULL).replace("-", "－"),
        f"メモ：{number}です",
    ):
        assert contains_individual_number(written), written
    with pytest.raises(JichiError) as raised:
        refuse_individual_number(f"番号 {grouped}", field="purpose")
    assert raised.value.code == "TXT-015" and number not in raised.value.message_ja


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_a_wrong_check_digit_or_a_longer_run_is_not_a_my_number(base: str) -> None:
    number = my_number(base)
    wrong = number[:11] + str((int(number[11]) + 1) % 10)
    assert not contains_individual_number(wrong)
    assert not contains_individual_number("1" + number)  # 13 digits
    assert not contains_individual_number(f"abc-{number}")  # the tail of an identifier
