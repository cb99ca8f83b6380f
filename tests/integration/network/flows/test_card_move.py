"""Flows 3 and 4: 転入届の特例 (the card move) and the online move-out.

No paper: 千代田区 keeps the 転出証明書情報, 川越市 asks for it over the network when
the resident arrives, and records the 転入 from the reply.  Until then the move-in
is pending with a reason.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from jichi.kernel.errors import JichiError
from jichi.network.flows.card_move import (
    CardMoveIn,
    Channel,
    PendingStatus,
    file_card_move_out,
    file_online_move_out,
    get_pending,
    list_pending,
    record_continued_use,
    request_card_move_in,
)
from jichi.network.flows.tables import card_move_out, pending_move_in
from jichi.registry import commands as c
from jichi.registry.model import Address
from jichi.registry.tables import outbox
from tests.integration.network.conftest import run_async
from tests.integration.network.flows.conftest import (
    ABROAD,
    NEW,
    NEW_CLERK,
    OLD,
    OLD_CLERK,
    World,
    address,
)

FAMILY = ("太郎", "花子", "一郎")
TARO_CODE = "12345678901"


def move_out_cmd(
    world: World, planned: str = "2026-11-25", destination: dict[str, object] | None = None
) -> c.MoveOut:
    family = world.by_name(OLD)
    return c.MoveOut(
        person_ids=[family[g].person_id for g in FAMILY],
        planned_date=date.fromisoformat(planned),
        destination=Address.model_validate(destination or address(NEW)),
    )


def move_out_with_card(world: World, **extra: object) -> None:
    taro = world.by_name(OLD)["太郎"].person_id
    file_card_move_out(world.old, move_out_cmd(world, **extra), OLD_CLERK, card_holder_ids=[taro])


def arrive(world: World, moved_on: str = "2026-11-26", code: str = TARO_CODE) -> CardMoveIn:
    return CardMoveIn(
        from_lg_code=OLD,
        resident_code=code,
        effective_date=date.fromisoformat(moved_on),
        address=Address.model_validate(address(NEW)),
    )


def test_a_card_move_is_pending_until_the_data_arrives_then_completes(world: World) -> None:
    world.settle_the_family_in_old()
    move_out_with_card(world)
    with world.engines[OLD].connect() as conn:
        kept = conn.execute(sa.select(card_move_out)).all()
        topics = set(conn.execute(sa.select(outbox.c.topic)).scalars())
    assert len(kept) == 3 and sum(r.card_holder for r in kept) == 1
    assert {r.channel for r in kept} == {Channel.COUNTER.value}
    assert not any("move_out" in t for t in topics if t.startswith("municipality."))
    world.clock.advance(7)  # 2026-11-27

    pending = request_card_move_in(world.new, arrive(world), NEW_CLERK)
    assert pending.status is PendingStatus.PENDING
    assert pending.code == "NOD-009" and OLD in pending.reason_ja
    assert world.by_name(NEW) == {}  # nothing recorded before the data is here

    run_async(world.settle())
    done = get_pending(world.new, pending.request_id)
    assert done.status is PendingStatus.REGISTERED and done.code == ""
    new = world.by_name(NEW)
    assert set(new) == set(FAMILY) and all(r.is_active for r in new.values())
    assert new["太郎"].resident_code == TARO_CODE and new["太郎"].is_head
    assert new["太郎"].previous_address is not None
    assert new["太郎"].previous_address.lg_code == OLD
    assert sorted(done.person_ids) == sorted(r.person_id for r in new.values())
    use = done.outcome["card_continued_use"]
    assert use == {"due_on": "2027-02-24", "card_holders": [new["太郎"].person_id], "done": []}

    old = world.by_name(OLD)  # the 転入通知 came back: 転出確定
    assert all(r.move_out_confirmed for r in old.values())
    world.assert_one_municipality_each(*FAMILY)
    with world.engines[OLD].connect() as conn:
        provided = conn.execute(sa.select(card_move_out.c.provided_to)).scalars().all()
    assert set(provided) == {NEW}

    after = record_continued_use(world.new, pending.request_id, new["太郎"].person_id, NEW_CLERK)
    assert after.outcome["card_continued_use"]["done"] == [new["太郎"].person_id]
    with pytest.raises(JichiError) as raised:  # 花子 has no card
        record_continued_use(world.new, pending.request_id, new["花子"].person_id, NEW_CLERK)
    assert raised.value.code == "NOD-016"


def test_without_a_card_move_out_the_old_municipality_refuses_with_a_reason(
    world: World,
) -> None:
    world.settle_the_family_in_old()
    world.old.registry.apply(move_out_cmd(world), OLD_CLERK)  # a paper 転出 only
    world.clock.advance(7)
    pending = request_card_move_in(world.new, arrive(world), NEW_CLERK)
    run_async(world.settle())
    refused = get_pending(world.new, pending.request_id)
    assert refused.status is PendingStatus.REFUSED and refused.code == "NOD-010"
    assert "転出証明書" in refused.reason_ja
    assert world.by_name(NEW) == {}
    assert all(not r.move_out_confirmed for r in world.by_name(OLD).values())


def test_past_thirty_days_after_the_planned_move_out_the_card_route_fails(
    world: World,
) -> None:
    world.settle_the_family_in_old()
    move_out_with_card(world, planned="2026-11-22")
    world.clock.advance(34)  # 2026-12-24 … the limit was 2026-12-22
    pending = request_card_move_in(world.new, arrive(world, moved_on="2026-12-20"), NEW_CLERK)
    run_async(world.settle())
    late = get_pending(world.new, pending.request_id)
    assert late.status is PendingStatus.REFUSED and late.code == "NOD-001"
    assert "2026-12-22" in late.reason_ja
    assert world.by_name(NEW) == {}
    assert [p.status for p in list_pending(world.new)] == [PendingStatus.REFUSED]


def test_a_card_move_in_more_than_fourteen_days_after_arrival_is_refused_at_the_counter(
    world: World,
) -> None:
    world.settle_the_family_in_old()
    move_out_with_card(world)
    world.clock.advance(20)  # 2026-12-10: moved in 2026-11-21, the limit was 2026-12-05
    with pytest.raises(JichiError) as raised:
        request_card_move_in(world.new, arrive(world, moved_on="2026-11-21"), NEW_CLERK)
    assert raised.value.code == "NOD-001" and raised.value.field == "effective_date"
    with world.engines[NEW].connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(pending_move_in)).scalar() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(outbox)).scalar() == 0


def test_a_card_move_out_is_refused_abroad_without_a_card_and_long_after_the_move(
    world: World,
) -> None:
    world.settle_the_family_in_old()
    taro = world.by_name(OLD)["太郎"].person_id
    cases = [
        (move_out_cmd(world, destination=ABROAD), [taro], "NOD-004"),
        (move_out_cmd(world), [], "NOD-007"),
        (move_out_cmd(world, planned="2026-11-06"), [taro], "NOD-006"),  # 14 days ago
    ]
    for cmd, holders, code in cases:
        with pytest.raises(JichiError) as raised:
            file_card_move_out(world.old, cmd, OLD_CLERK, card_holder_ids=holders)
        assert raised.value.code == code
    assert all(r.is_active for r in world.by_name(OLD).values())
    with world.engines[OLD].connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(card_move_out)).scalar() == 0


def test_the_data_goes_only_to_the_destination_named_at_the_move_out(world: World) -> None:
    world.settle_the_family_in_old()
    move_out_with_card(world, destination=address("271004"))  # they said 大阪市
    world.clock.advance(7)
    pending = request_card_move_in(world.new, arrive(world), NEW_CLERK)
    run_async(world.settle())
    refused = get_pending(world.new, pending.request_id)
    assert refused.status is PendingStatus.REFUSED and "271004" in refused.reason_ja


# -- online move-out (マイナポータル) ----------------------------------------------------------


def test_an_online_move_out_is_finished_by_a_card_move_in_at_the_counter(world: World) -> None:
    world.settle_the_family_in_old()
    family = world.by_name(OLD)
    applied = file_online_move_out(
        world.old, move_out_cmd(world, planned="2026-12-05"), filer_id=family["太郎"].person_id
    )
    assert applied.kind == "move_out"
    with world.engines[OLD].connect() as conn:
        channels = set(conn.execute(sa.select(card_move_out.c.channel)).scalars())
    assert channels == {Channel.ONLINE.value}
    before_the_day = world.by_name(OLD).values()  # a resident until the planned day
    assert all(r.is_active and r.moving_out for r in before_the_day)
    world.clock.advance(16)  # 2026-12-06
    pending = request_card_move_in(world.new, arrive(world, moved_on="2026-12-05"), NEW_CLERK)
    run_async(world.settle())
    assert get_pending(world.new, pending.request_id).status is PendingStatus.REGISTERED
    assert all(r.move_out_confirmed for r in world.by_name(OLD).values())
    world.assert_one_municipality_each(*FAMILY)


@pytest.mark.parametrize(
    ("planned", "filer", "destination", "code"),
    [
        ("2026-12-21", "太郎", None, "NOD-002"),  # 31 days before
        ("2026-11-09", "太郎", None, "NOD-002"),  # 11 days after
        ("2026-12-20", "太郎", None, None),  # 30 days before: accepted
        ("2026-11-10", "太郎", None, None),  # 10 days after: accepted
        ("2026-12-05", "一郎", None, "NOD-003"),  # 13 years old
        ("2026-12-05", "太郎", ABROAD, "NOD-004"),
    ],
)
def test_online_move_out_rules(
    world: World, planned: str, filer: str, destination: dict[str, object] | None, code: str | None
) -> None:
    world.settle_the_family_in_old()
    family = world.by_name(OLD)
    cmd = move_out_cmd(world, planned=planned, destination=destination)
    if code is None:
        file_online_move_out(world.old, cmd, filer_id=family[filer].person_id)
        return
    with pytest.raises(JichiError) as raised:
        file_online_move_out(world.old, cmd, filer_id=family[filer].person_id)
    assert raised.value.code == code
    assert all(r.is_active for r in world.by_name(OLD).values())


def test_an_online_filer_must_belong_to_the_movers_household(world: World) -> None:
    world.settle_the_family_in_old()
    family = world.by_name(OLD)
    world.file(
        world.old,
        OLD_CLERK,
        kind="move_in",
        effective_date="2026-10-01",
        address=address(OLD, "9-9"),
        previous_address=ABROAD,
        persons=[
            {
                "name": {"family": "佐藤", "given": "健", "family_kana": "サトウ"},
                "date_of_birth": "1970-01-01",
                "sex": "male",
                "relationship": "世帯主",
            }
        ],
    )
    sato = world.by_name(OLD)["健"].person_id
    with pytest.raises(JichiError) as raised:
        file_online_move_out(world.old, move_out_cmd(world, planned="2026-12-05"), filer_id=sato)
    assert raised.value.code == "NOD-005"
    assert all(family[g].is_active for g in FAMILY)
