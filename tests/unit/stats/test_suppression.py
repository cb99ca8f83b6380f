"""Small-count suppression: primary below the threshold, secondary until no total exposes one."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jichi.kernel.errors import JichiError
from jichi.statistics.suppression import cells_of, relations_of, suppress
from jichi.statistics.tables import AreaTable

_counts = st.lists(st.integers(0, 12), min_size=21, max_size=21)


def _table(male: list[int], female: list[int], births: int = 0, deaths: int = 0) -> AreaTable:
    return AreaTable(
        "t",
        date(2026, 1, 1),
        tuple(male),
        tuple(female),
        {1: 2, 2: 5},
        {"birth": births, "death": deaths},
        {"ベトナム": 4, "中国": 1},
    )


def test_primary_hides_small_counts_and_secondary_protects_them() -> None:
    male = [0] * 21
    female = [0] * 21
    male[0], male[1] = 2, 7
    cells = suppress(cells_of(_table(male, female)), relations_of(_table(male, female)))
    assert cells["male.0-4"].value is None and cells["male.0-4"].flag == "primary"
    assert cells["female.0-4"].value == 0 and cells["female.total"].value == 0
    # male.total − male.5-9 would give male.0-4 back: the smallest other non-zero goes too
    assert cells["male.5-9"].flag == "secondary"
    # male.0-4 = total.0-4 − female.0-4: the band total must go too
    assert cells["total.0-4"].value is None and cells["total.0-4"].text() == "X"
    assert cells["nationality.中国"].flag == "primary"
    assert cells["nationality.ベトナム"].flag == "secondary"  # else 計 − ベトナム = 中国


@given(
    male=_counts,
    female=_counts,
    births=st.integers(0, 6),
    deaths=st.integers(0, 6),
    threshold=st.integers(1, 5),
)
def test_no_relation_is_left_with_exactly_one_hidden_cell(
    male: list[int], female: list[int], births: int, deaths: int, threshold: int
) -> None:
    table = _table(male, female, births, deaths)
    values = cells_of(table)
    cells = suppress(values, relations_of(table), threshold)
    for name, n in values.items():
        if 0 < abs(n) < threshold:
            assert cells[name].value is None
        elif cells[name].value is not None:
            assert cells[name].value == n
    for relation in relations_of(table):
        assert sum(1 for name in relation if cells[name].value is None) != 1, relation


def test_a_bad_threshold_is_a_typed_error() -> None:
    with pytest.raises(JichiError) as error:
        suppress({"a": 1}, [], 0)
    assert error.value.code == "STA-007"
