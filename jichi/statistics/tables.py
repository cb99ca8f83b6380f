"""Population tables from the registry's de-identified rows (人口・世帯・人口動態).

:func:`tabulate` counts one area (the municipality, a 町字 or a 投票区) in the shape of
the 1 January tables: residents by sex and five-year band (NN-04), households by size,
and the movements of the period before the base date (NN-03: 転入・出生・その他の記載,
転出・死亡・その他の消除), plus foreign residents by nationality.  Counts only: what makes
them publishable is :mod:`jichi.statistics.suppression`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from jichi.statistics.bands import BAND_COUNT, band_of

__all__ = ["MOVEMENT_KINDS", "AreaTable", "district_key", "tabulate", "tabulate_by"]

MOVEMENT_KINDS = ("move_in", "birth", "other_in", "move_out", "death", "other_out")
HOUSEHOLD_SIZE_CAP = 10  # 「10人以上」


class _Resident(Protocol):
    @property
    def sex(self) -> str: ...
    @property
    def date_of_birth(self) -> date: ...
    @property
    def town(self) -> str: ...
    @property
    def nationality(self) -> str | None: ...
    @property
    def household(self) -> int: ...


class _Movement(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def town(self) -> str: ...


@dataclass(frozen=True)
class AreaTable:
    """Counts for one area on one base date; movements for the period before it."""

    area: str
    on: date
    male: tuple[int, ...]
    female: tuple[int, ...]
    household_sizes: dict[int, int]  # size (10 = 10+) → households
    movements: dict[str, int] = field(default_factory=dict)
    foreign_by_nationality: dict[str, int] = field(default_factory=dict)

    @property
    def population(self) -> int:
        return sum(self.male) + sum(self.female)

    @property
    def households(self) -> int:
        return sum(self.household_sizes.values())

    @property
    def natural_change(self) -> int:
        """自然増減 = 出生 − 死亡."""
        return self.movements.get("birth", 0) - self.movements.get("death", 0)

    @property
    def social_change(self) -> int:
        """社会増減 = (転入 + その他の記載) − (転出 + その他の消除)."""
        m = self.movements
        return (
            m.get("move_in", 0)
            + m.get("other_in", 0)
            - m.get("move_out", 0)
            - m.get("other_out", 0)
        )


def tabulate(
    area: str,
    on: date,
    residents: Iterable[_Resident],
    movements: Iterable[_Movement] = (),
) -> AreaTable:
    """Count ``residents`` (on ``on``) and ``movements`` (the period) of one area."""
    male = [0] * BAND_COUNT
    female = [0] * BAND_COUNT
    members: Counter[int] = Counter()
    nationalities: Counter[str] = Counter()
    for r in residents:
        bands = male if r.sex == "male" else female
        bands[band_of(r.date_of_birth, on)] += 1
        members[r.household] += 1
        if r.nationality is not None:
            nationalities[r.nationality] += 1
    sizes = Counter(min(n, HOUSEHOLD_SIZE_CAP) for n in members.values())
    moved = Counter(m.kind for m in movements)
    return AreaTable(
        area,
        on,
        tuple(male),
        tuple(female),
        dict(sorted(sizes.items())),
        {kind: moved.get(kind, 0) for kind in MOVEMENT_KINDS},
        dict(sorted(nationalities.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def tabulate_by(
    on: date,
    residents: Iterable[_Resident],
    movements: Iterable[_Movement],
    key: Callable[[str], str | None],
) -> dict[str, AreaTable]:
    """One table per area; ``key`` maps a 町字 to its area (None: left out, counted nowhere).

    Households are counted in the area of each member, so a household split across two
    areas (rare: one 住民票 世帯 has one address) counts in both.
    """
    by_area: dict[str, list[_Resident]] = {}
    moves_by_area: dict[str, list[_Movement]] = {}
    for r in residents:
        area = key(r.town)
        if area is not None:
            by_area.setdefault(area, []).append(r)
    for m in movements:
        area = key(m.town)
        if area is not None:
            moves_by_area.setdefault(area, []).append(m)
    areas = sorted(set(by_area) | set(moves_by_area))
    return {a: tabulate(a, on, by_area.get(a, ()), moves_by_area.get(a, ())) for a in areas}


def district_key(mapping: Mapping[str, str]) -> Callable[[str], str | None]:
    """A ``key`` for :func:`tabulate_by` from a 町字 → 投票区 mapping (unmapped: 「不明」)."""
    return lambda town: mapping.get(town, "不明")
