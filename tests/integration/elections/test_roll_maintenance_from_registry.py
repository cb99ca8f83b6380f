"""The roll kept from a real registry, on SQLite and PostgreSQL: every 21条 edge by date.

Exactly three months from the 転入届 registers, one day short does not; a voter who moved
out after three months here and less than four months before the base date is registered
and marked at once (21条2項, 27条2項); a registered voter who moves is marked (表示) and
struck (抹消) on the day four months after the move, not the day before; a death strikes.
Each goes through the registry's event log and :func:`update_roll`, the one function the
commission's page and ``jichi elections roll build`` call.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine

from jichi.elections import roll_store
from jichi.elections.sources import update_roll
from jichi.registry.service import Registry
from jichi.security.actor import Actor
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from tests.integration.registry.conftest import ELSEWHERE, address, person

LG = "112011"
SUPERVISOR = Actor("kakaricho", LG, "supervisor")


def _move_in(registry: Registry, on: str, block: str, who: dict[str, Any]) -> str:
    applied = registry.apply(
        registry.parse(
            {
                "kind": "move_in",
                "effective_date": on,
                "notified_date": on,
                "address": address(block=block),
                "previous_address": ELSEWHERE,
                "persons": [who],
            }
        ),
        SUPERVISOR,
    )
    return applied.person_ids[0]


def _entries(engine: Engine) -> dict[str, roll_store.RollEntry]:
    with engine.connect() as conn:
        return {e.person_id: e for e in roll_store.entries(conn, LG, include_struck=True)}


def test_three_months_21_2_marks_and_strikes_from_the_registry(engine: Engine) -> None:
    registry = Registry(engine, LG, FieldCipher(Keys.derive(b"m" * 32)))
    exact = _move_in(registry, "2026-03-01", "1-1", person(
        "三月", "丁度", ("サンガツ", "チョウド"), "1980-05-05", "male", "世帯主"))  # fmt: skip
    short = _move_in(registry, "2026-03-02", "1-2", person(
        "三月", "不足", ("サンガツ", "フソク"), "1980-05-06", "female", "世帯主"))  # fmt: skip
    mover = _move_in(registry, "2026-01-05", "1-3", person(
        "転出", "予定", ("テンシュツ", "ヨテイ"), "1970-01-01", "male", "世帯主"))  # fmt: skip
    dies = _move_in(registry, "2026-01-05", "1-4", person(
        "死亡", "予定", ("シボウ", "ヨテイ"), "1950-02-02", "female", "世帯主"))  # fmt: skip
    # The 定時登録 of 6月1日 sees everyone above.  The mover files the 転出届 on 5月20日 for
    # 6月1日, so on 6月1日 he has moved out after more than three months here (21条2項).
    registry.apply(
        registry.parse(
            {
                "kind": "move_out",
                "person_ids": [mover],
                "planned_date": "2026-06-01",
                "notified_date": "2026-05-20",
                "destination": ELSEWHERE,
            }
        ),
        SUPERVISOR,
    )

    with engine.begin() as conn:
        june = update_roll(conn, LG, date(2026, 6, 1), register="periodic")
    entries = _entries(engine)
    assert set(entries) == {exact, mover, dies}  # one day short of three months: not here
    assert short not in entries
    assert entries[exact].marked_on is None
    assert (entries[mover].marked_on, entries[mover].mark_reason) == (date(2026, 6, 1), "moved_out")
    assert june.registered == 3

    registry.apply(
        registry.parse({"kind": "death", "person_id": dies, "effective_date": "2026-07-15",
                        "notified_date": "2026-07-16"}),
        SUPERVISOR,
    )  # fmt: skip
    with engine.begin() as conn:
        before = update_roll(conn, LG, date(2026, 9, 30), register=None)
    entries = _entries(engine)
    assert (before.struck, before.registered) == (1, 0)
    assert (entries[dies].struck_on, entries[dies].strike_reason) == (date(2026, 9, 30), "dead")
    assert entries[mover].struck_on is None  # the day before four months: still on the roll

    with engine.begin() as conn:
        after = update_roll(conn, LG, date(2026, 10, 1), register=None)
    entries = _entries(engine)
    assert after.struck == 1
    assert entries[mover].struck_on == date(2026, 10, 1)
    assert entries[mover].strike_reason == "moved_out_four_months"
    assert entries[exact].struck_on is None and entries[exact].marked_on is None

    with engine.begin() as conn:
        again = update_roll(conn, LG, date(2026, 10, 2), register=None)
    assert (again.marked, again.struck) == (0, 0)  # a strike is final; nothing twice


def test_a_registered_voter_who_moves_later_is_marked_then_struck(engine: Engine) -> None:
    registry = Registry(engine, LG, FieldCipher(Keys.derive(b"n" * 32)))
    voter = _move_in(registry, "2026-01-05", "2-1", person(
        "移転", "後日", ("イテン", "ゴジツ"), "1985-03-03", "male", "世帯主"))  # fmt: skip
    with engine.begin() as conn:
        update_roll(conn, LG, date(2026, 6, 1), register="periodic")
    assert _entries(engine)[voter].marked_on is None
    registry.apply(
        registry.parse(
            {
                "kind": "move_out",
                "person_ids": [voter],
                "planned_date": "2026-07-10",
                "notified_date": "2026-07-01",
                "destination": ELSEWHERE,
            }
        ),
        SUPERVISOR,
    )
    with engine.begin() as conn:
        update_roll(conn, LG, date(2026, 7, 9), register=None)
    assert _entries(engine)[voter].marked_on is None  # not moved yet on 7月9日
    with engine.begin() as conn:
        marked = update_roll(conn, LG, date(2026, 7, 10), register=None)
    entry = _entries(engine)[voter]
    assert marked.marked == 1 and entry.marked_on == date(2026, 7, 10)
    with engine.begin() as conn:
        update_roll(conn, LG, date(2026, 11, 9), register=None)
    assert _entries(engine)[voter].struck_on is None
    with engine.begin() as conn:
        update_roll(conn, LG, date(2026, 11, 10), register=None)
    assert _entries(engine)[voter].struck_on == date(2026, 11, 10)
