"""A small municipal election for the commission's pages: two adults on the roll, a child
who is not, staff of the commission (two, for the four-eyes tally) and a counter clerk.

The family moved in on 2026-06-01 (届出 the same day), so the 2026-09-01 定時登録 finds
the adults three months on the registry (公選法21条); the election is announced three
days before today and polled three days after, so an 期日前投票所 accepts check-ins now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.elections.polling import JST
from jichi.registry.service import Registry
from jichi.registry.tables import resident
from jichi.security.actor import Actor
from jichi.security.staff import create_staff
from jichi.store.engine import write_transaction
from tests.integration.registry.conftest import ELSEWHERE, address, person

PASSWORD = "senkyo-2026"
COMMISSION = ("senkan-kato", "senkan-mori")  # 選挙管理委員会 事務局の職員（2人: 照合）
CLERK = "madoguchi-sato"
BASE_DATE = "2026-09-01"
MOVED_IN = "2026-06-01"


@dataclass(frozen=True)
class World:
    voters: tuple[str, str]  # 太郎, 花子 (on the roll)
    child: str  # not on the roll (under 18)


def days_from_today(n: int) -> date:
    return datetime.now(JST).date() + timedelta(days=n)


def staff(engine: Engine, lg_code: str) -> None:
    with write_transaction(engine) as conn:
        for staff_id in COMMISSION:
            create_staff(conn, staff_id, lg_code, "election", "選管", password=PASSWORD)
        create_staff(conn, CLERK, lg_code, "clerk", "佐藤", password=PASSWORD)


def family(registry: Registry, surname: str = "選挙") -> World:
    by = Actor("kakaricho-seed", registry.lg_code, "supervisor")
    applied = registry.apply(
        registry.parse(
            {
                "kind": "move_in",
                "effective_date": MOVED_IN,
                "notified_date": MOVED_IN,
                "address": address(),
                "previous_address": ELSEWHERE,
                "persons": [
                    person(surname, "太郎", ("センキョ", "タロウ"), "1980-04-02", "male", "世帯主"),
                    person(surname, "花子", ("センキョ", "ハナコ"), "1982-09-15", "female", "妻"),
                    person(surname, "一郎", ("センキョ", "イチロウ"), "2012-01-20", "male", "子"),
                ],
            }
        ),
        by,
    )
    with registry.engine.connect() as conn:  # person_ids come sorted, not in form order
        rows = conn.execute(
            sa.select(resident.c.date_of_birth, resident.c.person_id).where(
                resident.c.person_id.in_(applied.person_ids)
            )
        ).all()
    by_year = {born.year: pid for born, pid in rows}
    return World((by_year[1980], by_year[1982]), by_year[2012])


def election_form(election_id: str = "2026-mayor") -> dict[str, str]:
    return {
        "election_id": election_id,
        "kind": "mayor",
        "district": "川越市",
        "seats": "1",
        "announced_on": days_from_today(-3).isoformat(),
        "polling_day": days_from_today(3).isoformat(),
        "parties": "みどり党",
        "candidates": "c1,川越 一郎,みどり党\nc2,的場 花子,",
    }
