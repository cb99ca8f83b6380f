"""Decide what a notification does: rules of 住民基本台帳法 applied to a snapshot.

Pure functions, one per kind of notification.  Each checks the law's rules against
the current state, then returns the events, household changes and follow-up notices
(outbox) that the service writes in one transaction.  A rejection raises a
:class:`JichiError` before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jichi.kernel.errors import JichiError
from jichi.registry import errors as e
from jichi.registry.decide.households import (
    head_change,
    household_composition,
    household_merge,
    household_split,
)
from jichi.registry.decide.items import (
    alias,
    attach_individual_number,
    correction,
    family_register_change,
    foreign_resident_change,
    former_surname,
)
from jichi.registry.decide.moves import (
    cancel_move_out,
    confirm_move_out,
    ex_officio_record,
    move_in,
    move_out,
    relocation,
)
from jichi.registry.decide.recording_correction import recording_correction
from jichi.registry.decide.removal import ex_officio_removal, restoration
from jichi.registry.decide.vital import birth, death
from jichi.registry.state import Context, Decision, Snapshot

DECIDERS: dict[str, Callable[[Any, Snapshot, Context], Decision]] = {
    "move_in": move_in,
    "move_out": move_out,
    "confirm_move_out": confirm_move_out,
    "cancel_move_out": cancel_move_out,
    "relocation": relocation,
    "birth": birth,
    "death": death,
    "household_split": household_split,
    "household_merge": household_merge,
    "head_change": head_change,
    "household_composition": household_composition,
    "family_register_change": family_register_change,
    "correction": correction,
    "recording_correction": recording_correction,
    "ex_officio_removal": ex_officio_removal,
    "restoration": restoration,
    "attach_individual_number": attach_individual_number,
    "foreign_resident_change": foreign_resident_change,
    "former_surname": former_surname,
    "alias": alias,
    "ex_officio_record": ex_officio_record,
}


def decide(cmd: Any, snapshot: Snapshot, ctx: Context) -> Decision:
    decision = DECIDERS[cmd.kind](cmd, snapshot, ctx)
    if not decision.events:
        raise JichiError(e.EMPTY_NOTIFICATION, field="kind")
    return decision
