"""The persisted roll on SQLite and PostgreSQL: register, mark (表示), strike (抹消)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import Engine

from jichi.elections import roll_store
from jichi.elections.roll import Elector, build_roll, maintain

LG = "112011"
STAYS = Elector("a", date(1980, 5, 5), True, date(2024, 1, 10))
MOVER = Elector("b", date(1975, 1, 1), True, date(2024, 1, 10), moved_out_on=date(2024, 8, 1))
CHILD = Elector("c", date(2010, 1, 1), True, date(2024, 1, 10))


def test_register_mark_strike_and_register_again(engine: Engine) -> None:
    base = date(2024, 9, 1)
    decisions = build_roll([STAYS, MOVER, CHILD], base, periodic=True)
    with engine.begin() as conn:
        made = roll_store.register(
            conn, LG, decisions, registered_on=base, base_date=base, periodic=True
        )
        again = roll_store.register(
            conn, LG, decisions, registered_on=base, base_date=base, periodic=True
        )
    assert (made, again) == (2, 0)  # the child is not registered; nothing is doubled
    with engine.connect() as conn:
        entries = {e.person_id: e for e in roll_store.entries(conn, LG)}
    assert set(entries) == {"a", "b"}
    assert entries["a"].marked_on is None and entries["a"].registration_kind == "periodic"
    assert (entries["b"].marked_on, entries["b"].mark_reason) == (base, "moved_out")  # 27条2項
    assert entries["a"].convention == "civil_code_end_of_day"

    moved_a = replace(STAYS, moved_out_on=date(2024, 10, 1))
    with engine.begin() as conn:
        marks = roll_store.apply_maintenance(
            conn,
            LG,
            [maintain(moved_a, date(2024, 10, 5)), maintain(MOVER, date(2024, 10, 5))],
            on=date(2024, 10, 5),
        )
    assert marks == {"marked": 1, "struck": 0}  # b was marked already
    with engine.begin() as conn:
        strikes = roll_store.apply_maintenance(
            conn, LG, [maintain(MOVER, date(2024, 12, 1))], on=date(2024, 12, 1)
        )
    assert strikes == {"marked": 0, "struck": 1}  # four months after 8/1 end on 12/1
    with engine.connect() as conn:
        live = [e.person_id for e in roll_store.entries(conn, LG)]
        every = {e.person_id: e for e in roll_store.entries(conn, LG, include_struck=True)}
    assert live == ["a"]
    assert every["b"].struck_on == date(2024, 12, 1)
    assert every["b"].strike_reason == "moved_out_four_months"

    back = replace(MOVER, on_registry_since=date(2025, 1, 5), moved_out_on=None)
    with engine.begin() as conn:
        made = roll_store.register(
            conn,
            LG,
            build_roll([back], date(2025, 6, 1)),
            registered_on=date(2025, 6, 1),
            base_date=date(2025, 6, 1),
            periodic=False,
        )
        entry = {e.person_id: e for e in roll_store.entries(conn, LG)}["b"]
    assert made == 1
    assert (entry.registered_on, entry.struck_on, entry.marked_on) == (date(2025, 6, 1), None, None)
    assert entry.registration_kind == "election"
