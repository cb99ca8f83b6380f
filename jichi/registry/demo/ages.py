"""Ages and sexes of demo residents: the municipality's own population pyramid.

総務省「住民基本台帳に基づく人口、人口動態及び世帯数」(令和5年1月1日現在), bundled in
``jichi/registry/data`` (see ``data/SOURCE.md``); a code without a row falls back to its
prefecture, then to Japan.
"""

from __future__ import annotations

import csv
import functools
import io
import random
from dataclasses import dataclass
from importlib import resources

from jichi.places.catalog import default_catalog

POPULATION_FILE = "juki_population_by_age_2023-01-01.csv"

# --- ages: the municipality's population pyramid ---------------------------------------

_BANDS: tuple[tuple[int, int], ...] = (
    *((lo, lo + 4) for lo in range(0, 100, 5)),
    (100, 104),  # 「100歳以上」: spread over five years
)


@dataclass(frozen=True)
class AgeTable:
    """Residents by sex and five-year age band, from one row of the population table."""

    code: str  # the row used: the municipality, its prefecture, or "" for Japan
    name: str
    counts: dict[str, tuple[int, ...]]  # "male" / "female" → 21 bands

    def draw(self, rng: random.Random, sex: str, lo: int, hi: int) -> int:
        """An age in ``lo..hi`` (inclusive) with the pyramid's weights for ``sex``."""
        lo, hi = max(lo, 0), min(hi, _BANDS[-1][1])
        if hi < lo:
            return max(lo, 0) if lo <= _BANDS[-1][1] else _BANDS[-1][1]
        options: list[tuple[int, int]] = []
        weights: list[float] = []
        for (band_lo, band_hi), count in zip(_BANDS, self.counts[sex], strict=True):
            first, last = max(lo, band_lo), min(hi, band_hi)
            if first <= last and count > 0:
                options.append((first, last))
                weights.append(count * (last - first + 1) / 5)
        if not options:
            return rng.randint(lo, hi)
        first, last = rng.choices(options, weights)[0]
        return rng.randint(first, last)

    def draw_sex(self, rng: random.Random, lo: int, hi: int) -> str:
        """A sex with the weights of the residents aged ``lo..hi``."""
        weights = [
            sum(
                count
                for (band_lo, band_hi), count in zip(_BANDS, self.counts[sex], strict=True)
                if band_hi >= lo and band_lo <= hi
            )
            for sex in ("male", "female")
        ]
        if sum(weights) == 0:
            return rng.choice(("male", "female"))
        return rng.choices(("male", "female"), weights)[0]


@functools.cache
def _population_rows() -> dict[str, tuple[str, dict[str, tuple[int, ...]]]]:
    """code ("" for Japan) → (name, sex → bands), read once from the bundled CSV."""
    text = resources.files("jichi.registry").joinpath("data", POPULATION_FILE).read_text("utf-8")
    rows: dict[str, tuple[str, dict[str, tuple[int, ...]]]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        if row["row_kind"] not in ("national", "prefecture", "municipality_or_ward"):
            continue
        if row["sex"] not in ("male", "female"):
            continue
        code = row["code"] if row["row_kind"] != "national" else ""
        name = row["prefecture"] + row["name"] if code else "全国"
        bands = tuple(int(row[f"age_{lo}-{hi}"] or 0) for lo, hi in _BANDS[:-1])
        bands += (int(row["age_100+"] or 0),)
        rows.setdefault(code, (name, {}))[1][row["sex"]] = bands
    return rows


def age_table(lg_code: str) -> AgeTable:
    """The pyramid of ``lg_code``; its prefecture's, then Japan's, when the table lacks it."""
    rows = _population_rows()
    catalog = default_catalog()
    candidates = [lg_code]
    if lg_code in catalog:
        lg = catalog.get(lg_code)
        candidates.append(catalog.prefecture_of(lg).code)
    candidates.append("")
    for code in candidates:
        found = rows.get(code)
        if found and sum(sum(bands) for bands in found[1].values()) > 0:
            return AgeTable(code, found[0], found[1])
    raise LookupError("the bundled population table has no national row")  # packaging bug
