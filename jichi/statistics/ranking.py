"""The ranking of every 市区町村: 2023 population, projected 2050, change, 65歳以上の割合."""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from datetime import date

from jichi.kernel.errors import JichiError
from jichi.statistics.errors import BAD_CHOICE
from jichi.statistics.official import attribution, edition
from jichi.statistics.outlook import outlook

__all__ = ["SORTS", "RankingRow", "ranking", "ranking_csv"]

AGED = 13  # band 65–69 and over
SORTS = ("change", "population", "aged")


@dataclass(frozen=True)
class RankingRow:
    code: str
    name: str
    population_2023: int
    projected_2050: float
    aged_share_2023: float
    aged_share_2050: float

    @property
    def change(self) -> float:
        """2050 ÷ 2023 − 1."""
        return self.projected_2050 / self.population_2023 - 1.0


@functools.cache
def _all_rows() -> tuple[RankingRow, ...]:
    rows = []
    for official in edition(date(2023, 1, 1)).municipalities():
        result = outlook(official.code)
        start, end = result.projection.steps[0], result.projection.at(2050.0)
        rows.append(
            RankingRow(
                official.code,
                official.label,
                official.total["total"],
                end.total,
                start.share_from(AGED),
                end.share_from(AGED),
            )
        )
    return tuple(rows)


def ranking(sort: str = "change") -> list[RankingRow]:
    """All municipalities, ranked: ``change`` (largest fall first), ``population``, ``aged``."""
    if sort not in SORTS:
        raise JichiError(BAD_CHOICE, field="sort", value=sort, choices=" | ".join(SORTS))
    rows = list(_all_rows())
    if sort == "change":
        rows.sort(key=lambda r: (r.change, r.code))
    elif sort == "population":
        rows.sort(key=lambda r: (-r.population_2023, r.code))
    else:
        rows.sort(key=lambda r: (-r.aged_share_2050, r.code))
    return rows


def ranking_csv(sort: str = "change") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "順位",
            "団体コード",
            "市区町村",
            "人口 2023年1月1日",
            "推計人口 2050年",
            "増減率(%)",
            "65歳以上の割合 2023(%)",
            "65歳以上の割合 2050(%)",
        ]
    )
    for rank, r in enumerate(ranking(sort), start=1):
        writer.writerow(
            [
                rank,
                r.code,
                r.name,
                r.population_2023,
                round(r.projected_2050),
                f"{r.change * 100:.1f}",
                f"{r.aged_share_2023 * 100:.1f}",
                f"{r.aged_share_2050 * 100:.1f}",
            ]
        )
    writer.writerow([attribution(date(2023, 1, 1)) + "（2050年は jichi の推計）"])
    return out.getvalue()
