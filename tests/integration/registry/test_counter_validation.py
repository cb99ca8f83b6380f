"""One validation on every channel (issue 10): the rules live in the domain, so the
API, the CLI, a JSON-lines file and a network message all meet them.  SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError, JichiErrors
from jichi.kernel.identifiers import with_check_digit
from jichi.registry.service import Applied, Registry
from jichi.registry.tables import registry_event, resident
from jichi.security import audit
from tests.integration.registry.conftest import (
    CLERK,
    ELSEWHERE,
    MoveIn,
    address,
    person,
    yamada_family,
)

FOREIGN = {"nationality": "ベトナム", "category": "中長期在留者"}
GOOD_NUMBER = with_check_digit("mynumber", "12345678901")
BAD_NUMBER = GOOD_NUMBER[:11] + str((int(GOOD_NUMBER[11]) + 1) % 10)


def apply(registry: Registry, **data: Any) -> Applied:
    return registry.apply(registry.parse(data), CLERK)


def rejected(registry: Registry, **data: Any) -> JichiError:
    with pytest.raises(JichiError) as raised:
        apply(registry, **data)
    return raised.value


def codes(error: JichiError) -> list[str]:
    return [m.code for m in error.errors] if isinstance(error, JichiErrors) else [error.code]


def fields(error: JichiError) -> list[str | None]:
    return [m.field for m in error.errors] if isinstance(error, JichiErrors) else [error.field]


def rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(registry_event)).scalar_one()


def move_in_data(persons: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "kind": "move_in",
        "effective_date": "2026-11-20",
        "address": address(),
        "previous_address": ELSEWHERE,
        "persons": persons,
        **extra,
    }


def solo(given: str = "一人", **extra: Any) -> dict[str, Any]:
    return person("佐藤", given, ("サトウ", "ヒトリ"), "1970-03-03", "male", "世帯主", **extra)


# --- identifiers ----------------------------------------------------------------------


def test_a_move_in_with_a_wrong_individual_number_check_digit_is_refused(
    engine: Engine, registry: Registry
) -> None:
    error = rejected(registry, **move_in_data([solo(individual_number=BAD_NUMBER)]))
    assert codes(error) == ["ID-004"]
    assert fields(error) == ["persons.0.individual_number"]
    assert BAD_NUMBER not in error.message_ja + error.message_en
    assert rows(engine) == 0


def test_a_move_in_with_a_right_individual_number_is_recorded(registry: Registry) -> None:
    applied = apply(registry, **move_in_data([solo(individual_number=GOOD_NUMBER)]))
    assert registry.read_record(applied.person_ids[0], CLERK).has_individual_number


def test_a_birth_and_an_ex_officio_record_check_the_number_too(
    registry: Registry, move_in: MoveIn
) -> None:
    family = move_in()
    child = person("山田", "三郎", ("ヤマダ", "サブロウ"), "2026-11-22", "male", "子")
    error = rejected(
        registry,
        kind="birth",
        household_id=family.result["household_id"],
        child={**child, "individual_number": BAD_NUMBER},
    )
    assert codes(error) == ["ID-004"] and fields(error) == ["child.individual_number"]
    error = rejected(
        registry,
        kind="ex_officio_record",
        effective_date="2026-11-01",
        address=address("8-8"),
        persons=[solo(individual_number=BAD_NUMBER)],
        reason="実態調査",
    )
    assert codes(error) == ["ID-004"]


# --- reading (フリガナ) -----------------------------------------------------------------


def test_a_reading_in_latin_letters_is_refused(registry: Registry) -> None:
    bad = person("佐藤", "一人", ("Sato", "ヒトリ"), "1970-03-03", "male", "世帯主")
    error = rejected(registry, **move_in_data([bad]))
    assert codes(error) == ["TXT-002"]
    assert fields(error) == ["persons.0.name.family_kana"]


def test_a_reading_in_hiragana_is_stored_in_katakana(registry: Registry) -> None:
    typed = person("佐藤", "一人", ("さとう", "ヴィー・ジェイ"), "1970-03-03", "male", "世帯主")
    applied = apply(registry, **move_in_data([typed]))
    record = registry.read_record(applied.person_ids[0], CLERK)
    assert (record.name.family_kana, record.name.given_kana) == ("サトウ", "ヴィー・ジェイ")


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(latin=st.text(alphabet="abcxyzABCXYZ0123", min_size=1, max_size=6))
def test_any_reading_with_latin_letters_or_digits_is_refused(
    engine: Engine, registry: Registry, latin: str
) -> None:
    bad = person("佐藤", "一人", ("サトウ", "ヒ" + latin), "1970-03-03", "male", "世帯主")
    error = rejected(registry, **move_in_data([bad]))
    assert codes(error) == ["TXT-002"]
    assert fields(error) == ["persons.0.name.given_kana"]


# --- 本籍・筆頭者 of a foreign resident -----------------------------------------------------


def test_honseki_and_head_are_refused_for_a_foreign_resident_on_move_in(
    engine: Engine, registry: Registry
) -> None:
    foreigner = person("グエン", "アン", ("グエン", "アン"), "1995-05-05", "female", "世帯主")
    foreigner.update(foreign=FOREIGN, honseki="東京都千代田区", family_register_head="グエン")
    error = rejected(registry, **move_in_data([foreigner]))
    assert codes(error) == ["REG-060", "REG-060"]
    assert fields(error) == ["persons.0.honseki", "persons.0.family_register_head"]
    assert rows(engine) == 0


def test_honseki_is_refused_for_a_foreign_resident_on_a_family_register_change(
    registry: Registry,
) -> None:
    foreigner = person(
        "グエン", "アン", ("グエン", "アン"), "1995-05-05", "female", "世帯主", foreign=FOREIGN
    )
    applied = apply(registry, **move_in_data([foreigner]))
    error = rejected(
        registry,
        kind="family_register_change",
        effective_date="2026-11-25",
        person_id=applied.person_ids[0],
        event="婚姻",
        honseki="東京都千代田区千代田1番",
    )
    assert codes(error) == ["REG-060"] and fields(error) == ["honseki"]


# --- likely duplicates ----------------------------------------------------------------


def test_a_second_move_in_of_a_current_resident_is_refused_as_a_likely_duplicate(
    engine: Engine, registry: Registry
) -> None:
    first = apply(registry, **move_in_data([solo()]))
    before = rows(engine)
    again = move_in_data([solo()], address=address("9-9"))
    error = rejected(registry, **again)
    assert codes(error) == ["REG-061"]
    assert error.params["person_id"] == first.person_ids[0]
    assert rows(engine) == before


def test_same_name_and_birth_date_with_another_reading_and_sex_is_a_likely_duplicate(
    registry: Registry,
) -> None:
    apply(registry, **move_in_data([solo()]))
    other = person("佐藤", "一人", ("サトウ", "カズト"), "1970-03-03", "female", "世帯主")
    error = rejected(registry, **move_in_data([other], address=address("9-9")))
    assert codes(error) == ["REG-061"]


def test_recording_a_namesake_as_a_different_person_needs_a_reason_and_is_audited(
    engine: Engine, registry: Registry
) -> None:
    first = apply(registry, **move_in_data([solo()]))
    reason = "生年月日・氏名が同じ別人（本人確認書類で確認）"
    second = apply(
        registry,
        **move_in_data([solo()], address=address("9-9"), distinct_person_reason=reason),
    )
    assert "recorded_as_distinct" in second.flags
    with engine.connect() as conn:
        entries = [
            r.entry
            for r in audit.entries_for_person(conn, second.person_ids[0])
            if r.entry.action == "notification.recorded_as_distinct"
        ]
    assert len(entries) == 1
    assert entries[0].detail["reason"] == reason
    assert entries[0].detail["matches"] == first.person_ids


# --- 出生 -------------------------------------------------------------------------------


def test_a_birth_before_a_parent_was_born_is_refused(
    engine: Engine, registry: Registry, move_in: MoveIn
) -> None:
    family = move_in()
    before = rows(engine)
    error = rejected(
        registry,
        kind="birth",
        household_id=family.result["household_id"],
        child=person("山田", "三郎", ("ヤマダ", "サブロウ"), "1975-01-01", "male", "子"),
    )
    assert codes(error) == ["REG-062"]
    assert error.field == "child.date_of_birth"
    assert rows(engine) == before


def test_a_birth_notified_long_after_is_recorded_with_a_review_flag(
    registry: Registry, move_in: MoveIn
) -> None:
    family = move_in()
    born = apply(
        registry,
        kind="birth",
        household_id=family.result["household_id"],
        child=person("山田", "三郎", ("ヤマダ", "サブロウ"), "2020-01-01", "male", "子"),
    )
    assert born.late is True
    assert "birth_long_past" in born.flags
    recent = apply(
        registry,
        kind="birth",
        household_id=family.result["household_id"],
        child=person("山田", "四郎", ("ヤマダ", "シロウ"), "2026-11-22", "male", "子"),
    )
    assert "birth_long_past" not in recent.flags


# --- 転居 -------------------------------------------------------------------------------


def test_a_relocation_to_the_same_address_is_refused(
    engine: Engine, registry: Registry, move_in: MoveIn
) -> None:
    family = move_in()
    before = rows(engine)
    error = rejected(
        registry,
        kind="relocation",
        effective_date="2026-11-25",
        person_ids=family.person_ids,
        address=address(),
    )
    assert codes(error) == ["REG-063"] and error.field == "address"
    assert rows(engine) == before


# --- every error at once --------------------------------------------------------------


def test_a_move_in_reports_every_error_at_once(engine: Engine, registry: Registry) -> None:
    bad = person("佐藤", "一人", ("sato", "ヒトリ"), "2027-01-01", "male", "世帯主")
    bad.update(individual_number=BAD_NUMBER)
    error = rejected(
        registry,
        **move_in_data([bad], effective_date="2026-12-20", previous_address=address("5-5")),
    )
    assert isinstance(error, JichiErrors)
    assert set(codes(error)) >= {"REG-001", "REG-010", "REG-011", "ID-004", "TXT-002"}
    body = error.to_dict()
    assert body["code"] == codes(error)[0]
    assert [m["field"] for m in body["errors"]] == fields(error)
    assert all(m["message_ja"] for m in body["errors"])
    assert rows(engine) == 0


def test_errors_of_several_persons_are_reported_each_at_its_field(registry: Registry) -> None:
    family = yamada_family()
    family[1]["name"]["family_kana"] = "yamada"
    family[2]["individual_number"] = BAD_NUMBER
    error = rejected(registry, **move_in_data(family))
    assert fields(error) == ["persons.1.name.family_kana", "persons.2.individual_number"]


# --- the recorded-by moment -----------------------------------------------------------


def test_a_recorded_by_moment_without_offset_is_read_as_japan_time(
    registry: Registry, move_in: MoveIn
) -> None:
    family = move_in()  # recorded at 2026-11-27 10:00 JST
    pid = family.person_ids[0]
    assert registry.read_record(pid, CLERK, recorded_by=datetime(2026, 11, 27, 10, 0)).is_active
    with pytest.raises(JichiError) as raised:
        registry.read_record(pid, CLERK, recorded_by=datetime(2026, 11, 27, 9, 59))
    assert raised.value.code == "REG-003"


def test_resident_rows_keep_the_katakana_reading_for_search(
    engine: Engine, registry: Registry
) -> None:
    typed = person("佐藤", "一人", ("さとう", "ひとり"), "1970-03-03", "male", "世帯主")
    applied = apply(registry, **move_in_data([typed]))
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(resident.c.record).where(resident.c.person_id == applied.person_ids[0])
        ).one()
    assert row.record["name"]["family_kana"] == "サトウ"


# --- 転出 filed in advance ------------------------------------------------------------


def registry_on(engine: Engine, day: str) -> Registry:
    """The same registry (same keys) with the clock on ``day`` at 10:00 JST."""
    from jichi.security.crypto import FieldCipher
    from jichi.security.keys import Keys

    moment = datetime.combine(date.fromisoformat(day), time(1, 0), tzinfo=UTC)
    return Registry(engine, "112011", FieldCipher(Keys.derive(b"k" * 32)), clock=lambda: moment)


def test_a_move_out_planned_for_a_later_day_keeps_the_person_a_resident_until_then(
    engine: Engine, registry: Registry, move_in: MoveIn
) -> None:
    from jichi.registry.queries import SearchQuery
    from jichi.registry.service import order_members

    family = move_in()
    taro = family.person_ids[0]
    apply(
        registry,
        kind="move_out",
        person_ids=family.person_ids,
        planned_date="2026-12-10",
        destination=ELSEWHERE,
    )
    record = registry.read_record(taro, CLERK)
    assert record.is_active
    assert (
        record.planned_move_out is not None and record.planned_move_out.isoformat() == "2026-12-10"
    )
    found = registry.search(SearchQuery(name="山田"), CLERK)
    assert {r.person_id for r in found.records} == set(family.person_ids)
    shown = registry.household(family.result["household_id"], CLERK)
    assert shown is not None and len(order_members(shown[1])) == 4
    with engine.connect() as conn:
        active = conn.execute(
            sa.select(sa.func.count()).select_from(resident).where(resident.c.status == "active")
        ).scalar_one()
    assert active == 4
    # as of the planned day the 除票 is already in the history
    assert not registry.read_record(taro, CLERK, as_of=date(2026, 12, 10)).is_active

    # on the day, the daily roll-forward makes the 除票
    on_the_day = registry_on(engine, "2026-12-10")
    assert sorted(on_the_day.roll_forward(CLERK)) == sorted(family.person_ids)
    assert on_the_day.roll_forward(CLERK) == []  # idempotent
    assert not on_the_day.read_record(taro, CLERK).is_active
    after = on_the_day.search(SearchQuery(name="山田"), CLERK)
    assert after.records == []


def test_a_move_out_filed_in_advance_can_be_cancelled_before_the_day(
    engine: Engine, registry: Registry, move_in: MoveIn
) -> None:
    family = move_in()
    apply(
        registry,
        kind="move_out",
        person_ids=family.person_ids,
        planned_date="2026-12-10",
        destination=ELSEWHERE,
    )
    again = rejected(
        registry,
        kind="move_out",
        person_ids=family.person_ids,
        planned_date="2026-12-12",
        destination=ELSEWHERE,
    )
    assert again.code == "REG-015"
    apply(registry, kind="cancel_move_out", person_ids=family.person_ids)
    record = registry.read_record(family.person_ids[0], CLERK)
    assert record.is_active and record.planned_move_out is None
    later = registry_on(engine, "2026-12-11")
    assert later.roll_forward(CLERK) == []
    assert later.read_record(family.person_ids[0], CLERK).is_active


def test_a_move_out_dated_today_removes_at_once(registry: Registry, move_in: MoveIn) -> None:
    family = move_in()
    apply(
        registry,
        kind="move_out",
        person_ids=family.person_ids,
        planned_date="2026-11-27",
        destination=ELSEWHERE,
    )
    assert not registry.read_record(family.person_ids[0], CLERK).is_active
