"""Each voter's 投票区 and 選挙人番号, decided when the roll is built (pure).

The 選挙人番号 counts from 1 within each district, in this order, so that a number is
reproducible from the roll and the table alone and a household's members stand
together as on a 住民票-ordered roll:

1. the district's rows in the table's order (its first row's line), and within the
   district the row the address falls in (table line) — the commission's street order;
2. the 番地 by its numbers (:func:`jichi.elections.districts.block_key`), then the 番地
   as written, then the 方書 (building);
3. the 世帯 (household id), then date of birth (older first), then person id.

Numbers are given afresh at each build: a person added or struck between two builds
shifts the numbers after them (the 抄本 of each build carries its own numbers).  A
voter whose address is in no district is returned separately and gets no number
(ELE-033 when the build refuses them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from jichi.elections.districts import DistrictRow, DistrictTable, block_key

__all__ = ["Assignment", "VoterPlace", "assign"]


@dataclass(frozen=True)
class VoterPlace:
    person_id: str
    town: str
    block: str
    building: str
    household_id: str
    date_of_birth: date


@dataclass(frozen=True)
class Assignment:
    person_id: str
    district: str
    number: int


def assign(
    voters: Iterable[VoterPlace], table: DistrictTable | None, default: DistrictRow
) -> tuple[list[Assignment], list[VoterPlace]]:
    """(assignments in district and number order, voters in no district by person id)."""
    district_order: dict[str, int] = {}
    if table is not None:
        for first in table.rows:
            district_order.setdefault(first.code, first.line)
    placed: list[tuple[tuple[object, ...], str, VoterPlace]] = []
    unassigned: list[VoterPlace] = []
    for v in voters:
        numbers = block_key(v.block)
        row: DistrictRow | None = (
            table.district_of_key(v.town, numbers) if table is not None else default
        )
        if row is None:
            unassigned.append(v)
            continue
        key = (
            district_order.get(row.code, 0),
            row.code,
            row.line,
            numbers,
            v.block,
            v.building,
            v.household_id,
            v.date_of_birth,
            v.person_id,
        )
        placed.append((key, row.code, v))
    placed.sort(key=lambda item: item[0])
    counters: dict[str, int] = {}
    out = []
    for _, code, v in placed:
        counters[code] = counters.get(code, 0) + 1
        out.append(Assignment(v.person_id, code, counters[code]))
    return out, sorted(unassigned, key=lambda v: v.person_id)
