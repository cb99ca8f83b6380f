"""Row security of the election tables (PostgreSQL, migration 0068).

Who checked in is as personal as a 住民票, so B's web role must never see A's check-ins or
A's roll build, even by a query that names no election, and must not write into A's
election; B's own check-in still works through the same wall.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.elections import election_store
from jichi.elections.model import Candidate, Election, ElectionType
from jichi.elections.polling import JST, StationKind, VoterAtDesk, add_station, check_in
from jichi.elections.tables import check_in as check_in_table
from jichi.elections.tables import voter_roll_build, voter_roll_build_entry
from jichi.store.engine import tenant_engine

LG_A, LG_B = "112011", "131016"
DAY = datetime(2026, 10, 27, 9, 30, tzinfo=JST)


def _election(election_id: str, lg_code: str) -> Election:
    return Election(
        election_id=election_id,
        lg_code=lg_code,
        kind=ElectionType.MAYOR,
        district=lg_code,
        seats=1,
        announced_on=date(2026, 10, 20),
        polling_day=date(2026, 10, 27),
        candidates=(Candidate("c1", "甲"),),
    )


@pytest.fixture
def two_elections(pg: Engine) -> tuple[Election, Election]:
    a, b = _election("ea", LG_A), _election("eb", LG_B)
    with pg.begin() as conn:
        for e in (a, b):
            election_store.save(conn, e)
            add_station(conn, e.election_id, "s1", "第一投票所", StationKind.DAY, "01")
            conn.execute(
                voter_roll_build.insert().values(
                    build_id=f"b-{e.lg_code}",
                    lg_code=e.lg_code,
                    as_of=date(2026, 10, 20),
                    built_at=datetime(2026, 10, 20, tzinfo=UTC),
                    built_by="senkan",
                )
            )
            conn.execute(
                voter_roll_build_entry.insert().values(
                    build_id=f"b-{e.lg_code}",
                    person_id=f"p-{e.lg_code}",
                    status="live",
                    reason=None,
                    district="01",
                    number=1,
                    sex="female",
                    date_of_birth=date(1990, 1, 1),
                )
            )
    check_in(pg, a, "s1", VoterAtDesk("va", "01", "female", date(1990, 1, 1)),
             clerk_id="a-clerk", at=DAY)  # fmt: skip
    return a, b


def test_b_sees_only_its_own_check_ins_and_roll_build(
    web_role: Engine, two_elections: tuple[Election, Election]
) -> None:
    _a, b = two_elections
    bound = tenant_engine(web_role, LG_B)
    accepted = check_in(bound, b, "s1", VoterAtDesk("vb", "01", "male", date(1980, 1, 1)),
                        clerk_id="b-clerk", at=DAY)  # fmt: skip
    assert accepted.accepted
    with bound.connect() as conn:
        seen = set(conn.execute(sa.select(check_in_table.c.election_id)).scalars())
        builds = set(conn.execute(sa.select(voter_roll_build_entry.c.person_id)).scalars())
    assert seen == {"eb"} and builds == {f"p-{LG_B}"}
    with web_role.connect() as conn:  # no tenant: the CLI's view has both
        assert set(conn.execute(sa.select(check_in_table.c.election_id)).scalars()) == {
            "ea",
            "eb",
        }


def test_b_cannot_check_a_voter_in_at_as_election(
    web_role: Engine, two_elections: tuple[Election, Election]
) -> None:
    a, _b = two_elections
    bound = tenant_engine(web_role, LG_B)
    row = {
        "election_id": a.election_id,
        "voter_id": "intruder",
        "station_id": "s1",
        "kind": "day",
        "clerk_id": "b-clerk",
        "checked_in_at": DAY,
        "hour_slot": 9,
        "polling_district": "01",
        "sex": "male",
        "age_band": "30-39",
        "offline": False,
        "recorded_at": DAY,
    }
    with pytest.raises(sa.exc.DBAPIError, match="row-level security"), bound.begin() as conn:
        conn.execute(check_in_table.insert().values(**row))
    with bound.begin() as conn:  # nor erase A's check-ins by a DELETE that names none
        assert conn.execute(check_in_table.delete()).rowcount == 0
    with web_role.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(check_in_table)).scalar() == 1
