"""The roll from the registry: the one place elections reads another context.

Only :func:`jichi.registry.snapshot.electors_snapshot` is called (import-linter keeps it
so); the rules stay in :mod:`jichi.elections.roll`, pure.  Facts the registry does not
hold — loss of the vote (11条), a registration elsewhere, loss of nationality of a
national — come from the commission's own records and are passed in by person id.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import Connection

from jichi.elections.roll import (
    DEFAULT_RULES,
    Elector,
    RegistrationDecision,
    RollRules,
    build_roll,
)
from jichi.registry.snapshot import ElectorParticulars, elector_particulars, electors_snapshot

__all__ = ["ElectorParticulars", "particulars", "roll_from_registry"]


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
    electors = [
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
    return build_roll(
        electors, base_date, periodic=periodic, election_day=election_day, rules=rules
    )


def particulars(
    conn: Connection, lg_code: str, person_ids: Collection[str]
) -> dict[str, ElectorParticulars]:
    """Name, sex, birth and address of the roll's persons (for numbering and 抄本)."""
    return elector_particulars(conn, lg_code, person_ids)
