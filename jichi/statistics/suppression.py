"""Small-count suppression (秘匿) so a published table cannot single out a resident.

Rule (documented in docs/guide/statistics.md):

1. **Primary.** A count ``n`` with ``0 < n < threshold`` (default 3) is published as
   ``None`` (shown 「X」) with the flag ``primary``.  Zero is published: it says nobody
   is in the cell, which discloses nothing about a person.
2. **Secondary.** Every published total is a linear relation among cells (bands sum to
   the sex total, male + female = total per band, births − deaths = 自然増減, the
   nationalities sum to the foreign total, …).  A relation with exactly one hidden cell
   would give it back by subtraction, so the smallest other non-zero cell of that
   relation is hidden too (flag ``secondary``), repeated until no relation has exactly
   one hidden cell.

Areas of one answer are suppressed together (:func:`jichi.statistics.service.published_all`
adds "the towns sum to the municipality" per cell).  Limits: relations between separate
answers (a later date minus an earlier one, towns against districts, household sizes ×
persons = population) are not checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jichi.kernel.errors import JichiError
from jichi.statistics.bands import BAND_LABELS
from jichi.statistics.errors import BAD_THRESHOLD
from jichi.statistics.tables import MOVEMENT_KINDS, AreaTable

__all__ = ["DEFAULT_THRESHOLD", "Cell", "cells_of", "relations_of", "suppress"]

DEFAULT_THRESHOLD = 3


@dataclass(frozen=True)
class Cell:
    """A published count: ``value`` None when hidden; ``flag`` says why."""

    value: int | None
    flag: str | None = None  # None | "primary" | "secondary"

    def text(self) -> str:
        return "X" if self.value is None else str(self.value)


def cells_of(table: AreaTable) -> dict[str, int]:
    """Every count of the table under a stable flat name (``male.0-4``, ``birth`` …)."""
    cells: dict[str, int] = {}
    for i, label in enumerate(BAND_LABELS):
        cells[f"male.{label}"] = table.male[i]
        cells[f"female.{label}"] = table.female[i]
        cells[f"total.{label}"] = table.male[i] + table.female[i]
    cells["male.total"] = sum(table.male)
    cells["female.total"] = sum(table.female)
    cells["total.total"] = table.population
    cells["households"] = table.households
    for size in range(1, 11):
        cells[f"households.{size}"] = table.household_sizes.get(size, 0)
    for kind in MOVEMENT_KINDS:
        cells[kind] = table.movements.get(kind, 0)
    cells["natural_change"] = table.natural_change
    cells["social_change"] = table.social_change
    cells["foreign.total"] = sum(table.foreign_by_nationality.values())
    for nationality, n in table.foreign_by_nationality.items():
        cells[f"nationality.{nationality}"] = n
    return cells


def relations_of(table: AreaTable) -> list[tuple[str, ...]]:
    """The sets of cells tied by one linear equation (know all but one → know it)."""
    rel: list[tuple[str, ...]] = []
    for sex in ("male", "female", "total"):
        rel.append((*(f"{sex}.{label}" for label in BAND_LABELS), f"{sex}.total"))
    for label in (*BAND_LABELS, "total"):
        rel.append((f"male.{label}", f"female.{label}", f"total.{label}"))
    rel.append((*(f"households.{size}" for size in range(1, 11)), "households"))
    rel.append(("birth", "death", "natural_change"))
    rel.append(("move_in", "other_in", "move_out", "other_out", "social_change"))
    nationalities = tuple(f"nationality.{n}" for n in table.foreign_by_nationality)
    rel.append((*nationalities, "foreign.total"))
    return rel


def suppress(
    values: dict[str, int],
    relations: Sequence[tuple[str, ...]],
    threshold: int = DEFAULT_THRESHOLD,
) -> dict[str, Cell]:
    """Apply primary then secondary suppression; the result has every key of ``values``."""
    if not isinstance(threshold, int) or threshold < 1:
        raise JichiError(BAD_THRESHOLD, field="threshold", value=threshold)
    hidden: dict[str, str] = {
        name: "primary" for name, n in values.items() if 0 < abs(n) < threshold
    }
    changed = True
    while changed:
        changed = False
        for relation in relations:
            members = [name for name in relation if name in values]
            if sum(1 for name in members if name in hidden) != 1:
                continue
            others = [name for name in members if name not in hidden]
            if not others:
                continue
            nonzero = [name for name in others if values[name] != 0] or others
            pick = min(nonzero, key=lambda name: (abs(values[name]), name))
            hidden[pick] = "secondary"
            changed = True
    return {
        name: Cell(None, hidden[name]) if name in hidden else Cell(n) for name, n in values.items()
    }
