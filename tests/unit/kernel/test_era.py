from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jichi.kernel import era as wareki
from jichi.kernel.era import (
    ERAS,
    HEISEI,
    MEIJI,
    REIWA,
    SHOWA,
    TAISHO,
    WarekiDate,
    format_wareki,
    parse,
    parse_date,
    to_wareki,
)
from jichi.kernel.errors import JichiError

STYLES_AND_DIGITS = [
    ("kanji", "ascii"),
    ("kanji", "fullwidth"),
    ("kanji", "kanji"),
    ("numeric", "ascii"),
    ("numeric", "fullwidth"),
    ("kanji_with_western", "ascii"),
    ("kanji_with_western", "fullwidth"),
    ("kanji_with_western", "kanji"),
]

supported_days = st.dates(min_value=date(1873, 1, 1), max_value=date(2100, 12, 31))


def rejection(text: str) -> JichiError:
    with pytest.raises(JichiError) as raised:
        parse_date(text)
    return raised.value


# --- the era table --------------------------------------------------------------------


def test_the_eras_follow_one_another_without_a_gap_or_an_overlap() -> None:
    for earlier, later in itertools.pairwise(ERAS):
        assert earlier.end is not None
        assert later.start == earlier.end + timedelta(days=1)
    assert ERAS[-1] is REIWA and REIWA.end is None


@pytest.mark.parametrize(
    ("era", "kanji", "letter", "start", "end"),
    [
        (MEIJI, "明治", "M", date(1868, 10, 23), date(1912, 7, 29)),
        (TAISHO, "大正", "T", date(1912, 7, 30), date(1926, 12, 24)),
        (SHOWA, "昭和", "S", date(1926, 12, 25), date(1989, 1, 7)),
        (HEISEI, "平成", "H", date(1989, 1, 8), date(2019, 4, 30)),
        (REIWA, "令和", "R", date(2019, 5, 1), None),
    ],
)
def test_each_era_has_its_name_letter_and_exact_first_and_last_day(
    era: wareki.Era, kanji: str, letter: str, start: date, end: date | None
) -> None:
    assert (era.kanji, era.letter, era.start, era.end) == (kanji, letter, start, end)


# --- every boundary day, both sides ---------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(1873, 1, 1), "明治6年1月1日"),
        (date(1912, 7, 29), "明治45年7月29日"),
        (date(1912, 7, 30), "大正元年7月30日"),
        (date(1926, 12, 24), "大正15年12月24日"),
        (date(1926, 12, 25), "昭和元年12月25日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2024, 4, 1), "令和6年4月1日"),
    ],
)
def test_boundary_days_are_written_in_the_right_era(day: date, expected: str) -> None:
    assert format_wareki(day) == expected
    assert parse_date(expected) == day


@pytest.mark.parametrize(
    ("text", "era_that_covers_it"),
    [
        ("明治45年7月30日", "大正元年7月30日"),
        ("大正元年7月29日", "明治45年7月29日"),
        ("大正15年12月25日", "昭和元年12月25日"),
        ("昭和元年12月24日", "大正15年12月24日"),
        ("昭和64年1月8日", "平成元年1月8日"),
        ("平成元年1月7日", "昭和64年1月7日"),
        ("平成31年5月1日", "令和元年5月1日"),
        ("令和元年4月30日", "平成31年4月30日"),
        ("令和1年4月30日", "平成31年4月30日"),
    ],
)
def test_the_day_after_an_era_ended_is_refused_and_the_message_names_the_covering_era(
    text: str, era_that_covers_it: str
) -> None:
    error = rejection(text)
    assert error.code == "ERA-002"
    assert era_that_covers_it in error.message_ja
    assert error.message_en.isascii()


def test_a_year_past_the_end_of_an_era_is_refused_strictly() -> None:
    error = rejection("平成32年1月1日")
    assert error.code == "ERA-002"
    assert "令和2年1月1日" in error.message_ja
    assert "2019年4月30日まで" in error.message_ja
    assert "Reiwa 2-01-01" in error.message_en


def test_era_year_zero_does_not_exist() -> None:
    assert rejection("令和0年5月1日").code == "ERA-002"


# --- to_wareki and WarekiDate ---------------------------------------------------------


def test_to_wareki_gives_era_year_month_and_day() -> None:
    assert to_wareki(date(2024, 4, 1)) == WarekiDate(REIWA, 6, 4, 1)
    assert to_wareki(date(2019, 5, 1)).western_year == 2019


def test_a_wareki_date_that_does_not_exist_cannot_be_constructed() -> None:
    with pytest.raises(JichiError) as raised:
        WarekiDate(HEISEI, 31, 5, 1)
    assert raised.value.code == "ERA-002"
    with pytest.raises(JichiError) as raised:
        WarekiDate(REIWA, 6, 2, 30)
    assert raised.value.code == "ERA-003"


def test_days_before_the_gregorian_calendar_are_refused_not_converted() -> None:
    with pytest.raises(JichiError) as raised:
        to_wareki(date(1872, 12, 31))
    assert raised.value.code == "ERA-004"
    with pytest.raises(JichiError) as raised:
        format_wareki(date(1868, 10, 23))
    assert raised.value.code == "ERA-004"
    for text in ("明治5年12月2日", "明治元年10月23日", "1872-12-31", "1600/1/1", "明治0年1月1日"):
        assert rejection(text).code == "ERA-004"
    assert "太陰太陽暦" in rejection("明治5年12月2日").message_ja


def test_the_first_gregorian_day_is_meiji_6() -> None:
    assert to_wareki(date(1873, 1, 1)) == WarekiDate(MEIJI, 6, 1, 1)
    assert parse_date("M6.1.1") == date(1873, 1, 1)


# --- formatting -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "digits", "expected"),
    [
        ("kanji", "ascii", "令和6年4月1日"),
        ("kanji", "fullwidth", "令和６年４月１日"),
        ("kanji", "kanji", "令和六年四月一日"),
        ("numeric", "ascii", "R6.4.1"),
        ("numeric", "fullwidth", "Ｒ６．４．１"),
        ("kanji_with_western", "ascii", "令和6年（2024年）4月1日"),
        ("kanji_with_western", "fullwidth", "令和６年（２０２４年）４月１日"),
        ("kanji_with_western", "kanji", "令和六年（二〇二四年）四月一日"),
    ],
)
def test_each_style_and_digit_mode(
    style: wareki.Style, digits: wareki.Digits, expected: str
) -> None:
    assert format_wareki(date(2024, 4, 1), style, digits) == expected


def test_the_first_year_is_written_gannen_in_kanji_styles_and_1_in_numeric() -> None:
    day = date(2019, 5, 1)
    assert format_wareki(day) == "令和元年5月1日"
    assert format_wareki(day, digits="kanji") == "令和元年五月一日"
    assert format_wareki(day, "kanji_with_western") == "令和元年（2019年）5月1日"
    assert format_wareki(day, "numeric") == "R1.5.1"


@pytest.mark.parametrize(
    ("n", "kanji"),
    [
        (1, "一"),
        (9, "九"),
        (10, "十"),
        (11, "十一"),
        (19, "十九"),
        (20, "二十"),
        (21, "二十一"),
        (30, "三十"),
        (31, "三十一"),
        (45, "四十五"),
        (64, "六十四"),
    ],
)
def test_kanji_numerals_are_written_the_certificate_way(n: int, kanji: str) -> None:
    assert wareki._kanji_counting(n) == kanji


def test_days_and_months_in_kanji_numerals() -> None:
    assert format_wareki(date(2024, 12, 31), digits="kanji") == "令和六年十二月三十一日"
    assert format_wareki(date(2024, 11, 20), digits="kanji") == "令和六年十一月二十日"
    assert format_wareki(date(1989, 1, 7), digits="kanji") == "昭和六十四年一月七日"


def test_the_numeric_style_has_no_kanji_numerals_and_unknown_options_are_errors() -> None:
    with pytest.raises(ValueError):
        format_wareki(date(2024, 4, 1), "numeric", "kanji")
    with pytest.raises(ValueError):
        format_wareki(date(2024, 4, 1), "roman")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        format_wareki(date(2024, 4, 1), digits="roman")  # type: ignore[arg-type]


# --- parsing --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2024-04-01",
        "2024/4/1",
        "2024.4.1",
        "2024年4月1日",
        "2024年04月01日",
        "二〇二四年四月一日",
        "令和6年4月1日",
        "令和六年四月一日",
        "R6.4.1",
        "r06.04.01",
        "R6/4/1",
        "R6-4-1",
        "R6年4月1日",
        "r6年4月1日",
        "令和６年４月１日",
        "２０２４－０４－０１",
        "Ｒ６．４．１",
        "  令和6年4月1日 ",
        "\u3000R6.4.1\u3000",
        "令和 6年 4月 1日",
        "令和6年（2024年）4月1日",
        "令和6年(2024年)4月1日",
        "令和六年（二〇二四年）四月一日",
        "㋿6年4月1日",
        "2024−4−1",
    ],
)
def test_every_accepted_form_of_1_april_2024(text: str) -> None:
    assert parse_date(text) == date(2024, 4, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和元年5月1日", date(2019, 5, 1)),
        ("令和1年5月1日", date(2019, 5, 1)),
        ("R元.5.1", date(2019, 5, 1)),
        ("H31/4/30", date(2019, 4, 30)),
        ("㍻31年4月30日", date(2019, 4, 30)),
        ("S64.1.7", date(1989, 1, 7)),
        ("昭和六十四年一月七日", date(1989, 1, 7)),
        ("令和元年１２月　４日", date(2019, 12, 4)),
        ("大正15年12月24日", date(1926, 12, 24)),
        ("T15.12.24", date(1926, 12, 24)),
        ("明治45年7月29日", date(1912, 7, 29)),
        ("m45.7.29", date(1912, 7, 29)),
        ("令和六年十二月三十一日", date(2024, 12, 31)),
        ("令和六年十一月二十日", date(2024, 11, 20)),
        ("二〇二四年十二月三十一日", date(2024, 12, 31)),
        ("二○二四年一月一日", date(2024, 1, 1)),
    ],
)
def test_era_names_letters_gannen_and_kanji_numerals(text: str, expected: date) -> None:
    assert parse_date(text) == expected


def test_parse_reports_whether_the_text_was_wareki() -> None:
    assert parse("R6.4.1") == wareki.ParsedDate(date(2024, 4, 1), is_wareki=True)
    assert parse("2024-04-01") == wareki.ParsedDate(date(2024, 4, 1), is_wareki=False)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "yesterday",
        "2024",
        "24/4/1",
        "2024-04",
        "R6.4/1",
        "令和6年4月",
        "令和6-4-1日",
        "X6.4.1",
        "令和十十年1月1日",
        "令和6年4月1日です",
        "20240401",
        "令和一十年1月1日",
    ],
)
def test_unreadable_text_is_refused_with_era_001_naming_the_accepted_forms(text: str) -> None:
    error = rejection(text)
    assert error.code == "ERA-001"
    assert "令和6年4月1日" in error.message_ja and "R6.4.1" in error.message_ja
    assert error.field == "date"


def test_the_error_names_the_field_it_was_given() -> None:
    with pytest.raises(JichiError) as raised:
        parse_date("nonsense", field="birth_date")
    assert raised.value.field == "birth_date"


@pytest.mark.parametrize(
    "text", ["令和6年2月30日", "R6.2.30", "2024-02-30", "2023-02-29", "2024-13-01", "令和6年4月0日"]
)
def test_a_day_that_is_not_on_the_calendar_is_refused_with_era_003(text: str) -> None:
    error = rejection(text)
    assert error.code == "ERA-003"
    assert "という日付はありません" in error.message_ja


def test_a_leap_day_in_a_leap_year_is_accepted() -> None:
    assert parse_date("令和6年2月29日") == date(2024, 2, 29)
    assert parse_date("H12.2.29") == date(2000, 2, 29)


def test_a_bracketed_western_year_must_agree_with_the_era_year() -> None:
    error = rejection("令和6年（2023年）4月1日")
    assert error.code == "ERA-005"
    assert "2024" in error.message_ja and "2023" in error.message_en


def test_no_message_template_contains_anything_but_ascii_in_english() -> None:
    for kind in (
        wareki.DATE_UNPARSEABLE,
        wareki.DATE_NOT_IN_ERA,
        wareki.DATE_NOT_ON_CALENDAR,
        wareki.DATE_BEFORE_GREGORIAN,
        wareki.WESTERN_YEAR_MISMATCH,
    ):
        assert kind.message_en.isascii()


# --- properties -----------------------------------------------------------------------


@given(supported_days)
def test_to_wareki_then_to_date_is_the_identity(day: date) -> None:
    assert to_wareki(day).to_date() == day


@given(supported_days, st.sampled_from(STYLES_AND_DIGITS))
def test_every_formatted_date_parses_back_to_the_same_day(
    day: date, style_and_digits: tuple[wareki.Style, wareki.Digits]
) -> None:
    style, digits = style_and_digits
    assert parse_date(format_wareki(day, style, digits)) == day


@given(supported_days)
def test_the_iso_form_parses_to_itself(day: date) -> None:
    assert parse_date(day.isoformat()) == day


@pytest.mark.parametrize("era", ERAS[1:], ids=lambda era: era.romaji)
@pytest.mark.parametrize(("style", "digits"), STYLES_AND_DIGITS)
def test_every_boundary_round_trips_in_every_style(
    era: wareki.Era, style: wareki.Style, digits: wareki.Digits
) -> None:
    for day in (era.start - timedelta(days=1), era.start):
        assert parse_date(format_wareki(day, style, digits)) == day


@given(supported_days)
def test_exactly_one_era_covers_each_day_and_its_year_starts_at_gannen(day: date) -> None:
    covering = [era for era in ERAS if era.contains(day)]
    assert len(covering) == 1
    assert to_wareki(day).era == covering[0]
    assert to_wareki(day).year >= 1
