"""A card applied for from the registry: facts through ``jichi.registry.card_holder`` only."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.mynumber.card_store import CardStore
from jichi.registry.service import Registry
from tests.integration.registry.conftest import CLERK, LG, OTHER_LG, MoveIn, address, person

VISA = {
    "nationality": "ベトナム",
    "category": "中長期在留者",
    "status_of_residence": "技術・人文知識・国際業務",
    "period_of_stay": "5年",
    "period_expires": "2029-04-01",
    "residence_card_number": "AB12345678CD",
}
SPECIAL = {"nationality": "韓国", "category": "特別永住者", "residence_card_number": ""}


def resident(move_in: MoveIn, foreign: dict[str, str] | None, block: str) -> str:
    someone = person(
        "グエン",
        "アン",
        ("グエン", "アン"),
        "1990-01-01",
        "male",
        "世帯主",
        **({"foreign": foreign, "honseki": ""} if foreign else {}),
    )
    return move_in(
        persons=[someone],
        effective_date="2026-07-30",
        notified_date="2026-08-01",
        address=address(block),
        # The same person on purpose in three households (one per residence status).
        distinct_person_reason="テスト: 在留資格ごとに別の住民",
    ).person_ids[0]


def test_card_validity_follows_the_registry_facts(
    engine: Engine,
    registry: Registry,
    move_in: MoveIn,
) -> None:
    store = CardStore(engine, LG)
    limited = store.apply_for_resident(resident(move_in, VISA, "1-1-1"), date(2026, 9, 1))
    assert limited.holder.foreign and limited.holder.stay_expires_on == date(2029, 4, 1)
    assert store.manufacture(limited.card_id, date(2026, 9, 10)).valid_until == date(2029, 4, 1)
    special = store.apply_for_resident(resident(move_in, SPECIAL, "2-2-2"), date(2026, 9, 1))
    assert special.holder.residence_status == "特別永住者"
    assert store.manufacture(special.card_id, date(2026, 9, 10)).valid_until == date(2036, 1, 1)
    national = store.apply_for_resident(resident(move_in, None, "3-3-3"), date(2026, 9, 1))
    assert not national.holder.foreign


def test_no_card_for_someone_not_on_this_registry(
    engine: Engine,
    registry: Registry,
    move_in: MoveIn,
) -> None:
    person_id = resident(move_in, None, "4-4-4")
    with pytest.raises(JichiError) as caught:
        CardStore(engine, OTHER_LG).apply_for_resident(person_id, date(2026, 9, 1))
    assert caught.value.code == "MYN-033"
    with pytest.raises(JichiError) as caught:
        CardStore(engine, LG).apply_for_resident("no-such-person", date(2026, 9, 1))
    assert caught.value.code == "MYN-033"
    assert CLERK.lg_code == LG
