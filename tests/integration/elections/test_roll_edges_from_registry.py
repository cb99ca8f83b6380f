"""Roll edges from a real registry to the station desk, on SQLite and PostgreSQL.

The 18th birthday the day after polling day votes (年齢計算ニ関スル法律: 18 at the end of
the day before); two days after does not.  Both go through the registry's event log,
the 選挙時登録 judged on election day (22条2項 practice), a build, and the desk, which
admits the one and refuses the other as not on the roll (ELE-035).
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.elections import election_store, roll_build, roll_store
from jichi.elections.desk import roll_line
from jichi.elections.model import Candidate, Election, ElectionType
from jichi.elections.roll import Outcome, Reason
from jichi.elections.sources import roll_from_registry
from jichi.kernel.errors import JichiError
from jichi.registry.service import Registry
from jichi.registry.tables import resident
from jichi.security.actor import Actor
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from tests.integration.registry.conftest import ELSEWHERE, address, person

LG = "112011"
POLLING = date(2026, 10, 25)
BASE = date(2026, 10, 10)  # 選挙時登録の基準日


def test_the_birthday_after_polling_day_votes_and_two_days_after_does_not(engine: Engine) -> None:
    registry = Registry(engine, LG, FieldCipher(Keys.derive(b"r" * 32)))
    applied = registry.apply(
        registry.parse(
            {
                "kind": "move_in",
                "effective_date": "2026-01-05",
                "notified_date": "2026-01-05",
                "address": address(),
                "previous_address": ELSEWHERE,
                "persons": [
                    person(
                        "誕生", "一日後", ("タンジョウ", "イチ"), "2008-10-26", "male", "世帯主"
                    ),
                    person("誕生", "二日後", ("タンジョウ", "ニ"), "2008-10-27", "female", "妹"),
                ],
            }
        ),
        Actor("kakaricho", LG, "supervisor"),
    )
    with engine.connect() as conn:
        born = {
            b: pid
            for b, pid in conn.execute(
                sa.select(resident.c.date_of_birth, resident.c.person_id).where(
                    resident.c.person_id.in_(applied.person_ids)
                )
            ).all()
        }
    day_after, two_days_after = born[date(2008, 10, 26)], born[date(2008, 10, 27)]
    with engine.begin() as conn:
        decisions = roll_from_registry(conn, LG, BASE, election_day=POLLING)
        by_id = {d.person_id: d for d in decisions}
        assert by_id[day_after].outcome is Outcome.REGISTER
        assert by_id[two_days_after].reasons == (Reason.UNDER_AGE,)
        assert by_id[day_after].age_judged_on == POLLING
        roll_store.register(conn, LG, decisions, registered_on=BASE, base_date=BASE, periodic=False)
        roll_build.build(conn, LG, BASE, built_by="senkan")
        e = Election("2026-by", LG, ElectionType.MAYOR, "川越市", 1, date(2026, 10, 18),
                     POLLING, candidates=(Candidate("c1", "候補"),))  # fmt: skip
        election_store.save(conn, e)
    with engine.connect() as conn:
        line = roll_line(conn, e, day_after)
        assert line.district == "1" and line.number == 1 and not line.marked
        with pytest.raises(JichiError) as refused:
            roll_line(conn, e, two_days_after)
    assert refused.value.code == "ELE-035"
