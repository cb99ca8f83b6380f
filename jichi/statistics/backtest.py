"""Backtest: project 2018 → 2023 with the 2013 → 2018 ratios, compare with 2023.

Every 市区町村 present under the same code in all three editions (designated cities
whole; codes that changed between editions, e.g. 滝沢村 → 滝沢市, are left out and
counted).  The 2013 edition has 17 bands (open at 80), so all three are collapsed to
17.  2013-03-31 → 2018-01-01 is 4.75 years, not 5: the ratios carry that (documented
bias).  Error = |projected total − published 2023 total| ÷ published, per
municipality; summarised by size class (2018 population) as the median and the 90th
percentile.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from jichi.statistics.official import OfficialRow, collapse, edition
from jichi.statistics.parameters import cohort_change_parameters, population_of
from jichi.statistics.projection import Population, step

__all__ = ["SIZE_CLASSES", "BacktestResult", "SizeClassError", "backtest", "markdown_table"]

SIZE_CLASSES: tuple[tuple[str, int, int | None], ...] = (
    ("〜1万人", 0, 10_000),
    ("1万〜5万人", 10_000, 50_000),
    ("5万〜20万人", 50_000, 200_000),
    ("20万人〜", 200_000, None),
)
BANDS = 17


@dataclass(frozen=True)
class SizeClassError:
    label: str
    municipalities: int
    median: float  # absolute percentage error, in %
    p90: float


@dataclass(frozen=True)
class BacktestResult:
    classes: tuple[SizeClassError, ...]
    overall: SizeClassError
    left_out: int  # municipalities of 2023 without the same code in 2013 and 2018
    errors: dict[str, float]  # code → absolute percentage error


def _pop(row: OfficialRow, year: float) -> Population:
    return population_of(
        year, collapse(row.scaled("male"), BANDS), collapse(row.scaled("female"), BANDS)
    )


def _percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _summary(label: str, values: list[float]) -> SizeClassError:
    return SizeClassError(label, len(values), _percentile(values, 0.5), _percentile(values, 0.9))


def backtest() -> BacktestResult:
    t13, t18, t23 = edition(date(2013, 3, 31)), edition(date(2018, 1, 1)), edition(date(2023, 1, 1))
    labels = t13.band_labels
    errors: dict[str, float] = {}
    sizes: dict[str, int] = {}
    left_out = 0
    for row23 in t23.municipalities():
        row13, row18 = t13.rows.get(row23.code), t18.rows.get(row23.code)
        if row13 is None or row18 is None or row13.total["total"] == 0:
            left_out += 1
            continue
        before, after = _pop(row13, 2013.25), _pop(row18, 2018.0)
        parameters = cohort_change_parameters(row23.code, labels, before, after)
        projected = step(after, parameters).total
        actual = row23.total["total"]
        errors[row23.code] = abs(projected - actual) / actual * 100.0
        sizes[row23.code] = row18.total["total"]
    classes = []
    for label, lo, hi in SIZE_CLASSES:
        values = [e for c, e in errors.items() if sizes[c] >= lo and (hi is None or sizes[c] < hi)]
        classes.append(_summary(label, values))
    return BacktestResult(tuple(classes), _summary("全体", list(errors.values())), left_out, errors)


def markdown_table(result: BacktestResult) -> str:
    """The table docs/guide/statistics.md carries (a test regenerates and compares it)."""
    lines = [
        "| 人口規模 (2018) | 市区町村数 | 絶対誤差率 中央値 | 90パーセンタイル |",
        "|---|---:|---:|---:|",
    ]
    for c in (*result.classes, result.overall):
        lines.append(f"| {c.label} | {c.municipalities} | {c.median:.2f}% | {c.p90:.2f}% |")
    lines.append("")
    lines.append(f"同じ団体コードが3版にない市区町村（除外）: {result.left_out}")
    return "\n".join(lines)
