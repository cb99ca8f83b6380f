"""Chart geometry: bar lengths follow the values, outlines and trend lines are well formed."""

from __future__ import annotations

import re

import pytest

from jichi.statistics.bands import BAND_LABELS_JA, band_of_age
from jichi.statistics.charts import pyramid, trend
from jichi.statistics.projection import Population


def test_pyramid_bars_are_proportional_and_mirror_each_other() -> None:
    male = tuple(float(100 * (i + 1)) for i in range(21))
    base = Population(2023.0, male, male)
    later = Population(2050.0, tuple(v / 2 for v in male), male)
    chart = pyramid(base, [(2050, later)], BAND_LABELS_JA)
    assert len(chart.male_bars) == len(chart.female_bars) == 21
    assert chart.male_bars[9].width == pytest.approx(chart.male_bars[19].width / 2, abs=0.1)
    for m, f in zip(chart.male_bars, chart.female_bars, strict=True):
        assert m.width == f.width and m.y == f.y
        assert m.x + m.width <= chart.centre <= f.x  # men left of the labels, women right
    assert chart.male_bars[0].y > chart.male_bars[20].y  # 0-4 at the bottom
    [outline] = chart.outlines
    assert re.fullmatch(r"M[\d.]+,[\d.]+(H[\d.]+V[\d.]+){21}H[\d.]+", outline.male_path)
    assert chart.x_ticks[-1][2] == "5,000"  # 2,100 rounds up to the next 1-2-5 step
    assert len(chart.labels) == 11 and chart.labels[0][1] == "0～4歳"


def test_trend_joins_the_projection_to_the_last_published_point() -> None:
    chart = trend([(2013.25, 1000.0), (2023.0, 900.0)], [(2028.0, 850.0), (2050.0, 600.0)])
    assert chart.published_path.startswith("M") and chart.published_path.count("L") == 1
    assert chart.projected_path.count("L") == 2  # starts at 2023, then 2028 and 2050
    last_published = chart.published_path.split("L")[-1]
    assert chart.projected_path.startswith("M" + last_published)
    assert [label for _, label in chart.x_ticks] == ["2020", "2030", "2040", "2050"]
    assert [p[3] for p in chart.points] == [False, False, True, True]


def test_band_of_age_opens_at_100() -> None:
    assert [band_of_age(a) for a in (0, 4, 5, 99, 100, 120)] == [0, 0, 1, 19, 20, 20]
