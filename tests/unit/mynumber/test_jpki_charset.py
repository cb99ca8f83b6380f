"""Names into the certificate character set: every substitution is recorded where it sits."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from jichi.mynumber.jpki.charset import CharsetPolicy
from jichi.mynumber.jpki.profiles import birth_code, read_utf8, utf8

POLICY = CharsetPolicy()


@given(st.text(max_size=60))
def test_output_is_representable_same_length_and_positions_exact(text: str) -> None:
    converted = POLICY.convert(text)
    assert len(converted.text) == len(text)
    assert all(POLICY.representable(ch) for ch in converted.text)
    changed = tuple(
        i for i, (a, b) in enumerate(zip(text, converted.text, strict=True), 1) if a != b
    )
    # a position is recorded for every changed character, and only for those (a table
    # entry never maps a character to itself)
    assert converted.positions == changed
    assert POLICY.convert(converted.text).positions == ()  # idempotent


def test_known_variants_use_the_table_and_the_rest_the_fallback() -> None:
    converted = POLICY.convert("髙橋　𠮷男")
    assert (converted.text, converted.positions_text) == ("高橋　吉男", "1,4")
    assert POLICY.convert("A😀B").text == "A〓B"
    custom = CharsetPolicy(replacements={"😀": "笑"}, fallback="＊")
    assert custom.convert("A😀B🙂").text == "A笑B＊"


def test_birth_date_is_era_code_and_gregorian_date() -> None:
    assert birth_code(date(1990, 1, 2)) == "419900102"  # 平成
    assert birth_code(date(1989, 1, 7)) == "319890107"  # 昭和 64年
    assert birth_code(date(2019, 5, 1)) == "520190501"  # 令和
    assert birth_code(date(1926, 12, 24)) == "219261224"  # 大正


@given(st.text(max_size=300))
def test_utf8_string_round_trips(text: str) -> None:
    assert read_utf8(utf8(text)) == text
