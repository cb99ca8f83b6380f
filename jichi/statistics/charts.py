"""Chart geometry for the public statistics pages (SVG drawn on the server, no script).

Pure functions from numbers to coordinates, so the pages only draw and a test can check
a bar's length against its value.  The charts (the political-funds search draws the last
two, so there is one chart helper, not one per page):

* :func:`pyramid` — a population pyramid: men left, women right, one row per band; the
  base year as filled bars, later years (2040, 2050) as outlines on top;
* :func:`trend` — totals over time as a line, published points solid and projected ones
  dashed;
* :func:`lines` — several series over the years on shared axes;
* :func:`bars` — horizontal bars, longest first as given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jichi.statistics.projection import Population

__all__ = [
    "Bar",
    "HBar",
    "LinesChart",
    "Outline",
    "PyramidChart",
    "Series",
    "TrendChart",
    "bars",
    "lines",
    "pyramid",
    "trend",
]

WIDTH, HEIGHT = 640, 460
MID_GAP = 56  # the band labels sit between the two halves
TOP, BOTTOM = 24, 40


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Outline:
    year: int
    male_path: str
    female_path: str


@dataclass(frozen=True)
class PyramidChart:
    width: int
    height: int
    centre: float
    male_bars: list[Bar]
    female_bars: list[Bar]
    outlines: list[Outline]
    labels: list[tuple[float, str]]  # (y, band label) for every other band
    x_ticks: list[tuple[float, float, str]]  # (x left, x right, label)
    bottom: float


def _nice(value: float) -> float:
    """The next 1, 2 or 5 × 10ⁿ at or above ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


def pyramid(
    base: Population, later: Sequence[tuple[int, Population]], labels: Sequence[str]
) -> PyramidChart:
    """Bars of ``base``; outlines of each of ``later`` (year, population)."""
    n = len(base.male)
    peak = max([*base.male, *base.female, *(v for _, p in later for v in (*p.male, *p.female))])
    scale_max = _nice(peak)
    half = (WIDTH - MID_GAP) / 2
    centre = WIDTH / 2
    row = (HEIGHT - TOP - BOTTOM) / n

    def length(value: float) -> float:
        return round(value / scale_max * (half - 8), 1)

    def y_of(band: int) -> float:  # band 0 at the bottom
        return round(HEIGHT - BOTTOM - (band + 1) * row, 1)

    male_bars = [
        Bar(round(centre - MID_GAP / 2 - length(v), 1), y_of(i), length(v), round(row - 2, 1))
        for i, v in enumerate(base.male)
    ]
    female_bars = [
        Bar(round(centre + MID_GAP / 2, 1), y_of(i), length(v), round(row - 2, 1))
        for i, v in enumerate(base.female)
    ]

    def outline(values: tuple[float, ...], sign: int) -> str:
        edge = centre + sign * MID_GAP / 2
        parts = [f"M{edge},{round(HEIGHT - BOTTOM, 1)}"]
        for i, v in enumerate(values):
            x = round(edge + sign * length(v), 1)
            parts.append(f"H{x}V{y_of(i)}")
        parts.append(f"H{edge}")
        return "".join(parts)

    outlines = [Outline(year, outline(p.male, -1), outline(p.female, 1)) for year, p in later]
    ticks = []
    for fraction in (0.5, 1.0):
        d = length(scale_max * fraction)
        label = f"{round(scale_max * fraction):,}"
        ticks.append(
            (round(centre - MID_GAP / 2 - d, 1), round(centre + MID_GAP / 2 + d, 1), label)
        )
    return PyramidChart(
        WIDTH,
        HEIGHT,
        centre,
        male_bars,
        female_bars,
        outlines,
        [(round(y_of(i) + row / 2 + 4, 1), labels[i]) for i in range(0, n, 2)],
        ticks,
        HEIGHT - BOTTOM,
    )


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    published_path: str
    projected_path: str
    points: list[tuple[float, float, str, bool]]  # x, y, label, projected
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]


def trend(
    published: Sequence[tuple[float, float]], projected: Sequence[tuple[float, float]]
) -> TrendChart:
    """(year, total) points; the projected line starts at the last published point."""
    width, height, left, right, top, bottom = 640, 300, 80, 624, 16, 260
    points = [*published, *projected]
    first, last = points[0][0], points[-1][0]
    y_max = _nice(max(v for _, v in points) * 1.05)

    def x(year: float) -> float:
        return round(left + (year - first) / max(last - first, 1) * (right - left), 1)

    def y(value: float) -> float:
        return round(bottom - value / y_max * (bottom - top), 1)

    def path(series: Sequence[tuple[float, float]]) -> str:
        return "".join(f"{'M' if i == 0 else 'L'}{x(a)},{y(b)}" for i, (a, b) in enumerate(series))

    link = [published[-1], *projected] if published and projected else list(projected)
    marks = [(x(a), y(b), f"{round(b):,}", False) for a, b in published]
    marks += [(x(a), y(b), f"{round(b):,}", True) for a, b in projected]
    years = range(int(first) - int(first) % 10 + 10, int(last) + 1, 10)
    return TrendChart(
        width,
        height,
        left,
        right,
        top,
        bottom,
        path(published),
        path(link),
        marks,
        [(x(year), str(year)) for year in years],
        [(y(y_max * f), f"{round(y_max * f):,}") for f in (0, 0.25, 0.5, 0.75, 1.0)],
    )


# -- several series over the years, and horizontal bars (also drawn by the funds search) --


@dataclass(frozen=True)
class Series:
    key: str  # a CSS class suffix (ASCII): each series has its own stroke and dash
    label: str
    path: str
    points: list[tuple[float, float, str]]  # x, y, value label


@dataclass(frozen=True)
class LinesChart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    series: list[Series]
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]


def lines(series: Sequence[tuple[str, str, Sequence[tuple[float, float]]]]) -> LinesChart:
    """One line per (key, label, [(year, value)]) on shared axes, like :func:`trend`.

    Every year is ticked when there are a dozen or fewer, else every fifth; a single year
    is drawn at the left edge (a point, not a line).
    """
    width, height, left, right, top, bottom = 640, 300, 96, 624, 16, 260
    years = sorted({a for _, _, points in series for a, _ in points})
    values = [v for _, _, points in series for _, v in points]
    first, last = (years[0], years[-1]) if years else (0.0, 1.0)
    y_max = _nice(max(values, default=0) * 1.05)

    def x(year: float) -> float:
        return round(left + (year - first) / max(last - first, 1) * (right - left), 1)

    def y(value: float) -> float:
        return round(bottom - value / y_max * (bottom - top), 1)

    drawn = [
        Series(
            key,
            label,
            "".join(f"{'M' if i == 0 else 'L'}{x(a)},{y(b)}" for i, (a, b) in enumerate(points)),
            [(x(a), y(b), f"{round(b):,}") for a, b in points],
        )
        for key, label, points in series
    ]
    step = 1 if len(years) <= 12 else 5
    ticks = [(x(year), str(int(year))) for year in years if int(year) % step == 0 or step == 1]
    return LinesChart(
        width,
        height,
        left,
        right,
        top,
        bottom,
        drawn,
        ticks,
        [(y(y_max * f), f"{round(y_max * f):,}") for f in (0, 0.25, 0.5, 0.75, 1.0)],
    )


@dataclass(frozen=True)
class HBar:
    label: str
    value: int
    width: float
    y: int


def bars(rows: Sequence[tuple[str, int]], *, width: int = 480, row: int = 28) -> list[HBar]:
    """Horizontal bars (label, value), the longest ``width``; each ``row`` high, top down."""
    peak = max((value for _, value in rows), default=0)
    return [
        HBar(label, value, round(width * value / peak, 1) if peak else 0.0, row * n)
        for n, (label, value) in enumerate(rows)
    ]
