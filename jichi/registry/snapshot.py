"""The registry as the 選挙管理委員会 sees it at a base date (住基法15条).

The one function other contexts may call instead of reading registry tables
(import-linter: ``jichi.elections`` imports only this module of the registry).  It
returns plain dated values — never eligibility, which is the roll's to derive — so
the roll's rules can be tested without a registry and the registry's tables can
change without breaking the roll.

Dates come from the event log as it stood at the base date (events whose 異動日 and
届出日 are both on or before it):

* ``on_registry_since`` — the 届出日 of the event that created the current record
  (転入届, 出生届, 職権記載, or a data import's recorded 届出日): 21条 counts three months
  from the 転入届, not from the day of the actual move;
* ``moved_out_on`` — the 異動日 of a removal by 転出 (the planned date of the 転出届),
  国外転出 or 職権消除, i.e. the day the person stopped living here;
* ``died_on`` — the 異動日 of a removal by death.
A 回復 (restoration) clears the removal; a new 転入 starts a new stay.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.places.change_store import codes_held
from jichi.registry.tables import registry_event, resident

__all__ = ["ElectorParticulars", "ElectorRecord", "elector_particulars", "electors_snapshot"]

_DEATH = "death"


@dataclass(frozen=True)
class ElectorRecord:
    person_id: str
    date_of_birth: date
    japanese: bool  # no foreign-resident items on the record (住基法30条の45)
    on_registry_since: date
    moved_out_on: date | None
    died_on: date | None


def electors_snapshot(conn: Connection, lg_code: str, base_date: date) -> list[ElectorRecord]:
    """Everyone with a record in ``lg_code`` on or before ``base_date``, by person id.

    After a merger the successor's events include its predecessors' (``codes_held``), so a
    resident of a merged town keeps the day they became a resident there (3 months' rule).
    """
    people = {
        row.person_id: row
        for row in conn.execute(
            sa.select(resident.c.person_id, resident.c.date_of_birth, resident.c.record).where(
                resident.c.lg_code == lg_code
            )
        )
    }
    events = conn.execute(
        sa.select(
            registry_event.c.person_id,
            registry_event.c.kind,
            registry_event.c.effective_date,
            registry_event.c.notified_date,
            registry_event.c.changes,
        )
        .where(
            registry_event.c.lg_code.in_(sorted(codes_held(conn, lg_code, base_date))),
            registry_event.c.effective_date <= base_date,
            registry_event.c.notified_date <= base_date,
        )
        .order_by(registry_event.c.person_id, registry_event.c.seq)
    )
    state: dict[str, dict[str, date | None]] = {}
    for ev in events:
        if ev.kind == "recorded":
            state[ev.person_id] = {"since": ev.notified_date, "out": None, "died": None}
            continue
        current = state.get(ev.person_id)
        if current is None:
            continue
        if ev.kind == "removed":
            reason = (ev.changes or {}).get("removal_reason")
            current["died" if reason == _DEATH else "out"] = ev.effective_date
        elif ev.kind == "restored":
            current["out"] = current["died"] = None
    out = []
    for person_id in sorted(state):
        row = people.get(person_id)
        since = state[person_id]["since"]
        if row is None or since is None:
            continue
        record = row.record or {}
        out.append(
            ElectorRecord(
                person_id=person_id,
                date_of_birth=row.date_of_birth,
                japanese=not record.get("foreign"),
                on_registry_since=since,
                moved_out_on=state[person_id]["out"],
                died_on=state[person_id]["died"],
            )
        )
    return out


@dataclass(frozen=True)
class ElectorParticulars:
    """What a roll prints of a person (名簿の記載事項): name, sex, birth, address.

    From the current record (the roll is kept current by 表示 and 抹消, and its address
    is the one on the 住民票 now); ``restricted`` says a 支援措置 covers the person.
    """

    person_id: str
    name: str
    kana: str
    sex: str
    date_of_birth: date
    household_id: str
    town: str  # 町字
    block: str  # 番地
    building: str  # 方書
    restricted: bool


def elector_particulars(
    conn: Connection, lg_code: str, person_ids: Collection[str]
) -> dict[str, ElectorParticulars]:
    """The particulars of the given persons of ``lg_code``, by person id."""
    wanted = set(person_ids)
    out: dict[str, ElectorParticulars] = {}
    query = sa.select(
        resident.c.person_id,
        resident.c.date_of_birth,
        resident.c.sex,
        resident.c.household_id,
        resident.c.record,
        resident.c.restricted,
    ).where(resident.c.lg_code == lg_code)
    for row in conn.execute(query):
        if row.person_id not in wanted:
            continue
        record = row.record or {}
        name = record.get("name") or {}
        address = record.get("address") or {}
        out[row.person_id] = ElectorParticulars(
            person_id=row.person_id,
            name="\u3000".join(p for p in (name.get("family", ""), name.get("given", "")) if p),
            kana="\u3000".join(
                p for p in (name.get("family_kana", ""), name.get("given_kana", "")) if p
            ),
            sex=row.sex,
            date_of_birth=row.date_of_birth,
            household_id=row.household_id,
            town=address.get("town", ""),
            block=address.get("block", ""),
            building=address.get("building", ""),
            restricted=bool(row.restricted),
        )
    return out
