from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jichi.kernel import identifiers as ids
from jichi.kernel.errors import JichiError
from jichi.kernel.identifiers import IdKind, ResidentCodeScheme

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


def base_of(length: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=length, max_size=length)


def code(kind: IdKind, value: str) -> str:
    with pytest.raises(JichiError) as raised:
        ids.validate(kind, value)
    return raised.value.code


# Worked examples from shared/docs/facts/standards.md, each verified by hand there.
@pytest.mark.parametrize(
    "number", ["123456789018", "983205673214", "621498320257", "454972364860", "123456789000"]
)
def test_published_individual_numbers_validate(number: str) -> None:
    assert ids.validate(IdKind.INDIVIDUAL_NUMBER, number).value == number


@pytest.mark.parametrize("wrong", [f"12345678901{d}" for d in "012345679"])
def test_individual_number_with_any_other_check_digit_is_rejected(wrong: str) -> None:
    assert code(IdKind.INDIVIDUAL_NUMBER, wrong) == "ID-004"


@pytest.mark.parametrize(
    "lg_code", ["011002", "131016", "141003", "011011", "131130", "130001", "062014", "132098"]
)
def test_published_local_government_codes_validate(lg_code: str) -> None:
    assert ids.validate(IdKind.LG_CODE, lg_code).value == lg_code


def test_lg_code_remainder_zero_gives_one_and_remainder_one_gives_zero() -> None:
    assert ids.lg_code_check_digit("01101") == 1  # sum 11, r = 0
    assert ids.lg_code_check_digit("13113") == 0  # sum 34, r = 1


@pytest.mark.parametrize(
    "number", ["7123456789012", "4011001098993", "8000020130001", "3000020141003"]
)
def test_published_corporate_numbers_validate(number: str) -> None:
    assert ids.validate(IdKind.CORPORATE_NUMBER, number).value == number


def test_public_fixture_with_wrong_corporate_check_digit_is_rejected() -> None:
    assert code(IdKind.CORPORATE_NUMBER, "3000020131130") == "ID-004"


def test_full_width_spaced_and_hyphenated_input_is_normalised_first() -> None:
    assert ids.validate("mynumber", "１２３４ ５６７８－９０１８").value == "123456789018"
    assert ids.validate("lgcode", "13101-6").value == "131016"
    assert ids.validate("corporate", "7-1234-5678-9012").value == "7123456789012"


def test_errors_say_length_non_digit_and_empty_without_echoing_the_value() -> None:
    with pytest.raises(JichiError) as raised:
        ids.validate("mynumber", "12345678901")
    assert raised.value.code == "ID-002"
    assert "12桁" in raised.value.message_ja and "11桁" in raised.value.message_ja
    assert "12345678901" not in raised.value.message_ja + raised.value.message_en
    assert raised.value.field == "mynumber"
    with pytest.raises(JichiError) as raised:
        ids.validate("mynumber", "12345678901a")
    assert raised.value.code == "ID-003"
    assert "12文字目" in raised.value.message_ja
    assert code(IdKind.INDIVIDUAL_NUMBER, " - ") == "ID-001"


def test_unknown_kind_is_a_typed_error() -> None:
    with pytest.raises(JichiError) as raised:
        ids.validate("passport", "123")
    assert raised.value.code == "ID-005"
    assert raised.value.field == "kind"


def test_resident_code_is_checked_for_format_only_by_default() -> None:
    assert ids.validate("residentcode", "12345678901").value == "12345678901"
    assert code(IdKind.RESIDENT_CODE, "1234567890") == "ID-002"


def test_resident_code_hypothesis_only_warns_never_rejects() -> None:
    good = ids.with_check_digit("residentcode", "1234567890")
    bad = good[:10] + str((int(good[10]) + 1) % 10)
    scheme = ResidentCodeScheme.MOD11_HYPOTHESIS
    assert ids.validate("residentcode", good, resident_code_scheme=scheme).warnings == ()
    result = ids.validate("residentcode", bad, resident_code_scheme=scheme)
    assert result.value == bad
    assert result.warnings and result.warnings[0].startswith("ID-W01")


CHECKED = [
    (IdKind.INDIVIDUAL_NUMBER, 11),
    (IdKind.LG_CODE, 5),
    (IdKind.CORPORATE_NUMBER, 12),
]


@pytest.mark.parametrize(("kind", "length"), CHECKED)
@given(data=st.data())
def test_computed_check_digit_always_validates(
    kind: IdKind, length: int, data: st.DataObject
) -> None:
    base = data.draw(base_of(length))
    full = ids.with_check_digit(kind, base)
    assert ids.validate(kind, full).value == full


@pytest.mark.parametrize(("kind", "length"), CHECKED)
@given(data=st.data())
def test_single_digit_change_is_caught_whenever_the_check_digit_changes(
    kind: IdKind, length: int, data: st.DataObject
) -> None:
    base = data.draw(base_of(length))
    full = ids.with_check_digit(kind, base)
    position = data.draw(st.integers(0, len(full) - 1))
    new_digit = data.draw(digits.filter(lambda d: d != full[position]))
    changed = full[:position] + new_digit + full[position + 1 :]
    # The changed number is accepted exactly when its own check digit recomputes the same.
    if kind is IdKind.CORPORATE_NUMBER:
        recomputed = ids.with_check_digit(kind, changed[1:])
    else:
        recomputed = ids.with_check_digit(kind, changed[:-1])
    if recomputed == changed:
        assert ids.validate(kind, changed).value == changed
    else:
        with pytest.raises(JichiError) as raised:
            ids.validate(kind, changed)
        assert raised.value.code == "ID-004"


@given(base=base_of(11), position=st.integers(0, 10), delta=st.integers(1, 9))
def test_individual_number_detects_every_change_outside_its_mod11_blind_spot(
    base: str, position: int, delta: int
) -> None:
    """Weights 2..7 are units mod 11, so a changed digit changes the remainder; only the
    fold of remainders 0 and 1 onto check digit 0 can hide it (facts: ~1.8% undetected)."""
    weights = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    changed_digit = (int(base[position]) + delta) % 10
    changed = base[:position] + str(changed_digit) + base[position + 1 :]

    def remainder(b: str) -> int:
        return sum(int(d) * w for d, w in zip(b, weights, strict=True)) % 11

    r_old, r_new = remainder(base), remainder(changed)
    assert r_old != r_new
    caught = ids.individual_number_check_digit(base) != ids.individual_number_check_digit(changed)
    assert caught or {r_old, r_new} == {0, 1}


@given(base=base_of(12), position=st.integers(0, 11), delta=st.integers(1, 9))
def test_corporate_number_detects_every_change_except_zero_for_nine(
    base: str, position: int, delta: int
) -> None:
    new = (int(base[position]) + delta) % 10
    changed = base[:position] + str(new) + base[position + 1 :]
    caught = ids.corporate_number_check_digit(base) != ids.corporate_number_check_digit(changed)
    # weight 2 doubles: 2·d mod 9 repeats only for d and d+9 (0 and 9); weight 1 likewise.
    assert caught or {int(base[position]), new} == {0, 9}


@given(base=base_of(5), position=st.integers(0, 4), delta=st.integers(1, 9))
def test_lg_code_detects_every_change_except_the_remainder_zero_ten_fold(
    base: str, position: int, delta: int
) -> None:
    weights = (6, 5, 4, 3, 2)
    new = (int(base[position]) + delta) % 10
    changed = base[:position] + str(new) + base[position + 1 :]

    def remainder(b: str) -> int:
        return sum(int(d) * w for d, w in zip(b, weights, strict=True)) % 11

    caught = ids.lg_code_check_digit(base) != ids.lg_code_check_digit(changed)
    assert caught or {remainder(base), remainder(changed)} == {0, 10}


@given(st.text(max_size=20))
def test_validation_never_fails_with_anything_but_a_typed_error(value: str) -> None:
    for kind in IdKind:
        try:
            ids.validate(kind, value)
        except JichiError as error:
            assert error.code.startswith("ID-")
