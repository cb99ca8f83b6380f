from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jichi.kernel import text
from jichi.kernel.errors import CATALOGUE, JichiError

# Hiragana that have a katakana counterpart: ぁ–ゖ and the iteration marks ゝゞ.
HIRAGANA = [chr(code) for code in range(0x3041, 0x3097)] + ["ゝ", "ゞ"]
KATAKANA_WITH_HIRAGANA = [chr(code) for code in range(0x30A1, 0x30F7)] + ["ヽ", "ヾ"]

# Characters that exercise the interesting paths, mixed into arbitrary text.
TRICKY = list(
    "髙﨑邊邉𠮷齋濱渡辺神神玉王功切葛辻ｶｷﾊｳﾜｦﾞﾟ゛゜ガぱゔヷーｰ・･ＡＺ０９！～　 \t"
    "\u3099\u309a\ufe00\ufe0f\U000e0100\U000e01ef"
)
texts = st.text(alphabet=st.one_of(st.characters(), st.sampled_from(TRICKY)), max_size=30)


def rejection(
    value: str, field: str = "name_kana", max_length: int = text.NAME_KANA_MAX_LENGTH
) -> JichiError:
    with pytest.raises(JichiError) as raised:
        text.validate_name_kana(value, field, max_length=max_length)
    return raised.value


# --- width -------------------------------------------------------------------


def test_full_width_letters_digits_symbols_and_ideographic_space_become_ascii() -> None:
    assert text.to_halfwidth_ascii("ＡＢＣ　ｘｙｚ０１９！＠～－") == "ABC xyz019!@~-"


def test_halfwidth_ascii_leaves_kana_and_kanji_alone() -> None:
    assert text.to_halfwidth_ascii("ヤマダ山田ｶﾅ") == "ヤマダ山田ｶﾅ"


@pytest.mark.parametrize(
    ("half", "full"),
    [("ｶﾞ", "ガ"), ("ﾊﾟ", "パ"), ("ｳﾞ", "ヴ"), ("ﾜﾞ", "ヷ"), ("ｦﾞ", "ヺ"), ("ｲﾄｳ", "イトウ")],
)
def test_half_width_katakana_joins_its_sound_mark(half: str, full: str) -> None:
    assert text.to_fullwidth_katakana(half) == full


def test_half_width_punctuation_and_long_vowel_become_full_width() -> None:
    assert text.to_fullwidth_katakana("｢ｱｰ｣､･｡") == "「アー」、・。"


def test_a_sound_mark_that_cannot_join_stays_visible_as_spacing_mark() -> None:
    assert text.to_fullwidth_katakana("ﾞｱﾟ") == "゛ア゜"
    assert text.to_fullwidth_katakana("ｶﾞﾞ") == "ガ゛"


def test_combining_sound_mark_after_kana_is_composed() -> None:
    assert text.to_fullwidth_katakana("カ\u3099ハ\u309aか\u3099") == "ガパが"


def test_normalize_width_makes_latin_half_width_and_kana_full_width() -> None:
    assert text.normalize_width("ＡＢＣ１２３　ｲﾄｳ ｼﾞﾛｳ") == "ABC123 イトウ ジロウ"


def test_normalize_width_does_not_fold_compatibility_ideographs_or_selectors() -> None:
    # NFKC would turn 神 (U+FA19) into U+795E; a stored name must keep its code points.
    for name in ["\ufa11", "\ufa19", "葛\U000e0100", "髙橋"]:
        assert text.normalize_width(name) == name


@given(texts)
def test_normalize_width_is_idempotent(s: str) -> None:
    once = text.normalize_width(s)
    assert text.normalize_width(once) == once


# --- kana --------------------------------------------------------------------


def test_hiragana_become_katakana_including_vu_small_kana_and_iteration_marks() -> None:
    assert text.hiragana_to_katakana("ゔぁっゕゖゝゞやまだ") == "ヴァッヵヶヽヾヤマダ"


def test_katakana_become_hiragana_and_letters_without_counterpart_stay() -> None:
    assert text.katakana_to_hiragana("ヴァッヵヶヽヾヤマダー") == "ゔぁっゕゖゝゞやまだー"
    assert text.katakana_to_hiragana("ヷヸヹヺ") == "ヷヸヹヺ"


@given(st.text(alphabet=HIRAGANA))
def test_hiragana_round_trip_through_katakana(s: str) -> None:
    assert text.katakana_to_hiragana(text.hiragana_to_katakana(s)) == s


@given(st.text(alphabet=KATAKANA_WITH_HIRAGANA))
def test_katakana_round_trip_through_hiragana(s: str) -> None:
    assert text.hiragana_to_katakana(text.katakana_to_hiragana(s)) == s


# --- name reading ------------------------------------------------------------


def test_reading_error_kinds_are_in_the_catalogue() -> None:
    for code in ["TXT-001", "TXT-002", "TXT-003", "TXT-004", "TXT-005"]:
        assert code in CATALOGUE


def test_full_width_katakana_reading_is_accepted_as_is() -> None:
    assert text.validate_name_kana("ヤマダ　タロウ") == "ヤマダ　タロウ"


def test_half_width_reading_is_converted_and_space_becomes_full_width() -> None:
    assert text.validate_name_kana("ｲﾄｳ ｼﾞﾛｳ") == "イトウ　ジロウ"


def test_hiragana_reading_is_converted_to_katakana() -> None:
    assert text.validate_name_kana("さとう はなこ") == "サトウ　ハナコ"


def test_spaces_are_stripped_at_both_ends_and_collapsed_between_parts() -> None:
    assert text.validate_name_kana(" 　ヤマダ 　  タロウ　 ") == "ヤマダ　タロウ"


def test_small_kana_long_vowel_and_middle_dot_inside_a_part_are_accepted() -> None:
    assert text.validate_name_kana("ジョン・スミス") == "ジョン・スミス"
    assert text.validate_name_kana("キョウコ　ユーキ") == "キョウコ　ユーキ"


def test_kanji_in_reading_is_rejected_with_character_and_position() -> None:
    error = rejection("山田")
    assert error.code == "TXT-002"
    assert error.params == {"char": "山", "position": 1}
    assert "「山」が1文字目" in error.message_ja
    assert error.field == "name_kana"


def test_position_counts_characters_as_typed_not_after_conversion() -> None:
    # ｶﾞ is two characters as typed; the kanji is the 6th.
    error = rejection("ｶﾞ ﾔﾏ田", field="former_surname_kana")
    assert (error.code, error.params["position"], error.params["char"]) == ("TXT-002", 6, "田")
    assert error.field == "former_surname_kana"


def test_latin_letter_in_reading_is_rejected_showing_what_was_typed() -> None:
    error = rejection("ヤマダＡ")
    assert (error.code, error.params["char"], error.params["position"]) == ("TXT-002", "Ａ", 4)


def test_invisible_character_is_shown_by_its_code_point() -> None:
    assert rejection("ヤマ\tダ").params["char"] == "U+0009"


def test_composed_kana_without_place_in_a_reading_is_shown_as_typed() -> None:
    error = rejection("ﾜﾞｲﾝ")
    assert (error.code, error.params["char"], error.params["position"]) == ("TXT-002", "ﾜﾞ", 1)


@pytest.mark.parametrize("value", ["", "   ", "\u3000\u3000"])
def test_empty_reading_is_rejected(value: str) -> None:
    assert rejection(value).code == "TXT-001"


def test_long_vowel_at_start_is_rejected() -> None:
    error = rejection("ーア")
    assert (error.code, error.params["char"], error.params["position"]) == ("TXT-003", "ー", 1)


def test_small_kana_at_start_of_second_part_is_rejected() -> None:
    error = rejection("ヤマダ　ッタ")
    assert (error.code, error.params["char"], error.params["position"]) == ("TXT-003", "ッ", 5)


@pytest.mark.parametrize("value", ["・ジョン", "ジョン・", "ジョン・・スミス", "ジョン　・スミス"])
def test_middle_dot_outside_a_part_is_rejected(value: str) -> None:
    assert rejection(value).code == "TXT-005"


def test_too_long_reading_is_rejected_with_default_limit() -> None:
    assert text.validate_name_kana("ア" * 100) == "ア" * 100
    error = rejection("ア" * 101)
    assert (error.code, error.params) == ("TXT-004", {"max_length": 100, "length": 101})


def test_limit_is_configurable() -> None:
    assert rejection("ヤマダ　タロウ", max_length=6).code == "TXT-004"
    assert text.validate_name_kana("ヤマダ", max_length=3) == "ヤマダ"


# --- variation selectors -----------------------------------------------------


def test_variation_selectors_are_detected_and_stripped() -> None:
    assert text.has_variation_selector("葛\U000e0100飾")
    assert text.has_variation_selector("辻\ufe00")
    assert not text.has_variation_selector("葛飾")
    assert text.strip_variation_selectors("葛\U000e0100飾\ufe0f") == "葛飾"


# --- search keys -------------------------------------------------------------


def test_search_key_folds_taka_hashigo_to_common_form() -> None:
    assert text.name_search_key("髙橋") == "高橋"


@pytest.mark.parametrize(
    ("variant", "common"),
    [("﨑", "崎"), ("邊", "辺"), ("邉", "辺"), ("𠮷", "吉"), ("齋", "斎"), ("濱", "浜")],
)
def test_search_key_folds_old_and_variant_kanji_to_common_form(variant: str, common: str) -> None:
    assert text.name_search_key(variant) == common


def test_search_key_folds_compatibility_ideograph_to_unified_form() -> None:
    assert text.name_search_key("\ufa19") == "\u795e"


def test_search_key_drops_selectors_spaces_and_width() -> None:
    assert text.name_search_key("渡邉\U000e0101　ﾀﾛｳ Ｊｏｈｎ") == "渡辺タロウjohn"


def test_search_key_keeps_hiragana_and_katakana_apart() -> None:
    assert not text.names_match("山田さくら", "山田サクラ")


def test_stored_name_keeps_its_selector_after_search_key() -> None:
    stored = "葛\U000e0100西"
    key = text.name_search_key(stored)
    assert key == "葛西"
    assert stored == "葛\U000e0100西"
    assert text.has_variation_selector(stored)


@pytest.mark.parametrize(("a", "b"), [("髙橋", "高橋"), ("渡邊", "渡邉"), ("齋藤　一", "斎藤一")])
def test_variant_spellings_of_one_name_match(a: str, b: str) -> None:
    assert text.names_match(a, b)


@pytest.mark.parametrize(("a", "b"), [("玉木", "王木"), ("山田功", "山田切"), ("書", "昼")])
def test_different_common_kanji_never_match(a: str, b: str) -> None:
    # The MJ map, looked up by bare code point, offers 玉→王, 功→切 and 書→昼.
    assert not text.names_match(a, b)


@given(texts)
def test_name_search_key_is_idempotent(s: str) -> None:
    once = text.name_search_key(s)
    assert text.name_search_key(once) == once


def test_search_key_of_a_long_name_looks_each_kanji_up_once() -> None:
    """Folding is linear: the MJ shrink map is consulted once per distinct character."""
    name = "齋藤髙橋渡邉濱田﨑山𠮷田" * 1000
    text._fold_ideograph.cache_clear()
    text.name_search_key.cache_clear()
    text._FOLDED.clear()
    key = text.name_search_key(name)
    assert key == "斎藤高橋渡辺浜田崎山吉田" * 1000
    assert text._fold_ideograph.cache_info().misses == len(set(name))


@given(texts)
def test_the_fold_table_folds_as_each_character_alone(s: str) -> None:
    """The translate table is only a cache: whatever it has met, a text folds as the
    characters folded one by one."""
    assert s.translate(text._FOLDED) == "".join(text._fold_char(char) for char in s)


def test_reading_search_key_is_katakana_without_spaces() -> None:
    assert text.reading_search_key("やまだ　たろう") == "ヤマダタロウ"
    assert text.reading_search_key("ﾔﾏﾀﾞ ﾀﾛｳ") == "ヤマダタロウ"


def test_reading_search_key_keeps_small_kana_small() -> None:
    assert text.reading_search_key("よしゃ") == "ヨシャ"
    assert text.reading_search_key("よしゃ") != text.reading_search_key("よしや")


@given(texts)
def test_reading_search_key_is_idempotent(s: str) -> None:
    once = text.reading_search_key(s)
    assert text.reading_search_key(once) == once


@given(st.text(alphabet=list("アイウカガッャーヴヰ・ 　ｶﾞｯぁあゝ山A"), max_size=12))
def test_an_accepted_reading_validates_to_itself(s: str) -> None:
    try:
        reading = text.validate_name_kana(s)
    except JichiError:
        return
    assert text.validate_name_kana(reading) == reading


def test_search_key_folds_latin_case_for_foreign_residents_names() -> None:
    assert text.name_search_key("ＳＭＩＴＨ John") == text.name_search_key("smith JOHN")
