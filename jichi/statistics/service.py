"""Registry statistics for one municipality: read through the named source, count, suppress.

The only path from the registry into this context is
:func:`jichi.registry.statistics_source.statistics_source`; nothing here sees a person id.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.places.catalog import default_catalog
from jichi.registry.statistics_source import statistics_source
from jichi.statistics.bands import BAND_LABELS, BAND_LABELS_JA
from jichi.statistics.errors import BAD_CHOICE, BAD_PERIOD, NO_DISTRICTS, UNKNOWN_MUNICIPALITY
from jichi.statistics.suppression import DEFAULT_THRESHOLD, Cell, cells_of, relations_of, suppress
from jichi.statistics.tables import AreaTable, district_key, tabulate, tabulate_by

__all__ = [
    "BY_CHOICES",
    "TOTAL_AREA",
    "published",
    "published_all",
    "registry_tables",
    "to_csv",
    "to_json",
]

BY_CHOICES = ("municipality", "town", "district")
TOTAL_AREA = "計"  # the municipality's row in a by-town or by-district answer


def _year_before(on: date) -> date:
    try:
        return on.replace(year=on.year - 1)
    except ValueError:  # 29 February
        return on.replace(year=on.year - 1, day=28)


def registry_tables(
    engine: Engine,
    lg_code: str,
    on: date,
    *,
    by: str = "municipality",
    since: date | None = None,
    districts: Mapping[str, str] | None = None,
) -> dict[str, AreaTable]:
    """Tables of ``lg_code`` on ``on``, movements in ``(since, on]`` (a year by default)."""
    if lg_code not in default_catalog():
        raise JichiError(UNKNOWN_MUNICIPALITY, field="municipality", value=lg_code)
    if by not in BY_CHOICES:
        raise JichiError(BAD_CHOICE, field="by", value=by, choices=" | ".join(BY_CHOICES))
    if by == "district" and not districts:
        raise JichiError(NO_DISTRICTS, field="districts")
    since = _year_before(on) if since is None else since
    if since > on:
        raise JichiError(BAD_PERIOD, field="since", since=since.isoformat(), on=on.isoformat())
    with engine.connect() as conn:
        source = statistics_source(conn, lg_code, on, since)
    if by == "municipality":
        return {lg_code: tabulate(lg_code, on, source.residents, source.movements)}
    if by == "town":
        areas = tabulate_by(on, source.residents, source.movements, lambda town: town or "不明")
    else:
        assert districts is not None
        areas = tabulate_by(on, source.residents, source.movements, district_key(districts))
    # The municipality's own row, as the official tables print it under the areas; with it
    # in the same answer, suppression also protects the areas' sum (see published_all).
    areas[TOTAL_AREA] = tabulate(TOTAL_AREA, on, source.residents, source.movements)
    return areas


def published(table: AreaTable, threshold: int = DEFAULT_THRESHOLD) -> dict[str, Cell]:
    """The table's cells after primary and secondary suppression."""
    return suppress(cells_of(table), relations_of(table), threshold)


_SEP = "\x1f"


def published_all(
    tables: Mapping[str, AreaTable], threshold: int = DEFAULT_THRESHOLD
) -> dict[str, dict[str, Cell]]:
    """Every area's cells, suppressed together: each table's own relations and, when the
    answer has a :data:`TOTAL_AREA` row, "the areas sum to the total" for every cell, so a
    town's hidden count cannot be had by subtracting the other towns from the total."""
    values: dict[str, int] = {}
    relations: list[tuple[str, ...]] = []
    for area, table in tables.items():
        values.update({f"{area}{_SEP}{name}": n for name, n in cells_of(table).items()})
        relations += [tuple(f"{area}{_SEP}{n}" for n in rel) for rel in relations_of(table)]
    if TOTAL_AREA in tables and len(tables) > 1:
        for name in cells_of(tables[TOTAL_AREA]):
            parts = [f"{a}{_SEP}{name}" for a in tables if a != TOTAL_AREA]
            relations.append((*(p for p in parts if p in values), f"{TOTAL_AREA}{_SEP}{name}"))
    out: dict[str, dict[str, Cell]] = {area: {} for area in tables}
    for key, cell in suppress(values, relations, threshold).items():
        area, name = key.split(_SEP, 1)
        out[area][name] = cell
    return out


def to_json(tables: Mapping[str, AreaTable], threshold: int = DEFAULT_THRESHOLD) -> dict[str, Any]:
    """JSON: per area, each cell's value (null when hidden) and the hidden cells' flags."""
    areas = []
    everything = published_all(tables, threshold)
    for area in tables:
        cells = everything[area]
        areas.append(
            {
                "area": area,
                "values": {name: cell.value for name, cell in cells.items()},
                "suppressed": {name: cell.flag for name, cell in cells.items() if cell.flag},
            }
        )
    first = next(iter(tables.values()), None)
    return {
        "as_of": first.on.isoformat() if first else None,
        "threshold": threshold,
        "rule": "0 < n < threshold → null (primary); one more per exposed total (secondary)",
        "areas": areas,
    }


_DYNAMICS = (
    ("転入者数", "move_in"),
    ("出生者数", "birth"),
    ("その他（記載）", "other_in"),
    ("転出者数", "move_out"),
    ("死亡者数", "death"),
    ("その他（消除）", "other_out"),
    ("自然増減数", "natural_change"),
    ("社会増減数", "social_change"),
)


def to_csv(
    tables: Mapping[str, AreaTable], table: str = "age", threshold: int = DEFAULT_THRESHOLD
) -> str:
    """CSV in the layout of the 1 January tables: ``age`` (NN-04), ``dynamics`` (NN-03),
    ``households`` (世帯人員別) or ``nationality`` (国籍別外国人住民)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    everything = published_all(tables, threshold)
    if table == "age":
        writer.writerow(["区域", "性別", "総数", *BAND_LABELS_JA])
        for area in tables:
            cells = everything[area]
            for sex, label in (("total", "計"), ("male", "男"), ("female", "女")):
                row = [cells[f"{sex}.total"].text()]
                row += [cells[f"{sex}.{band}"].text() for band in BAND_LABELS]
                writer.writerow([area, label, *row])
    elif table == "dynamics":
        writer.writerow(
            ["区域", "人口 男", "人口 女", "人口 計", "世帯数", *(h for h, _ in _DYNAMICS)]
        )
        for area in tables:
            cells = everything[area]
            names = ("male.total", "female.total", "total.total", "households")
            writer.writerow(
                [area, *(cells[n].text() for n in names), *(cells[n].text() for _, n in _DYNAMICS)]
            )
    elif table == "households":
        writer.writerow(["区域", "世帯数", *(f"{n}人" for n in range(1, 10)), "10人以上"])
        for area in tables:
            cells = everything[area]
            sizes = [cells[f"households.{n}"].text() for n in range(1, 11)]
            writer.writerow([area, cells["households"].text(), *sizes])
    elif table == "nationality":
        writer.writerow(["区域", "国籍・地域", "人数"])
        for area, t in tables.items():
            cells = everything[area]
            writer.writerow([area, "計", cells["foreign.total"].text()])
            for nationality in t.foreign_by_nationality:
                writer.writerow([area, nationality, cells[f"nationality.{nationality}"].text()])
    else:
        choices = "age | dynamics | households | nationality"
        raise JichiError(BAD_CHOICE, field="table", value=table, choices=choices)
    return out.getvalue()
