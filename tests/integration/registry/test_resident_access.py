"""本人確認コード: ten minutes, one use, stored hashed, bound to a person and a birth date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from jichi.kernel.errors import JichiError
from jichi.registry.resident_access import ResidentAccess, resident_access_code
from jichi.registry.service import Registry
from tests.integration.registry.conftest import CLERK, NOW, MoveIn

BORN = date(1980, 4, 2)  # 山田 太郎


def test_a_code_signs_the_resident_in_once_and_is_stored_only_as_a_hash(
    registry: Registry, move_in: MoveIn
) -> None:
    taro = move_in().result["person_ids"][0]
    access = ResidentAccess(registry)
    issued = access.issue(taro, CLERK)
    assert len(issued.code) == 6 and issued.code.isdigit()
    assert issued.expires_at == NOW + timedelta(minutes=10)
    with registry.engine.connect() as conn:
        stored = conn.execute(sa.select(resident_access_code)).one()
    assert issued.code not in stored.code_hash and len(stored.code_hash) == 64
    assert access.redeem(issued.code, BORN) == taro
    with pytest.raises(JichiError) as used:
        access.redeem(issued.code, BORN)
    assert used.value.code == "ACC-001"


def test_a_wrong_birth_date_fails_and_uses_the_code_up(registry: Registry, move_in: MoveIn) -> None:
    taro = move_in().result["person_ids"][0]
    access = ResidentAccess(registry)
    issued = access.issue(taro, CLERK)
    with pytest.raises(JichiError):
        access.redeem(issued.code, date(1980, 4, 3))
    with pytest.raises(JichiError):
        access.redeem(issued.code, BORN)


def test_a_code_expires_after_ten_minutes(registry: Registry, move_in: MoveIn) -> None:
    taro = move_in().result["person_ids"][0]
    issued = ResidentAccess(registry).issue(taro, CLERK)
    later = Registry(
        registry.engine,
        registry.lg_code,
        registry.cipher,
        clock=lambda: NOW + timedelta(minutes=10, seconds=1),
    )
    with pytest.raises(JichiError) as expired:
        ResidentAccess(later).redeem(issued.code, BORN)
    assert expired.value.code == "ACC-001"


def test_a_code_must_be_six_digits(registry: Registry) -> None:
    with pytest.raises(JichiError) as wrong:
        ResidentAccess(registry).redeem("12345", BORN)
    assert wrong.value.code == "ACC-002" and wrong.value.field == "code"


def test_issuing_and_signing_in_are_in_the_residents_access_log(
    registry: Registry, move_in: MoveIn
) -> None:
    taro = move_in().result["person_ids"][0]
    access = ResidentAccess(registry)
    access.redeem(access.issue(taro, CLERK).code, BORN)
    registry.read_record(taro, access.actor(registry.lg_code), purpose="本人による閲覧")
    actions = [(r.entry.actor, r.entry.action) for r in access.accesses(taro)]
    assert actions[:3] == [
        ("resident-self", "resident.read"),
        ("resident-self", "resident_access.sign_in"),
        ("clerk-suzuki", "resident_access.issue"),
    ]
    assert ("clerk-suzuki", "notification.move_in") in actions
