"""The cohort-component projection: arithmetic, neutral rates conserve, parameters load."""

from __future__ import annotations

import json
import math
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jichi.kernel.errors import JichiError
from jichi.statistics.bands import BAND_LABELS
from jichi.statistics.official import edition
from jichi.statistics.outlook import outlook, past_totals
from jichi.statistics.parameters import cohort_change_parameters
from jichi.statistics.projection import Parameters, Population, project, step

_bands = st.lists(
    st.floats(0, 1e6, allow_nan=False, allow_infinity=False), min_size=21, max_size=21
)


@given(male=_bands, female=_bands, steps=st.integers(1, 8))
def test_neutral_rates_conserve_the_population(
    male: list[float], female: list[float], steps: int
) -> None:
    base = Population(2023.0, tuple(male), tuple(female))
    result = project(base, Parameters.neutral(BAND_LABELS), 2023.0 + 5 * steps)
    assert len(result.steps) == steps + 1
    for later in result.steps:
        assert math.isclose(later.total, base.total, rel_tol=1e-9, abs_tol=1e-6)
    last = result.steps[-1]
    assert last.male[0] == 0 and last.female[0] == 0  # no births under the neutral set


def test_one_step_moves_cohorts_up_and_fills_0_4_from_women() -> None:
    labels = (
        "0-4",
        "5-9",
        "10-14",
        "15-19",
        "20-24",
        "25-29",
        "30-34",
        "35-39",
        "40-44",
        "45-49",
        "50+",
    )
    n = len(labels)
    params = Parameters(
        "test",
        labels,
        {"male": (1.0,) + (0.5,) * (n - 1), "female": (1.0,) * n},
        {"male": (0.0,) * n, "female": (0.0,) + (0.1,) * (n - 1)},
        child_woman_ratio=0.2,
        sex_ratio_0_4=100.0,
    )
    base = Population(2020.0, (10.0,) * n, (10.0,) * n)
    after = step(base, params)
    assert after.year == 2025.0
    assert after.male[1:-1] == (5.0,) * (n - 2) and after.male[-1] == 10.0  # open band: 10 + 10
    assert after.female[3] == pytest.approx(11.0)
    women = sum(after.female[3:10])
    assert after.male[0] + after.female[0] == pytest.approx(0.2 * women)
    assert after.male[0] == pytest.approx(after.female[0])


def test_parameters_round_trip_through_json_and_bad_ones_are_refused() -> None:
    params = Parameters.neutral(BAND_LABELS)
    assert Parameters.from_json(params.to_json()) == params
    data = json.loads(params.to_json())
    data["survival"]["female"] = data["survival"]["female"][:-1]
    with pytest.raises(JichiError) as short:
        Parameters.from_json(json.dumps(data))
    assert short.value.code == "STA-004" and short.value.field == "survival.female"
    with pytest.raises(JichiError) as negative:
        Parameters(
            "bad",
            ("a", "b"),
            {"male": (1.0, -1.0), "female": (1.0, 1.0)},
            {"male": (0.0, 0.0), "female": (0.0, 0.0)},
            0.1,
            105.0,
        )
    assert negative.value.code == "STA-004" and negative.value.field == "survival.male"
    with pytest.raises(JichiError):
        Parameters.from_json("{}")


def test_cohort_change_parameters_reproduce_the_later_table() -> None:
    before = Population(2018.0, (10.0, 20.0, 30.0), (10.0, 20.0, 30.0))
    after = Population(2023.0, (4.0, 9.0, 40.0), (6.0, 8.0, 45.0))
    params = cohort_change_parameters("t", ("0-4", "5-9", "10+"), before, after)
    assert params.survival["male"] == (1.0, 0.9, 40.0 / 50.0)
    assert params.survival["female"][2] == pytest.approx(45.0 / 50.0)
    assert params.sex_ratio_0_4 == pytest.approx(100 * 4 / 6)


def test_national_outlook_falls_and_ages_to_2050() -> None:
    result = outlook("")
    years = [p.year for p in result.projection.steps]
    assert years == [2023.0, 2028.0, 2033.0, 2038.0, 2043.0, 2048.0, 2053.0]
    start, end = result.projection.steps[0], result.projection.at(2050.0)
    assert start.total == pytest.approx(edition(date(2023, 1, 1)).get("").total["total"])
    assert end.total < start.total * 0.95  # every published projection has Japan shrinking
    assert end.share_from(13) > start.share_from(13)
    assert [on.year for on, _ in past_totals("112011")] == [2013, 2018, 2023]


def test_a_code_new_since_2018_uses_its_prefecture_ratios() -> None:
    result = outlook("402311")  # 那珂川市 (那珂川町 until 2018-10-01)
    assert "400009" in result.parameters.name and result.projection.steps[-1].total > 0
    with pytest.raises(JichiError) as unknown:
        outlook("999999")
    assert unknown.value.code == "STA-002"
