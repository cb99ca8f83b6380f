"""The registry's table beside the official one: how far apart are the two pyramids?

Used to check the demo registry against the 2023 table it was drawn from (a report, not
a pass/fail: a real municipality's registry should match its own published table to the
person; a demo drawn from the pyramid matches only in shape).  Shares are compared, not
counts, so a 300-resident demo can be set beside a 350,000-resident city.
"""

from __future__ import annotations

from dataclasses import dataclass

from jichi.statistics.bands import BAND_LABELS
from jichi.statistics.official import OfficialRow
from jichi.statistics.tables import AreaTable

__all__ = ["Comparison", "compare"]


@dataclass(frozen=True)
class Comparison:
    registry_population: int
    official_population: int
    # band label → (registry share, official share), both sexes together
    shares: dict[str, tuple[float, float]]
    total_variation: float  # ½ Σ |p − q| over the bands: 0 same shape, 1 disjoint
    registry_male_share: float
    official_male_share: float

    def largest_gaps(self, n: int = 3) -> list[tuple[str, float]]:
        """The ``n`` bands with the largest gap in percentage points (registry − official)."""
        gaps = [(label, (p - q) * 100.0) for label, (p, q) in self.shares.items()]
        return sorted(gaps, key=lambda g: -abs(g[1]))[:n]


def _shares(bands: list[float]) -> list[float]:
    total = sum(bands)
    return [b / total if total else 0.0 for b in bands]


def compare(table: AreaTable, official: OfficialRow) -> Comparison:
    """Compare by the 21 bands of 2018/2023 (the official bands scaled to the total)."""
    reg = [float(m + f) for m, f in zip(table.male, table.female, strict=True)]
    off = [m + f for m, f in zip(official.scaled("male"), official.scaled("female"), strict=True)]
    p, q = _shares(reg), _shares(off)
    population = table.population
    return Comparison(
        registry_population=population,
        official_population=official.total["total"],
        shares={label: (a, b) for label, a, b in zip(BAND_LABELS, p, q, strict=True)},
        total_variation=sum(abs(a - b) for a, b in zip(p, q, strict=True)) / 2,
        registry_male_share=sum(table.male) / population if population else 0.0,
        official_male_share=official.total["male"] / official.total["total"],
    )
