from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jichi.kernel.address import fold_address, kanji_to_int


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("大字的場一丁目2番3号", "大字的場1-2-3"),
        ("大字的場１－２－３", "大字的場1-2-3"),
        ("大字的場1丁目2-3", "大字的場1-2-3"),
        ("霞が関二丁目十番地の三", "霞が関2-10-3"),
        ("髙田馬場4-1", "高田馬場4-1"),
    ],
)
def test_spellings_of_one_address_fold_together(a: str, b: str) -> None:
    assert fold_address(a) == fold_address(b)


def test_different_block_numbers_stay_different() -> None:
    assert fold_address("大字的場1-2-3") != fold_address("大字的場1-2-4")
    assert fold_address("十二番") != fold_address("二十番")


@given(st.integers(1, 9999))
def test_kanji_numerals_read_back_as_the_number(number: int) -> None:
    digits = "〇一二三四五六七八九"
    parts, rest = [], number
    for value, unit in ((1000, "千"), (100, "百"), (10, "十")):
        count, rest = divmod(rest, value)
        if count:
            parts.append(("" if count == 1 else digits[count]) + unit)
    if rest:
        parts.append(digits[rest])
    assert kanji_to_int("".join(parts)) == number


def test_digit_by_digit_kanji_years_read_as_numbers() -> None:
    assert kanji_to_int("二〇二四") == 2024


@given(st.text(max_size=30))
def test_folding_is_idempotent(text: str) -> None:
    assert fold_address(fold_address(text)) == fold_address(text)
