"""One municipality's outlook from the official tables: the 2023 base, projected to 2050.

The default assumptions are the cohort change ratios 2018-01-01 → 2023-01-01 (five
years exactly), the 子ども女性比 and 0～4歳性比 of 2023 — the method the backtest
measures (docs/guide/statistics.md).  Pass :class:`Parameters` to use others.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

from jichi.statistics.bands import BAND_LABELS
from jichi.statistics.official import edition
from jichi.statistics.parameters import cohort_change_parameters, population_of
from jichi.statistics.projection import Parameters, Population, Projection, project
from jichi.statistics.tables import AreaTable

__all__ = ["Outlook", "outlook", "past_totals", "registry_outlook"]

BASE = date(2023, 1, 1)
PREVIOUS = date(2018, 1, 1)


@dataclass(frozen=True)
class Outlook:
    code: str
    name: str
    parameters: Parameters
    projection: Projection


def _population(code: str, on: date, year: float) -> Population:
    row = edition(on).get(code)
    return population_of(year, row.scaled("male"), row.scaled("female"))


def outlook(code: str, parameters: Parameters | None = None, until: float = 2050.0) -> Outlook:
    """Projection of ``code`` ("" for Japan) from 2023-01-01 in five-year steps."""
    return _outlook(code, parameters, until)


def _ratio_source(code: str) -> str:
    """``code`` when 2018 has it; else its prefecture (e.g. 那珂川市, a 市 since 2018-10)."""
    if code in edition(PREVIOUS).rows:
        return code
    prefecture = edition(BASE).get(code).prefecture
    for row in edition(PREVIOUS).rows.values():
        if row.row_kind == "prefecture" and row.prefecture == prefecture:
            return row.code
    return ""


@functools.lru_cache(maxsize=4096)
def _default_parameters(code: str) -> Parameters:
    table = edition(BASE)
    source = _ratio_source(code)
    return cohort_change_parameters(
        f"cohort change 2018→2023 ({source or 'national'})",
        table.band_labels,
        _population(source, PREVIOUS, 2018.0),
        _population(source, BASE, 2023.0),
        source="総務省『住民基本台帳に基づく人口、人口動態及び世帯数』平成30年・令和5年1月1日現在",
    )


def _outlook(code: str, parameters: Parameters | None, until: float) -> Outlook:
    row = edition(BASE).get(code)
    chosen = parameters or _default_parameters(code)
    base = _population(code, BASE, 2023.0)
    return Outlook(code, row.label, chosen, project(base, chosen, until))


def past_totals(code: str) -> list[tuple[date, int]]:
    """Published totals of ``code`` in the bundled editions that have it."""
    out = []
    for on in (date(2013, 3, 31), PREVIOUS, BASE):
        row = edition(on).rows.get(code)
        if row is not None:
            out.append((on, row.total["total"]))
    return out


def registry_outlook(
    before: AreaTable, after: AreaTable, parameters: Parameters | None = None, until: float = 2050.0
) -> Outlook:
    """Projection from the registry itself: ``after`` as the base, and by default the cohort
    change ratios from ``before`` (tabulated five years earlier) to ``after``."""
    year = after.on.year + (after.on.timetuple().tm_yday - 1) / 365.0
    base = population_of(year, tuple(map(float, after.male)), tuple(map(float, after.female)))
    earlier = population_of(
        year - 5, tuple(map(float, before.male)), tuple(map(float, before.female))
    )
    chosen = parameters or cohort_change_parameters(
        f"registry cohort change {before.on.isoformat()}→{after.on.isoformat()}",
        BAND_LABELS,
        earlier,
        base,
        source="住民基本台帳（この団体の記録）",
    )
    return Outlook(after.area, after.area, chosen, project(base, chosen, until))
