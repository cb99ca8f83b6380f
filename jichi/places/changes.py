"""Changes a deployment made itself: the mergers carried out on its live registries.

The bundled history (:mod:`jichi.places.history`) ends with the 総務省 list it was built
from; a merger that :mod:`jichi.registry.merger` carries out later is recorded in the
database (``place_change``, migration 0060) and laid over that history here, so that "which
municipality held code X on day D" stays one answer before and after the operator's own
change.  Nothing here reads the database: the store hands in the recorded changes.

The rules follow the bundled history's (facts §1.2): a 編入 leaves the absorbing
municipality's code running and retires the absorbed codes on the day; a 新設 ends every
party, and the new municipality answers from the day under its own code, which may be
one of the predecessors' (a code reused: before the day it names the old municipality,
from the day the new one).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from jichi.kernel.errors import JichiError
from jichi.places.history import NOT_ON_DATE, History, Period
from jichi.places.model import LocalGovernment


class MergerKind(StrEnum):
    """新設合併 (all parties end, a new one begins) or 編入合併 (one survives)."""

    CREATION = "creation"  # 新設合併 (CreationMerger)
    ABSORPTION = "absorption"  # 編入合併 (AbsorptionMerger)

    @property
    def label_ja(self) -> str:
        return "新設合併" if self is MergerKind.CREATION else "編入合併"


@dataclass(frozen=True)
class LocalChange:
    """One merger recorded by this deployment: ``predecessors`` became ``successor`` on
    ``effective_date``.  For a 編入 the successor is one of the parties and keeps running;
    the others are the absorbed ones."""

    change_id: str
    kind: MergerKind
    effective_date: date
    successor: LocalGovernment
    predecessors: tuple[str, ...]

    @property
    def retired(self) -> tuple[str, ...]:
        """The codes that no longer answer from the day (a reused 新設 code answers anew)."""
        return tuple(c for c in self.predecessors if c != self.successor.code)


class PlacesInTime:
    """The bundled history with this deployment's own mergers laid over it."""

    def __init__(self, history: History, changes: Iterable[LocalChange] = ()) -> None:
        self.history = history
        self.changes: tuple[LocalChange, ...] = tuple(
            sorted(changes, key=lambda c: (c.effective_date, c.change_id))
        )

    def as_of(self, code: str, on: date) -> LocalGovernment:
        """The municipality holding ``code`` on ``on`` (PLC-010 if none)."""
        for change in reversed(self.changes):
            if change.effective_date > on:
                continue
            if change.successor.code == code:
                return change.successor
            if code in change.retired:
                raise JichiError(NOT_ON_DATE, field="code", code=code, on=on.isoformat())
        period: Period = self.history.as_of(code, on)
        return period.place

    def successor_of(self, code: str, on: date) -> str | None:
        """Where the records of ``code`` live on ``on``: its successor after a merger
        (followed through later mergers), itself if no merger took it; None if unknown."""
        current = code
        for change in self.changes:
            if change.effective_date <= on and current in change.predecessors:
                current = change.successor.code
        return current


def held_codes(changes: Sequence[LocalChange], lg_code: str, on: date | None = None) -> set[str]:
    """The codes whose records ``lg_code`` holds (its own and its predecessors', through
    every merger it succeeded, in effect on ``on``; every recorded one when ``on`` is None).

    Why: the registry's event log keeps each event under the code it was written for, and
    a successor inherits the predecessors' books (facts §1.3), so its reads replay the
    events of all these codes.
    """
    held = {lg_code}
    grew = True
    while grew:
        grew = False
        for change in changes:
            if on is not None and change.effective_date > on:
                continue
            if change.successor.code in held:
                new = set(change.predecessors) - held
                if new:
                    held |= new
                    grew = True
    return held
