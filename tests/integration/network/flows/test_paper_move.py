"""Flows 1, 2, 5, 6: the paper move, 転入通知 → 転出確定, the six-month sweep, abroad.

Two nodes, each with its own database, over the in-process transport.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from jichi.network.flows.settings import FlowSettings
from jichi.network.flows.tasks import TaskKind
from jichi.registry.model import RemovalReason
from jichi.registry.tables import outbox
from jichi.security.audit import audit_log
from tests.integration.network.conftest import run_async
from tests.integration.network.flows.conftest import (
    ABROAD,
    NEW,
    NEW_CLERK,
    OLD,
    World,
    address,
    move_out,
    paper_move_in,
)


def test_a_paper_move_is_confirmed_by_the_move_in_notice(world: World) -> None:
    world.settle_the_family_in_old()
    move_out(world)
    world.clock.advance(7)  # 2026-11-27
    paper_move_in(world)
    run_async(world.settle())

    old = world.by_name(OLD)
    for given in ("太郎", "花子", "一郎"):
        assert old[given].removal_reason is RemovalReason.MOVE_OUT
        assert old[given].move_out_confirmed, given  # 除票: 転出先 確定
        assert old[given].move_out_destination is not None
        assert old[given].move_out_destination.lg_code == NEW
        assert old[given].move_out_destination.block == "1-2-3"
        assert str(old[given].removed_on) == "2026-11-26"
    new = world.by_name(NEW)
    assert new["太郎"].is_active and new["太郎"].resident_code == "12345678901"
    assert new["太郎"].previous_address is not None
    assert new["太郎"].previous_address.lg_code == OLD
    world.assert_one_municipality_each("太郎", "花子", "一郎")
    assert world.old.tasks() == [] and world.new.tasks() == []
    with world.engines[OLD].connect() as conn:
        actors = set(
            conn.execute(
                sa.select(audit_log.c.actor).where(
                    audit_log.c.action == "notification.confirm_move_out"
                )
            ).scalars()
        )
    assert actors == {"system:network"}
    # Everything was delivered, the 転出確定通知 back to the new municipality included.
    assert world.unsent(OLD) == 0 and world.unsent(NEW) == 0


def test_a_move_in_notice_for_someone_who_never_filed_a_move_out_leaves_a_task(
    world: World,
) -> None:
    world.settle_the_family_in_old()
    family = world.by_name(OLD)
    # 太郎 turns up in 川越 without a 転出証明書 (e.g. 職権記載 there); 千代田 still has him.
    world.file(
        world.new,
        NEW_CLERK,
        kind="ex_officio_record",
        effective_date="2026-11-18",
        address=address(NEW),
        previous_address=address(OLD),
        persons=[
            {
                **{k: v for k, v in family_person(family["太郎"]).items()},
                "relationship": "世帯主",
            }
        ],
        reason="実態調査により居住を確認",
    )
    run_async(world.settle())
    tasks = world.old.tasks(TaskKind.MOVE_OUT_NOT_FILED)
    assert len(tasks) == 1
    assert tasks[0].code == "NOD-012" and "職権" in tasks[0].reason_ja
    assert tasks[0].person_id == family["太郎"].person_id
    assert world.by_name(OLD)["太郎"].is_active  # nothing guessed: the clerk decides


def test_with_ex_officio_removal_configured_the_unfiled_move_out_is_removed(
    world: World,
) -> None:
    world.settings = FlowSettings(unfiled_move_out="ex_officio_removal")
    world.settle_the_family_in_old()
    family = world.by_name(OLD)
    # 花子 alone: the household keeps its head, so the registry can remove her.
    world.file(
        world.new,
        NEW_CLERK,
        kind="ex_officio_record",
        effective_date="2026-11-18",
        address=address(NEW),
        previous_address=address(OLD),
        persons=[{**family_person(family["花子"]), "relationship": "世帯主"}],
        reason="実態調査により居住を確認",
    )
    run_async(world.settle())
    hanako = world.by_name(OLD)["花子"]
    assert hanako.removal_reason is RemovalReason.EX_OFFICIO
    assert str(hanako.removed_on) == "2026-11-18"
    assert world.old.tasks() == []
    world.assert_one_municipality_each("花子")


def test_a_move_in_notice_that_matches_nobody_leaves_a_task(world: World) -> None:
    world.file(
        world.new,
        NEW_CLERK,
        kind="move_in",
        effective_date="2026-11-18",
        address=address(NEW),
        previous_address=address(OLD),
        persons=[
            {
                "name": {"family": "佐藤", "given": "健", "family_kana": "サトウ"},
                "date_of_birth": "1990-01-01",
                "sex": "male",
                "relationship": "世帯主",
            }
        ],
    )
    run_async(world.settle())
    (task,) = world.old.tasks()
    assert task.kind is TaskKind.UNMATCHED_MOVE_IN_NOTICE and task.code == "NOD-011"
    assert task.detail["sender"] == NEW


def family_person(record: object) -> dict[str, object]:
    from jichi.registry.model import ResidentRecord

    assert isinstance(record, ResidentRecord)
    return {
        "name": record.name.model_dump(),
        "date_of_birth": record.date_of_birth.isoformat(),
        "sex": record.sex.value,
        "relationship": record.relationship,
        "resident_code": record.resident_code,
        "honseki": record.honseki,
    }


def test_six_months_without_a_move_in_notice_raise_one_residence_check(world: World) -> None:
    world.settle_the_family_in_old()
    move_out(world)  # notified 2026-11-20
    family = world.by_name(OLD)
    assert world.old.sweep(date(2027, 5, 20)) == []  # the period ends on 2027-05-20
    opened = world.old.sweep(date(2027, 5, 21))
    assert sorted(opened) == sorted(family[g].person_id for g in ("太郎", "花子", "一郎"))
    assert world.old.sweep(date(2027, 6, 1)) == []  # once per move-out
    tasks = world.old.tasks(TaskKind.RESIDENCE_CHECK)
    assert len(tasks) == 3
    assert all(t.code == "NOD-014" and "実態調査" in t.reason_ja for t in tasks)
    assert {t.due_on for t in tasks} == {date(2027, 5, 21)}  # a Friday: the office is open
    assert tasks[0].detail["destination_lg_code"] == NEW


def test_a_confirmed_or_cancelled_move_out_raises_no_residence_check(world: World) -> None:
    world.settle_the_family_in_old()
    move_out(world, ("太郎", "花子", "一郎"))
    world.clock.advance(7)
    paper_move_in(world)
    run_async(world.settle())
    assert world.old.sweep(date(2027, 12, 1)) == []


def test_with_three_months_configured_the_check_comes_earlier(world: World) -> None:
    world.settings = FlowSettings(residence_check_months=3)
    world.settle_the_family_in_old()
    move_out(world)
    assert world.old.sweep(date(2027, 2, 20)) == []
    assert len(world.old.sweep(date(2027, 2, 21))) == 3


def test_a_move_abroad_expects_no_notice_and_no_residence_check(world: World) -> None:
    world.settle_the_family_in_old()
    move_out(world, destination=ABROAD, planned_date="2026-11-20")
    with world.engines[OLD].connect() as conn:
        topics = set(conn.execute(sa.select(outbox.c.topic)).scalars())
    assert not any(t.startswith("municipality.") for t in topics)
    family = world.by_name(OLD)
    assert {r.removal_reason for r in family.values()} == {RemovalReason.MOVE_ABROAD}
    assert world.old.sweep(date(2028, 1, 1)) == []
    run_async(world.settle())
    assert world.new.tasks() == [] and world.old.tasks() == []


def test_a_move_in_from_abroad_sends_no_move_in_notice(world: World) -> None:
    applied = world.settle_the_family_in_old()
    with world.engines[OLD].connect() as conn:
        topics = set(conn.execute(sa.select(outbox.c.topic)).scalars())
    assert topics == {"center.identity", "honseki.attachment", "election.roll"}
    run_async(world.settle())
    assert world.new.tasks() == []
    records = world.by_name(OLD)
    assert all(r.is_active for r in records.values())
    assert len(applied.person_ids) == 3
