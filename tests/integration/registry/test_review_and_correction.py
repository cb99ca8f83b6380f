"""確認 before 記録, and a mistaken recording undone by new events (both databases)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from jichi.kernel.errors import JichiError
from jichi.registry.events import EventKind, NotificationKind
from jichi.registry.service import Actor, Registry
from jichi.registry.tables import household, registry_event
from tests.integration.registry.conftest import (
    CLERK,
    ELSEWHERE,
    LG,
    MoveIn,
    address,
    yamada_family,
)

COLLEAGUE = Actor("clerk-takahashi", LG, "clerk")
SUPERVISOR = Actor("kakaricho-ito", LG, "supervisor")


def _move_in_cmd(registry: Registry) -> Any:
    return registry.parse(
        {
            "kind": "move_in",
            "effective_date": "2026-11-20",
            "address": address(),
            "previous_address": ELSEWHERE,
            "persons": yamada_family(),
        }
    )


def _count(registry: Registry, table: sa.Table) -> int:
    with registry.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_a_preview_shows_every_item_and_records_nothing(registry: Registry) -> None:
    shown = registry.preview(_move_in_cmd(registry), CLERK)
    assert _count(registry, registry_event) == 0 and _count(registry, household) == 0
    assert [p.action for p in shown.persons] == ["記載"] * 4
    head = shown.persons[0]
    assert head.name == "山田　太郎" and head.relationship == "世帯主"
    items = {i.label: (i.before, i.after) for i in head.items}
    assert items["住所"][1].startswith("埼玉県川越市大字的場1-2-3")
    assert items["個人番号"] == ("—", "あり") and "転出の確定" not in items
    assert "123456789018" not in repr(shown)  # the number itself is never shown
    assert shown.reason is NotificationKind.MOVE_IN


def test_a_preview_of_a_relocation_says_from_and_to(registry: Registry, move_in: MoveIn) -> None:
    applied = move_in()
    cmd = registry.parse(
        {
            "kind": "relocation",
            "effective_date": "2026-11-25",
            "person_ids": applied.person_ids,
            "address": address(block="9-9"),
        }
    )
    shown = registry.preview(cmd, CLERK)
    for person in shown.persons:
        assert person.action == "変更"
        moved = {i.label: (i.before, i.after) for i in person.items}["住所"]
        assert moved[0].endswith("1-2-3") and moved[1].endswith("9-9")
    assert all(registry.read_record(p, CLERK).address.block == "1-2-3" for p in applied.person_ids)


def test_a_preview_refuses_what_apply_refuses(registry: Registry, move_in: MoveIn) -> None:
    move_in()
    with pytest.raises(JichiError) as refused:
        registry.preview(_move_in_cmd(registry), CLERK)  # the same family again
    assert refused.value.code == "REG-061"


def _undo(registry: Registry, notification_id: str, actor: Actor = CLERK) -> Any:
    cmd = registry.parse(
        {"kind": "recording_correction", "notification_id": notification_id, "reason": "入力誤り"}
    )
    return registry.apply(cmd, actor)


def test_a_mistaken_move_in_is_undone_by_removal_events(
    registry: Registry, move_in: MoveIn
) -> None:
    applied = move_in()
    events_before = _count(registry, registry_event)
    undone = _undo(registry, applied.notification_id)
    assert _count(registry, registry_event) == events_before + 4  # nothing deleted
    for pid in applied.person_ids:
        assert not registry.read_record(pid, CLERK).is_active
        kinds = [(ev.kind, ev.reason) for ev in registry.history(pid, CLERK)]
        assert kinds[-1] == (EventKind.REMOVED, NotificationKind.RECORDING_CORRECTION)
    with registry.engine.connect() as conn:
        active = conn.execute(sa.select(household.c.active)).scalars().all()
    assert active == [False]
    found = registry.recording(applied.notification_id, CLERK)
    assert found.corrected_by == undone.notification_id


def test_a_mistaken_relocation_is_undone_to_the_old_address(
    registry: Registry, move_in: MoveIn
) -> None:
    applied = move_in()
    cmd = registry.parse(
        {
            "kind": "relocation",
            "effective_date": "2026-11-25",
            "person_ids": applied.person_ids,
            "address": address(block="9-9"),
        }
    )
    moved = registry.apply(cmd, CLERK)
    _undo(registry, moved.notification_id, SUPERVISOR)
    for pid in applied.person_ids:
        record = registry.read_record(pid, CLERK)
        assert record.is_active and record.address.block == "1-2-3"
    with pytest.raises(JichiError) as again:  # the relocation is no longer the latest
        _undo(registry, moved.notification_id, SUPERVISOR)
    assert again.value.code == "REG-072"


def test_only_the_recorder_or_a_supervisor_may_undo(registry: Registry, move_in: MoveIn) -> None:
    applied = move_in()
    with pytest.raises(JichiError) as refused:
        _undo(registry, applied.notification_id, COLLEAGUE)
    assert refused.value.code == "REG-071"
    assert all(registry.read_record(p, CLERK).is_active for p in applied.person_ids)
    with pytest.raises(JichiError) as unknown:
        _undo(registry, "no-such-notification", SUPERVISOR)
    assert unknown.value.code == "REG-070"


def test_a_death_recorded_in_error_is_undone_by_a_restoration(
    registry: Registry, move_in: MoveIn
) -> None:
    applied = move_in()
    child = next(
        p for p in applied.person_ids if registry.read_record(p, CLERK).name.given == "二葉"
    )
    died = registry.apply(
        registry.parse({"kind": "death", "person_id": child, "effective_date": "2026-11-24"}),
        CLERK,
    )
    _undo(registry, died.notification_id)
    record = registry.read_record(child, CLERK)
    assert record.is_active and record.deceased_on is None
