"""The registry as the election commission sees it at a base date (SQLite and PostgreSQL).

``electors_snapshot`` turns the event log into plain dates; ``roll_from_registry`` runs
the roll's 21条 rules over them.  The cast moves in, dies and moves out on known days.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine

from jichi.elections.roll import Outcome, PeriodConvention, Reason, RollRules
from jichi.elections.sources import roll_from_registry
from jichi.registry.service import Applied, Registry
from jichi.registry.snapshot import electors_snapshot
from tests.integration.registry.conftest import CLERK, ELSEWHERE, LG, MoveIn, address, person

FOREIGN = {
    "nationality": "ベトナム",
    "category": "中長期在留者",
    "status_of_residence": "技術・人文知識・国際業務",
    "period_of_stay": "5年",
    "period_expires": "2029-04-01",
    "residence_card_number": "AB12345678CD",
}


def apply(registry: Registry, **data: Any) -> Applied:
    return registry.apply(registry.parse(data), CLERK)


@pytest.fixture
def cast(registry: Registry, move_in: MoveIn) -> dict[str, str]:
    """山田 family in on 2026-07-30 (届出 08-01), 花子 dies 10-15; a foreigner; 佐藤 moves
    in 03-02 and out 09-01 (転出届 08-25)."""
    family = move_in(effective_date="2026-07-30", notified_date="2026-08-01")
    records = {registry.read_record(pid, CLERK).name.given: pid for pid in family.person_ids}
    apply(
        registry,
        kind="death",
        person_id=records["花子"],
        effective_date="2026-10-15",
        notified_date="2026-10-16",
    )
    foreigner = person(
        "グエン",
        "アン",
        ("グエン", "アン"),
        "1990-01-01",
        "male",
        "世帯主",
        foreign=FOREIGN,
        honseki="",
    )
    records["アン"] = move_in(
        persons=[foreigner],
        effective_date="2026-07-30",
        notified_date="2026-08-01",
        address=address("5-5-5"),
    ).person_ids[0]
    sato = person("佐藤", "次郎", ("サトウ", "ジロウ"), "1970-03-03", "male", "世帯主")
    records["次郎"] = move_in(
        persons=[sato],
        effective_date="2026-03-01",
        notified_date="2026-03-02",
        address=address("7-7-7"),
    ).person_ids[0]
    apply(
        registry,
        kind="move_out",
        person_ids=[records["次郎"]],
        planned_date="2026-09-01",
        destination=ELSEWHERE,
        notified_date="2026-08-25",
    )
    return records


def test_snapshot_gives_the_dates_the_roll_needs(engine: Engine, cast: dict[str, str]) -> None:
    with engine.connect() as conn:
        snap = {r.person_id: r for r in electors_snapshot(conn, LG, date(2026, 11, 1))}
        before = electors_snapshot(conn, LG, date(2026, 7, 31))
    taro = snap[cast["太郎"]]
    assert taro.on_registry_since == date(2026, 8, 1)  # the 届出日, not the move
    assert taro.japanese and taro.moved_out_on is None and taro.died_on is None
    assert snap[cast["花子"]].died_on == date(2026, 10, 15)
    assert not snap[cast["アン"]].japanese
    assert snap[cast["次郎"]].moved_out_on == date(2026, 9, 1)
    assert [r.person_id for r in before] == [cast["次郎"]]  # the family was not in yet
    with engine.connect() as conn:
        at_aug = {r.person_id: r for r in electors_snapshot(conn, LG, date(2026, 8, 31))}
    assert at_aug[cast["次郎"]].moved_out_on is None  # the planned date had not come


def test_roll_from_the_registry_on_both_sides_of_three_months(
    engine: Engine, cast: dict[str, str]
) -> None:
    with engine.connect() as conn:
        roll = {d.person_id: d for d in roll_from_registry(conn, LG, date(2026, 11, 1))}
        early = {d.person_id: d for d in roll_from_registry(conn, LG, date(2026, 10, 31))}
        strict = {
            d.person_id: d
            for d in roll_from_registry(
                conn,
                LG,
                date(2026, 11, 1),
                rules=RollRules(convention=PeriodConvention.CIVIL_CODE_START_OF_DAY),
            )
        }
    assert roll[cast["太郎"]].outcome is Outcome.REGISTER
    assert early[cast["太郎"]].reasons == (Reason.UNDER_THREE_MONTHS,)
    assert strict[cast["太郎"]].reasons == (Reason.UNDER_THREE_MONTHS,)
    assert Reason.UNDER_AGE in roll[cast["一郎"]].reasons
    assert roll[cast["花子"]].reasons == (Reason.DEAD,)
    assert roll[cast["アン"]].reasons == (Reason.NOT_JAPANESE,)
    assert roll[cast["次郎"]].outcome is Outcome.REGISTER_MARKED  # 21条2項


def test_commission_facts_are_passed_by_person_id(engine: Engine, cast: dict[str, str]) -> None:
    with engine.connect() as conn:
        roll = {
            d.person_id: d
            for d in roll_from_registry(
                conn,
                LG,
                date(2026, 12, 1),
                periodic=True,
                disenfranchised={cast["太郎"]},
                registered_elsewhere={cast["次郎"]},
            )
        }
    assert roll[cast["太郎"]].reasons == (Reason.DISENFRANCHISED,)
    assert roll[cast["次郎"]].reasons == (Reason.REGISTERED_ELSEWHERE,)
