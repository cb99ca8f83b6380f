"""The roll from the registry: the one place elections reads another context.

Only :func:`jichi.registry.snapshot.electors_snapshot` is called (import-linter keeps it
so); the rules stay in :mod:`jichi.elections.roll`, pure.  Facts the registry does not
hold — loss of the vote (11条), a registration elsewhere, loss of nationality of a
national — come from the commission's own records and are passed in by person id.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection

from jichi.elections import roll_store
from jichi.elections.roll import (
    DEFAULT_RULES,
    Elector,
    MaintenanceDecision,
    RegistrationDecision,
    RollRules,
    build_roll,
    maintain,
)
from jichi.registry.snapshot import ElectorParticulars, elector_particulars, electors_snapshot

__all__ = [
    "ElectorParticulars",
    "RollUpdate",
    "maintenance_from_registry",
    "particulars",
    "roll_from_registry",
    "update_roll",
]


def _electors(
    conn: Connection,
    lg_code: str,
    base_date: date,
    disenfranchised: Collection[str],
    registered_elsewhere: Collection[str],
) -> list[Elector]:
    return [
        Elector(
            person_id=r.person_id,
            birth_date=r.date_of_birth,
            japanese=r.japanese,
            on_registry_since=r.on_registry_since,
            moved_out_on=r.moved_out_on,
            died_on=r.died_on,
            disenfranchised=r.person_id in disenfranchised,
            registered_elsewhere=r.person_id in registered_elsewhere,
        )
        for r in electors_snapshot(conn, lg_code, base_date)
    ]


def roll_from_registry(
    conn: Connection,
    lg_code: str,
    base_date: date,
    *,
    periodic: bool = False,
    election_day: date | None = None,
    disenfranchised: Collection[str] = (),
    registered_elsewhere: Collection[str] = (),
    rules: RollRules = DEFAULT_RULES,
) -> list[RegistrationDecision]:
    """Decide everyone on ``lg_code``'s registry at ``base_date`` (定時登録 or 選挙時登録)."""
    electors = _electors(conn, lg_code, base_date, disenfranchised, registered_elsewhere)
    return build_roll(
        electors, base_date, periodic=periodic, election_day=election_day, rules=rules
    )


def maintenance_from_registry(
    conn: Connection,
    lg_code: str,
    on: date,
    *,
    disenfranchised: Collection[str] = (),
    registered_elsewhere: Collection[str] = (),
    rules: RollRules = DEFAULT_RULES,
) -> list[MaintenanceDecision]:
    """表示 and 抹消 due on ``on`` for every live entry of the roll (27条, 28条).

    A registered voter who moved out is marked, and struck four months after the move; a
    death strikes.  The registry says who moved or died and when; the roll's own entries
    say who is registered.  A live entry with no registry history here (a person whose
    record was removed by a correction) is left alone: striking needs a reason the law
    names, and a correction is not one.
    """
    live = {e.person_id for e in roll_store.entries(conn, lg_code)}
    electors = _electors(conn, lg_code, on, disenfranchised, registered_elsewhere)
    return [maintain(e, on, rules=rules) for e in electors if e.person_id in live]


@dataclass(frozen=True)
class RollUpdate:
    """What one update of the roll did: entries made, marked and struck."""

    registered: int
    marked: int
    struck: int


def update_roll(
    conn: Connection,
    lg_code: str,
    day: date,
    *,
    register: str | None,
    rules: RollRules = DEFAULT_RULES,
) -> RollUpdate:
    """Register (``"periodic"`` or ``"election"``, or ``None``), then mark and strike on ``day``.

    The page and the CLI both call this before a build, so a build as of ``day`` shows
    every 表示 and 抹消 due by then and the diff between two builds says why each changed.
    """
    registered = 0
    if register is not None:
        periodic = register == "periodic"
        decisions = roll_from_registry(conn, lg_code, day, periodic=periodic, rules=rules)
        registered = roll_store.register(
            conn, lg_code, decisions, registered_on=day, base_date=day, periodic=periodic
        )
    counts = roll_store.apply_maintenance(
        conn, lg_code, maintenance_from_registry(conn, lg_code, day, rules=rules), on=day
    )
    return RollUpdate(registered, counts["marked"], counts["struck"])


def particulars(
    conn: Connection, lg_code: str, person_ids: Collection[str]
) -> dict[str, ElectorParticulars]:
    """Name, sex, birth and address of the roll's persons (for numbering and 抄本)."""
    return elector_particulars(conn, lg_code, person_ids)
