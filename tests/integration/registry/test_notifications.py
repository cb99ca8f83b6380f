"""Every kind of notification, and each rule, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.registry.model import ResidentRecord, Status
from jichi.registry.service import Applied, Registry
from jichi.registry.tables import notification, outbox, registry_event, resident
from jichi.security import audit
from tests.integration.registry.conftest import (
    CLERK,
    ELSEWHERE,
    LG,
    OUTSIDER,
    MoveIn,
    address,
    person,
    yamada_family,
)


def by_name(registry: Registry, applied: Applied) -> dict[str, ResidentRecord]:
    records = [registry.read_record(pid, CLERK) for pid in applied.person_ids]
    return {r.name.given: r for r in records}


def apply(registry: Registry, **data: Any) -> Applied:
    return registry.apply(registry.parse(data), CLERK)


def rejected(registry: Registry, **data: Any) -> JichiError:
    with pytest.raises(JichiError) as raised:
        apply(registry, **data)
    return raised.value


def counts(engine: Engine) -> tuple[int, ...]:
    with engine.connect() as conn:
        return tuple(
            conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in (registry_event, resident, notification, outbox)
        )


# --- 転入 ---------------------------------------------------------------------------


def test_move_in_of_a_family_creates_one_household_with_one_head(
    registry: Registry, move_in: MoveIn
) -> None:
    applied = move_in()
    family = by_name(registry, applied)
    assert len(family) == 4
    assert {r.household_id for r in family.values()} == {applied.result["household_id"]}
    assert [r.given for r in (x.name for x in family.values()) if False] == []
    heads = [r for r in family.values() if r.is_head]
    assert [h.name.given for h in heads] == ["太郎"]
    taro = family["太郎"]
    assert taro.resident_since.isoformat() == "2026-11-20"
    assert taro.moved_in_on is not None and taro.moved_in_on.isoformat() == "2026-11-27"
    assert taro.previous_address is not None and taro.previous_address.lg_code == "131016"
    assert taro.has_individual_number is True
    assert applied.late is False


def test_move_in_writes_notices_for_center_old_municipality_attachment_and_election(
    engine: Engine, move_in: MoveIn
) -> None:
    move_in()
    with engine.connect() as conn:
        topics = [row.topic for row in conn.execute(sa.select(outbox.c.topic))]
    assert topics.count("center.identity") == 4
    assert topics.count("municipality.131016.move_in_notice") == 4
    assert topics.count("honseki.attachment") == 4
    assert topics.count("election.roll") == 4


def test_individual_number_is_encrypted_and_never_stored_in_plain_text(
    engine: Engine, move_in: MoveIn
) -> None:
    move_in()
    with engine.connect() as conn:
        dumped = " ".join(
            str(tuple(row))
            for table in (resident, registry_event, notification, outbox)
            for row in conn.execute(sa.select(table))
        )
        log = " ".join(str(tuple(row)) for row in conn.execute(sa.text("SELECT * FROM audit_log")))
    assert "123456789018" not in dumped + log
    with engine.connect() as conn:
        stored = conn.execute(
            sa.select(resident.c.individual_number_enc).where(
                resident.c.individual_number_enc.is_not(None)
            )
        ).scalar_one()
    assert stored.startswith("v1.")


def test_late_move_in_is_accepted_and_flagged(registry: Registry, move_in: MoveIn) -> None:
    applied = move_in(effective_date="2026-11-01")  # 14 days ended 11-16 (Mon)
    assert applied.late is True and "late" in applied.flags


def test_move_in_before_arrival_is_refused(registry: Registry, move_in: MoveIn) -> None:
    with pytest.raises(JichiError) as raised:
        move_in(effective_date="2026-11-28")
    assert raised.value.code == "REG-001"


def test_move_in_from_inside_the_municipality_is_a_relocation(
    registry: Registry, move_in: MoveIn, engine: Engine
) -> None:
    before = counts(engine)
    with pytest.raises(JichiError) as raised:
        move_in(previous_address=address("9-9"))
    assert raised.value.code == "REG-010"
    assert counts(engine) == before


def test_move_in_to_an_address_elsewhere_is_refused(registry: Registry, move_in: MoveIn) -> None:
    with pytest.raises(JichiError) as raised:
        move_in(address=ELSEWHERE, previous_address={**ELSEWHERE, "lg_code": "011002"})
    assert raised.value.code == "REG-009"


def test_move_in_from_abroad_has_no_move_in_notice(engine: Engine, move_in: MoveIn) -> None:
    applied = move_in(previous_address={"town": "アメリカ合衆国", "abroad": True})
    assert applied.kind == "move_in"
    with engine.connect() as conn:
        topics = {row.topic for row in conn.execute(sa.select(outbox.c.topic))}
        reasons = {row.reason for row in conn.execute(sa.select(registry_event.c.reason))}
    assert not any(t.endswith("move_in_notice") for t in topics)
    assert reasons == {"move_in_from_abroad"}


def test_a_household_without_a_head_is_refused(registry: Registry, move_in: MoveIn) -> None:
    family = yamada_family()
    family[0] = {**family[0], "relationship": "子"}
    with pytest.raises(JichiError) as raised:
        move_in(persons=family)
    assert raised.value.code == "REL-010"


def test_a_duplicate_resident_code_is_refused(registry: Registry, move_in: MoveIn) -> None:
    move_in()
    with pytest.raises(JichiError) as raised:
        move_in(
            persons=[
                person(
                    "佐藤",
                    "健",
                    ("サトウ", "ケン"),
                    "1970-01-01",
                    "male",
                    "世帯主",
                    resident_code="12345678901",
                )
            ],
            address=address("5-5"),
        )
    assert raised.value.code == "REG-014"


def test_the_same_individual_number_cannot_be_attached_to_two_people(
    registry: Registry, move_in: MoveIn
) -> None:
    move_in()
    with pytest.raises(JichiError) as raised:
        move_in(
            persons=[
                person(
                    "佐藤",
                    "健",
                    ("サトウ", "ケン"),
                    "1970-01-01",
                    "male",
                    "世帯主",
                    individual_number="123456789018",
                )
            ],
            address=address("5-5"),
        )
    assert raised.value.code == "REG-019"


def test_a_clerk_of_another_municipality_cannot_file(registry: Registry) -> None:
    cmd = registry.parse(
        {
            "kind": "move_in",
            "effective_date": "2026-11-20",
            "address": address(),
            "previous_address": ELSEWHERE,
            "persons": yamada_family(),
        }
    )
    with pytest.raises(JichiError) as raised:
        registry.apply(cmd, OUTSIDER)
    assert raised.value.code == "REG-027"


# --- 転居 ---------------------------------------------------------------------------


def test_relocation_of_the_whole_household_moves_the_household(
    registry: Registry, move_in: MoveIn
) -> None:
    family = move_in()
    moved = apply(
        registry,
        kind="relocation",
        effective_date="2026-11-25",
        person_ids=family.person_ids,
        address=address("7-7", building="メゾン川越101"),
    )
    assert moved.late is False
    after = by_name(registry, family)
    assert {r.address.block for r in after.values()} == {"7-7"}
    assert {r.household_id for r in after.values()} == {family.result["household_id"]}
    taro = after["太郎"]
    assert taro.previous_address is not None and taro.previous_address.block == "1-2-3"
    assert taro.address_since.isoformat() == "2026-11-25"
    assert taro.resident_since.isoformat() == "2026-11-20"  # 住民となった日は変わらない


def test_relocation_of_one_member_forms_a_new_household(
    registry: Registry, move_in: MoveIn
) -> None:
    family = move_in()
    ichiro = by_name(registry, family)["一郎"]
    apply(
        registry,
        kind="relocation",
        effective_date="2026-11-25",
        person_ids=[ichiro.person_id],
        address=address("8-8"),
    )
    after = registry.read_record(ichiro.person_id, CLERK)
    assert after.is_head and after.household_id != family.result["household_id"]


# --- 転出 ---------------------------------------------------------------------------


def test_move_out_makes_removed_records_and_a_dead_person_cannot_move(
    registry: Registry, move_in: MoveIn
) -> None:
    family = move_in()
    out = apply(
        registry,
        kind="move_out",
        person_ids=family.person_ids,
        planned_date="2026-11-27",  # today: removed at once
        destination=ELSEWHERE,
    )
    records = by_name(registry, family)
    assert {r.status for r in records.values()} == {Status.REMOVED}
    assert records["太郎"].removal_reason is not None
    assert records["太郎"].planned_move_out is not None
    assert out.kind == "move_out"
    error = rejected(
        registry,
        kind="relocation",
        effective_date="2026-11-26",
        person_ids=[records["太郎"].person_id],
        address=address("9-9"),
    )
    assert error.code == "REG-004"


def test_move_out_of_the_head_alone_needs_a_new_head_for_the_others(
    registry: Registry, move_in: MoveIn, engine: Engine
) -> None:
    family = by_name(registry, move_in())
    before = counts(engine)
    error = rejected(
        registry,
        kind="move_out",
        person_ids=[family["太郎"].person_id],
        planned_date="2026-11-27",  # today: removed at once
        destination=ELSEWHERE,
    )
    assert error.code == "REG-013"
    assert counts(engine) == before
    hanako, ichiro, futaba = (family[n].person_id for n in ("花子", "一郎", "二葉"))
    apply(
        registry,
        kind="move_out",
        person_ids=[family["太郎"].person_id],
        planned_date="2026-11-27",  # today: removed at once
        destination=ELSEWHERE,
        new_head_id=hanako,
        relationships={ichiro: "子", futaba: "子"},
    )
    assert registry.read_record(hanako, CLERK).is_head


def test_confirming_and_cancelling_a_move_out(registry: Registry, move_in: MoveIn) -> None:
    family = move_in()
    apply(
        registry,
        kind="move_out",
        person_ids=family.person_ids,
        planned_date="2026-11-25",
        destination=ELSEWHERE,
    )
    taro = by_name(registry, family)["太郎"].person_id
    apply(registry, kind="confirm_move_out", person_ids=[taro], moved_on="2026-11-26")
    assert str(registry.read_record(taro, CLERK).removed_on) == "2026-11-26"
    others = [p for p in family.person_ids if p != taro]
    # Cancelling for the others alone would leave their household without a head.
    assert rejected(registry, kind="cancel_move_out", person_ids=others).code == "REL-010"
    with pytest.raises(JichiError) as raised:
        apply(registry, kind="cancel_move_out", person_ids=family.person_ids)
    assert raised.value.code == "REG-015"  # 太郎's move-out is confirmed: he lives elsewhere
    again = rejected(registry, kind="confirm_move_out", person_ids=[taro])
    assert again.code == "REG-015"


def test_a_planned_move_out_can_be_cancelled(registry: Registry, move_in: MoveIn) -> None:
    family = move_in()
    apply(
        registry,
        kind="move_out",
        person_ids=family.person_ids,
        planned_date="2026-12-10",
        destination=ELSEWHERE,
    )
    apply(registry, kind="cancel_move_out", person_ids=family.person_ids)
    restored = by_name(registry, family)
    assert all(r.is_active and r.planned_move_out is None for r in restored.values())
    assert [r.name.given for r in restored.values() if r.is_head] == ["太郎"]


def test_move_abroad_is_removed_as_move_abroad(registry: Registry, move_in: MoveIn) -> None:
    family = move_in()
    apply(
        registry,
        kind="move_out",
        person_ids=family.person_ids,
        planned_date="2026-11-27",
        destination={"town": "フランス", "abroad": True},
    )
    record = registry.read_record(family.person_ids[0], CLERK)
    assert record.removal_reason is not None and record.removal_reason.value == "move_abroad"


# --- 出生・死亡 -----------------------------------------------------------------------


def test_birth_adds_a_child_to_the_household(registry: Registry, move_in: MoveIn) -> None:
    family = move_in()
    born = apply(
        registry,
        kind="birth",
        household_id=family.result["household_id"],
        child=person("山田", "三郎", ("ヤマダ", "サブロウ"), "2026-11-22", "male", "子"),
    )
    child = registry.read_record(born.person_ids[0], CLERK)
    assert child.household_id == family.result["household_id"]
    assert child.resident_since.isoformat() == "2026-11-22"
    assert child.address.block == "1-2-3"


def test_a_birth_in_the_future_is_refused(registry: Registry, move_in: MoveIn) -> None:
    family = move_in()
    error = rejected(
        registry,
        kind="birth",
        household_id=family.result["household_id"],
        child=person("山田", "三郎", ("ヤマダ", "サブロウ"), "2026-12-22", "male", "子"),
    )
    assert error.code == "REG-001"


def test_death_of_the_head_needs_the_new_head_and_the_dead_cannot_move(
    registry: Registry, move_in: MoveIn
) -> None:
    family = by_name(registry, move_in())
    taro = family["太郎"].person_id
    error = rejected(registry, kind="death", person_id=taro, effective_date="2026-11-25")
    assert error.code == "REG-013"
    hanako, ichiro, futaba = (family[n].person_id for n in ("花子", "一郎", "二葉"))
    apply(
        registry,
        kind="death",
        person_id=taro,
        effective_date="2026-11-25",
        new_head_id=hanako,
        relationships={ichiro: "子", futaba: "子"},
    )
    dead = registry.read_record(taro, CLERK)
    assert dead.status is Status.REMOVED and str(dead.deceased_on) == "2026-11-25"
    moved = rejected(
        registry,
        kind="relocation",
        effective_date="2026-11-26",
        person_ids=[taro],
        address=address("9-9"),
    )
    assert moved.code == "REG-004"


def test_a_child_cannot_become_head(registry: Registry, move_in: MoveIn) -> None:
    family = by_name(registry, move_in())
    hanako, ichiro, futaba = (family[n].person_id for n in ("花子", "一郎", "二葉"))
    error = rejected(
        registry,
        kind="death",
        person_id=family["太郎"].person_id,
        effective_date="2026-11-25",
        new_head_id=futaba,
        relationships={hanako: "母", ichiro: "兄"},
    )
    assert error.code == "REG-012"


# --- 世帯変更 -----------------------------------------------------------------------


def test_split_merge_head_change_and_composition(registry: Registry, move_in: MoveIn) -> None:
    applied = move_in()
    family = by_name(registry, applied)
    original = applied.result["household_id"]
    ichiro = family["一郎"].person_id
    split = apply(
        registry,
        kind="household_split",
        effective_date="2026-11-25",
        household_id=original,
        person_ids=[ichiro],
        new_head_id=ichiro,
    )
    new_household = split.result["household_id"]
    assert registry.read_record(ichiro, CLERK).household_id == new_household
    apply(
        registry,
        kind="household_merge",
        effective_date="2026-11-26",
        household_id=new_household,
        into_household_id=original,
        relationships={ichiro: "子"},
    )
    assert registry.read_record(ichiro, CLERK).relationship == "子"
    hanako, futaba, taro = (family[n].person_id for n in ("花子", "二葉", "太郎"))
    apply(
        registry,
        kind="head_change",
        effective_date="2026-11-26",
        household_id=original,
        new_head_id=hanako,
        relationships={taro: "夫", ichiro: "子", futaba: "子"},
    )
    assert registry.read_record(hanako, CLERK).is_head
    assert registry.read_record(taro, CLERK).relationship == "夫"


def test_a_split_must_leave_someone_behind(registry: Registry, move_in: MoveIn) -> None:
    applied = move_in()
    error = rejected(
        registry,
        kind="household_split",
        effective_date="2026-11-25",
        household_id=applied.result["household_id"],
        person_ids=applied.person_ids,
        new_head_id=applied.person_ids[0],
    )
    assert error.code == "REG-016"


def test_a_second_head_is_refused(registry: Registry, move_in: MoveIn) -> None:
    family = by_name(registry, move_in())
    error = rejected(
        registry,
        kind="family_register_change",
        effective_date="2026-11-25",
        person_id=family["花子"].person_id,
        event="誤記",
        relationship="世帯主",
    )
    assert error.code == "REL-011"


# --- 戸籍・職権 ----------------------------------------------------------------------


def test_family_register_change_rewrites_name_and_honseki(
    registry: Registry, move_in: MoveIn, engine: Engine
) -> None:
    family = by_name(registry, move_in())
    hanako = family["花子"].person_id
    apply(
        registry,
        kind="family_register_change",
        effective_date="2026-11-26",
        person_id=hanako,
        event="離婚",
        name={"family": "髙橋", "given": "花子", "family_kana": "タカハシ", "given_kana": "ハナコ"},
        honseki="埼玉県川越市元町1丁目1番",
        family_register_head="髙橋　花子",
    )
    record = registry.read_record(hanako, CLERK)
    assert record.name.family == "髙橋"  # stored exactly as written
    with engine.connect() as conn:
        key = conn.execute(
            sa.select(resident.c.family_key).where(resident.c.person_id == hanako)
        ).scalar_one()
    assert key == "高橋"


def test_correction_points_at_the_event_it_corrects_and_lands_at_its_date(
    registry: Registry, move_in: MoveIn
) -> None:
    family = move_in()
    taro = by_name(registry, family)["太郎"].person_id
    first = registry.history(taro, CLERK)[0]
    apply(
        registry,
        kind="correction",
        person_id=taro,
        corrects_event_id=first.event_id,
        date_of_birth="1980-04-01",
        reason="転出証明書の誤記",
    )
    history = registry.history(taro, CLERK)
    assert history[-1].corrects == first.event_id
    assert history[-1].effective_date == first.effective_date
    assert str(registry.read_record(taro, CLERK).date_of_birth) == "1980-04-01"


def test_ex_officio_removal_and_restoration(registry: Registry, move_in: MoveIn) -> None:
    single = move_in(
        persons=[person("佐藤", "健", ("サトウ", "ケン"), "1970-01-01", "male", "世帯主")]
    )
    pid = single.person_ids[0]
    apply(
        registry,
        kind="ex_officio_removal",
        person_id=pid,
        effective_date="2026-11-26",
        reason="実態調査により居住の事実なし",
    )
    assert registry.read_record(pid, CLERK).status is Status.REMOVED
    apply(registry, kind="restoration", person_id=pid, reason="調査の誤り")
    restored = registry.read_record(pid, CLERK)
    assert restored.is_active and restored.is_head
    error = rejected(registry, kind="restoration", person_id=pid, reason="再度")
    assert error.code == "REG-025"


# --- 履歴・監査・同時実行 -------------------------------------------------------------


def test_record_as_of_a_date_and_as_recorded_at_a_moment(
    registry: Registry, move_in: MoveIn
) -> None:
    family = move_in()
    apply(
        registry,
        kind="relocation",
        effective_date="2026-11-25",
        person_ids=family.person_ids,
        address=address("7-7"),
    )
    taro = family.person_ids[0]
    assert (
        registry.read_record(
            taro, CLERK, as_of=__import__("datetime").date(2026, 11, 24)
        ).address.block
        == "1-2-3"
    )
    assert registry.read_record(taro, CLERK).address.block == "7-7"


def test_every_read_and_write_is_in_the_audit_log_and_the_chain_verifies(
    registry: Registry, move_in: MoveIn, engine: Engine
) -> None:
    family = move_in()
    registry.read_record(family.person_ids[0], CLERK, purpose="窓口での確認")
    with engine.connect() as conn:
        entries = audit.entries_for_person(conn, family.person_ids[0])
        assert audit.verify(conn, registry.cipher.audit_key).ok
    actions = [record.entry.action for record in entries]
    assert "notification.move_in" in actions and "resident.read" in actions


def test_stale_household_version_is_a_conflict_and_changes_nothing(
    registry: Registry, move_in: MoveIn, engine: Engine
) -> None:
    family = move_in()
    household_id = family.result["household_id"]
    apply(
        registry,
        kind="relocation",
        effective_date="2026-11-25",
        person_ids=family.person_ids,
        address=address("7-7"),
        expected_versions={household_id: 1},
    )
    before = counts(engine)
    error = rejected(
        registry,
        kind="relocation",
        effective_date="2026-11-26",
        person_ids=family.person_ids,
        address=address("8-8"),
        expected_versions={household_id: 1},
    )
    assert error.code == "REG-006" and error.http_status == 409
    assert counts(engine) == before


def test_idempotency_key_makes_a_retry_record_nothing_new(
    registry: Registry, engine: Engine
) -> None:
    cmd = registry.parse(
        {
            "kind": "move_in",
            "effective_date": "2026-11-20",
            "address": address(),
            "previous_address": ELSEWHERE,
            "persons": yamada_family(),
        }
    )
    first = registry.apply(cmd, CLERK, idempotency_key="req-1")
    before = counts(engine)
    second = registry.apply(cmd, CLERK, idempotency_key="req-1")
    assert second.replayed and second.notification_id == first.notification_id
    assert counts(engine) == before
    assert LG == "112011"


def test_a_change_dated_before_the_person_became_a_resident_is_refused(
    registry: Registry, move_in: MoveIn, engine: Engine
) -> None:
    family = move_in()
    before = counts(engine)
    error = rejected(
        registry,
        kind="relocation",
        effective_date="2026-11-10",
        person_ids=family.person_ids,
        address=address("7-7"),
    )
    assert error.code == "REG-028"
    assert counts(engine) == before


def test_relationships_are_written_the_registrys_way_and_forbidden_words_refused(
    registry: Registry, move_in: MoveIn
) -> None:
    family = yamada_family()
    family[1] = {**family[1], "relationship": "妻(未届)"}
    applied = move_in(persons=family)
    assert by_name(registry, applied)["花子"].relationship == "妻（未届）"
    error = rejected(
        registry,
        kind="birth",
        household_id=applied.result["household_id"],
        child=person("山田", "三郎", ("ヤマダ", "サブロウ"), "2026-11-22", "male", "長男"),
    )
    assert error.code == "REL-003" and "子" in error.message_ja


def test_a_death_after_a_cancelled_future_move_out_stays_a_death(
    registry: Registry, move_in: MoveIn
) -> None:
    """Found by the state-machine test: a 転出取消 dated on the planned move-out day must not
    resurrect someone whose death is dated before it."""
    family = by_name(registry, move_in())
    everyone = [r.person_id for r in family.values()]
    apply(
        registry,
        kind="move_out",
        person_ids=everyone,
        planned_date="2026-12-10",
        destination=ELSEWHERE,
    )
    apply(registry, kind="cancel_move_out", person_ids=everyone)
    taro, hanako = family["太郎"].person_id, family["花子"].person_id
    apply(
        registry,
        kind="death",
        person_id=taro,
        effective_date="2026-11-26",
        new_head_id=hanako,
        relationships={family["一郎"].person_id: "子", family["二葉"].person_id: "子"},
    )
    assert registry.read_record(taro, CLERK).status is Status.REMOVED
    heads = [registry.read_record(p, CLERK).is_head for p in everyone if p != taro]
    assert heads.count(True) == 1
