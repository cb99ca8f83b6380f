"""転出確定通知 (令13条3項): the old municipality tells the new one the move-out is complete.

Two nodes with their own databases over the in-process transport: after the paper
move, the card move and the ex officio removal, the new municipality holds one
confirmation per person (once, however often it is delivered) and audits it; a
registered card move-in is marked; a confirmation naming nobody here is a task.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

import sqlalchemy as sa

from jichi.network.flows.card_move import (
    CardMoveIn,
    file_card_move_out,
    get_pending,
    request_card_move_in,
)
from jichi.network.flows.move_out_confirmed import confirmations
from jichi.network.flows.settings import FlowSettings
from jichi.network.flows.tables import move_out_confirmation
from jichi.network.messages import Envelope
from jichi.registry import commands as c
from jichi.registry.model import Address
from jichi.security.audit import audit_log
from tests.integration.network.conftest import run_async
from tests.integration.network.flows.conftest import (
    FAMILY,
    NEW,
    NEW_CLERK,
    OLD,
    OLD_CLERK,
    World,
    address,
    move_out,
    paper_move_in,
)
from tests.integration.network.flows.test_paper_move import family_person


def rows(world: World) -> list[sa.Row[tuple[object, ...]]]:
    with world.engines[NEW].connect() as conn:
        return list(conn.execute(sa.select(move_out_confirmation)).all())


def test_after_a_paper_move_the_new_municipality_holds_the_confirmations(world: World) -> None:
    world.settle_the_family_in_old()
    move_out(world)
    world.clock.advance(7)
    paper_move_in(world)
    run_async(world.settle())

    new = world.by_name(NEW)
    found = rows(world)
    assert {r.person_id for r in found} == {new[g].person_id for g in FAMILY}
    assert {r.from_lg_code for r in found} == {OLD}
    assert {r.how for r in found} == {"move_out_confirmed"}
    assert {str(r.removed_on) for r in found} == {"2026-11-26"}
    assert {r.resident_code for r in found} == {"12345678901", "12345678902", None}
    with world.engines[NEW].connect() as conn:
        audited = conn.execute(
            sa.select(audit_log.c.subject_person_id, audit_log.c.actor).where(
                audit_log.c.action == "network.move_out_confirmed.receive"
            )
        ).all()
    assert sorted(a.subject_person_id for a in audited) == sorted(r.person_id for r in found)
    assert {a.actor for a in audited} == {"system:network"}
    with world.engines[NEW].connect() as conn:
        assert len(confirmations(conn, NEW, new["太郎"].person_id)) == 1
    assert world.new.tasks() == [] and world.old.tasks() == []

    # Every message delivered again, and the confirmations once more under new ids.
    for _subject, env in list(world.transport.log):
        if not env.topic.startswith("municipality."):
            continue  # the center, the 本籍地, the election commission: not these nodes
        to_old = env.topic.startswith(f"municipality.{OLD}.")
        run_async((world.old if to_old else world.new).handle(env))
        if env.topic.endswith(".move_out_confirmed"):
            run_async(world.new.handle(replace(env, message_id=str(uuid.uuid4()))))
    assert len(rows(world)) == 3
    assert world.new.tasks() == []


def test_a_card_move_in_is_marked_when_the_confirmation_arrives(world: World) -> None:
    world.settle_the_family_in_old()
    family = world.by_name(OLD)
    file_card_move_out(
        world.old,
        c.MoveOut(
            person_ids=[family[g].person_id for g in FAMILY],
            planned_date=date(2026, 11, 25),
            destination=Address.model_validate(address(NEW)),
        ),
        OLD_CLERK,
        card_holder_ids=[family["太郎"].person_id],
    )
    world.clock.advance(7)
    pending = request_card_move_in(
        world.new,
        CardMoveIn(
            from_lg_code=OLD,
            resident_code="12345678901",
            effective_date=date(2026, 11, 26),
            address=Address.model_validate(address(NEW)),
        ),
        NEW_CLERK,
    )
    run_async(world.settle())
    done = get_pending(world.new, pending.request_id)
    assert sorted(done.outcome["move_out_confirmed"]) == sorted(done.person_ids)
    assert len(rows(world)) == 3


def test_an_ex_officio_removal_is_told_back_as_such(world: World) -> None:
    world.settings = FlowSettings(unfiled_move_out="ex_officio_removal")
    world.settle_the_family_in_old()
    family = world.by_name(OLD)
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
    (found,) = rows(world)
    assert found.how == "ex_officio_removal" and str(found.removed_on) == "2026-11-18"
    assert found.person_id == world.by_name(NEW)["花子"].person_id


def test_no_confirmation_when_the_old_municipality_only_leaves_a_task(world: World) -> None:
    world.settle_the_family_in_old()
    family = world.by_name(OLD)
    world.file(  # 太郎 never filed a 転出届: the default leaves a task, nothing is confirmed
        world.new,
        NEW_CLERK,
        kind="ex_officio_record",
        effective_date="2026-11-18",
        address=address(NEW),
        previous_address=address(OLD),
        persons=[{**family_person(family["太郎"]), "relationship": "世帯主"}],
        reason="実態調査により居住を確認",
    )
    run_async(world.settle())
    assert rows(world) == []
    assert [t.code for t in world.old.tasks()] == ["NOD-012"]


def test_a_confirmation_for_nobody_here_is_a_task(world: World) -> None:
    stray = Envelope(
        message_id=str(uuid.uuid4()),
        topic=f"municipality.{NEW}.move_out_confirmed",
        ordering_key="x",
        sender=OLD,
        seq=1,
        created_at=world.clock(),
        payload={"lg_code": OLD, "how": "move_out_confirmed", "person_id": str(uuid.uuid4())},
    )
    run_async(world.new.handle(stray))
    assert rows(world) == []
    (task,) = world.new.tasks()
    assert task.code == "NOD-024" and OLD in task.reason_ja
