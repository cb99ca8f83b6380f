"""The official 住民基本台帳に基づく人口 tables (総務省), as bundled in ``data/``.

Three editions of table NN-04 【総計】市区町村別年齢階級別人口: 2013-03-31 (17 bands, the
last open at 80), 2018-01-01 and 2023-01-01 (21 bands, open at 100).  Source, terms and
traps are in ``data/SOURCE.md``; the one that matters here: where the source withholds
the age breakdown of a few foreign residents (or ages are unknown) the bands sum to less
than ``total``.  :meth:`OfficialRow.scaled` spreads the difference over the bands in
proportion, so a projection starts from the published total.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from importlib import resources

from jichi.kernel.errors import JichiError
from jichi.statistics.errors import UNKNOWN_MUNICIPALITY

__all__ = [
    "EDITIONS",
    "OfficialRow",
    "OfficialTable",
    "attribution",
    "collapse",
    "edition",
]

EDITIONS: dict[date, str] = {
    date(2013, 3, 31): "juki_population_by_age_2013-03-31.csv",
    date(2018, 1, 1): "juki_population_by_age_2018-01-01.csv",
    date(2023, 1, 1): "juki_population_by_age_2023-01-01.csv",
}
_ERA = {date(2013, 3, 31): "平成25年3月31日", date(2018, 1, 1): "平成30年1月1日"}
_ERA[date(2023, 1, 1)] = "令和5年1月1日"
_WARD = re.compile(r"市.+区$")  # 札幌市中央区; 東京都の特別区 (千代田区) have no 市


def attribution(on: date) -> str:
    """The 出典 line the terms ask for (政府標準利用規約 第2.0版)."""
    survey = "住民基本台帳に基づく人口、人口動態及び世帯数"
    return f"出典：総務省『{survey}』({_ERA[on]}現在)を加工して作成"


@dataclass(frozen=True)
class OfficialRow:
    """One municipality (or ward, prefecture, Japan) of one edition."""

    code: str  # "" for Japan
    prefecture: str
    name: str
    row_kind: str  # national | prefecture | municipality_or_ward
    ward: bool  # a ward of a designated city (its city is also a row)
    total: dict[str, int]  # "male" / "female" / "total" → 総数
    bands: dict[str, tuple[int, ...]]  # "male" / "female" → counts, last band open

    @property
    def label(self) -> str:
        return self.prefecture + self.name if self.code else "全国"

    def scaled(self, sex: str) -> tuple[float, ...]:
        """The bands of ``sex`` scaled up so they sum to the published total."""
        bands = self.bands[sex]
        known = sum(bands)
        if known == 0:
            return tuple(0.0 for _ in bands)
        factor = self.total[sex] / known
        return tuple(b * factor for b in bands)


@dataclass(frozen=True)
class OfficialTable:
    """One edition: rows by code, the band labels of that edition."""

    on: date
    band_labels: tuple[str, ...]
    rows: dict[str, OfficialRow]

    def get(self, code: str, *, field: str = "municipality") -> OfficialRow:
        row = self.rows.get(code)
        if row is None:
            raise JichiError(UNKNOWN_MUNICIPALITY, field=field, value=code)
        return row

    def municipalities(self) -> Iterator[OfficialRow]:
        """The 市区町村 (designated cities whole, not their wards), those with residents."""
        for row in self.rows.values():
            if row.row_kind == "municipality_or_ward" and not row.ward and row.total["total"] > 0:
                yield row


def collapse(bands: tuple[float, ...], count: int) -> tuple[float, ...]:
    """The first ``count − 1`` bands and one open band summing the rest (21 → 17 for 2013)."""
    return (*bands[: count - 1], sum(bands[count - 1 :]))


@functools.cache
def edition(on: date) -> OfficialTable:
    """The bundled edition of ``on`` (read once)."""
    if on not in EDITIONS:
        raise JichiError(UNKNOWN_MUNICIPALITY, field="as_of", value=on.isoformat())
    text = resources.files("jichi.statistics").joinpath("data", EDITIONS[on]).read_text("utf-8")
    reader = csv.DictReader(io.StringIO(text))
    fields = reader.fieldnames or []
    labels = [f for f in fields if f.startswith("age_")]
    # 2013 published 17 bands (0-4 … 75-79 and an open 80+); later editions 21
    labels = [*labels[:16], "age_80+"] if on.year == 2013 else [f for f in labels if f != "age_80+"]
    rows: dict[str, OfficialRow] = {}
    partial: dict[str, dict[str, dict[str, str]]] = {}
    for raw in reader:
        if raw["row_kind"] not in ("national", "prefecture", "municipality_or_ward"):
            continue
        code = raw["code"] if raw["row_kind"] != "national" else ""
        partial.setdefault(code, {})[raw["sex"]] = raw
    for code, by_sex in partial.items():
        first = by_sex["total"]
        rows[code] = OfficialRow(
            code=code,
            prefecture=first["prefecture"] if code else "",
            name=first["name"],
            row_kind=first["row_kind"],
            ward=bool(_WARD.search(first["name"])) and first["prefecture"] != "東京都",
            total={sex: int(by_sex[sex]["total"] or 0) for sex in ("male", "female", "total")},
            bands={
                sex: tuple(int(by_sex[sex][label] or 0) for label in labels)
                for sex in ("male", "female")
            },
        )
    return OfficialTable(on, tuple(label[4:] for label in labels), rows)
