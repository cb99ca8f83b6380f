"""U5: an individual number is attached only when all of the basic four match."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.registry.service import Registry
from jichi.registry.tables import resident
from tests.integration.registry.conftest import CLERK, MoveIn, address, person

TWINS = [
    person("佐藤", "優", ("サトウ", "ユウ"), "1995-07-07", "male", "世帯主"),
    person("佐藤", "優", ("サトウ", "ユウ"), "1995-07-07", "female", "同居人"),
]


def twins(registry: Registry, move_in: MoveIn) -> dict[str, str]:
    ids = move_in(persons=TWINS).person_ids
    return {r.sex.value: r.person_id for r in (registry.read_record(p, CLERK) for p in ids)}


def attach(registry: Registry, **data: Any) -> None:
    registry.apply(registry.parse({"kind": "attach_individual_number", **data}), CLERK)


def claim(person_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "individual_number": "621498320257",
        "name": "佐藤　優",
        "date_of_birth": "1995-07-07",
        "sex": "male",
        "address": "埼玉県川越市大字的場一丁目2番3号",
        **overrides,
    }


def test_matching_basic_four_in_another_notation_attaches_the_number(
    registry: Registry, move_in: MoveIn, engine: Engine
) -> None:
    brother = twins(registry, move_in)["male"]
    attach(registry, **claim(brother))
    assert registry.read_record(brother, CLERK).has_individual_number
    with engine.connect() as conn:
        stored = conn.execute(
            sa.select(resident.c.individual_number_enc).where(resident.c.person_id == brother)
        ).scalar_one()
    assert stored and "621498320257" not in stored


@pytest.mark.parametrize(
    ("override", "item"),
    [
        ({"sex": "female"}, "性別"),
        ({"date_of_birth": "1995-07-08"}, "生年月日"),
        ({"name": "佐藤　優子"}, "氏名"),
        ({"address": "埼玉県川越市大字的場1-2-4"}, "住所"),
    ],
)
def test_any_one_item_differing_refuses_the_link(
    registry: Registry, move_in: MoveIn, override: dict[str, Any], item: str
) -> None:
    brother = twins(registry, move_in)["male"]
    with pytest.raises(JichiError) as raised:
        attach(registry, **claim(brother, **override))
    assert raised.value.code == "REG-040"
    assert item in raised.value.message_ja
    assert not registry.read_record(brother, CLERK).has_individual_number


def test_twins_with_one_name_and_birthday_never_cross_link(
    registry: Registry, move_in: MoveIn
) -> None:
    sister = twins(registry, move_in)["female"]
    with pytest.raises(JichiError) as raised:
        attach(registry, **claim(sister))  # the brother's notice (sex male)
    assert raised.value.code == "REG-040"


def test_name_and_birth_date_alone_never_link(registry: Registry, move_in: MoveIn) -> None:
    brother = twins(registry, move_in)["male"]
    with pytest.raises(JichiError) as raised:
        attach(registry, **claim(brother, sex=None))
    assert raised.value.code == "REG-040"


def test_a_second_number_and_a_number_already_used_are_refused(
    registry: Registry, move_in: MoveIn
) -> None:
    records = twins(registry, move_in)
    attach(registry, **claim(records["male"]))
    with pytest.raises(JichiError) as again:
        attach(registry, **claim(records["male"], individual_number="123456789018"))
    assert again.value.code == "REG-041"
    with pytest.raises(JichiError) as shared:
        attach(registry, **claim(records["female"], sex="female"))
    assert shared.value.code == "REG-019"


def test_a_number_with_a_wrong_check_digit_is_refused(registry: Registry, move_in: MoveIn) -> None:
    brother = twins(registry, move_in)["male"]
    with pytest.raises(JichiError) as raised:
        attach(registry, **claim(brother, individual_number="621498320258"))
    assert raised.value.code == "ID-004"


def test_the_address_may_carry_the_recorded_building_as_the_form_hint_says(
    registry: Registry, move_in: MoveIn
) -> None:
    """The hint says 方書 may be given or left out; before, giving it refused the link."""
    ids = move_in(persons=TWINS[:1], address=address(building="コーポ的場101")).person_ids
    attach(registry, **claim(ids[0], address="埼玉県川越市大字的場一丁目2番3号コーポ的場１０１"))
    assert registry.read_record(ids[0], CLERK).has_individual_number


@pytest.mark.parametrize(
    "claimed",
    ["埼玉県川越市大字的場1-2-3コーポ的場102", "埼玉県川越市大字的場1-2-3別の建物101"],
)
def test_a_building_other_than_the_recorded_one_refuses_the_link(
    registry: Registry, move_in: MoveIn, claimed: str
) -> None:
    ids = move_in(persons=TWINS[:1], address=address(building="コーポ的場101")).person_ids
    with pytest.raises(JichiError) as raised:
        attach(registry, **claim(ids[0], address=claimed))
    assert raised.value.code == "REG-040" and "住所" in raised.value.message_ja


def test_the_form_hint_states_the_address_rule(engine: Engine) -> None:
    from tests.integration.web.signed_in import counter, sign_in

    page = counter(engine)
    sign_in(page.client)
    form = page.client.get(f"/counter/residents/{page.person_id}/attach_individual_number").text
    assert "方書は省略するか、記載どおりに" in form
    assert "都道府県から方書まで" not in form
