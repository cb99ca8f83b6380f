"""旧氏, 通称, foreign-resident items and 職権記載."""

from __future__ import annotations

from typing import Any

import pytest

from jichi.kernel.errors import JichiError
from jichi.registry.service import Applied, Registry
from tests.integration.registry.conftest import CLERK, MoveIn, address, person

FOREIGN = {
    "nationality": "ベトナム",
    "category": "中長期在留者",
    "status_of_residence": "技術・人文知識・国際業務",
    "period_of_stay": "5年",
    "period_expires": "2029-04-01",
    "residence_card_number": "AB12345678CD",
}


def apply(registry: Registry, **data: Any) -> Applied:
    return registry.apply(registry.parse(data), CLERK)


def code_of(registry: Registry, **data: Any) -> str:
    with pytest.raises(JichiError) as raised:
        apply(registry, **data)
    return raised.value.code


@pytest.fixture
def nguyen(move_in: MoveIn) -> str:
    foreigner = person(
        "NGUYEN",
        "VAN AN",
        ("グエン", "ヴァン　アン"),
        "1990-02-02",
        "male",
        "世帯主",
        foreign=FOREIGN,
        honseki="",
    )
    return move_in(persons=[foreigner]).person_ids[0]


@pytest.fixture
def hanako(move_in: MoveIn) -> str:
    return move_in(
        persons=[person("山田", "花子", ("ヤマダ", "ハナコ"), "1982-09-15", "female", "世帯主")]
    ).person_ids[0]


def test_status_of_residence_changes_for_foreign_residents_only(
    registry: Registry, nguyen: str, hanako: str
) -> None:
    apply(
        registry,
        kind="foreign_resident_change",
        person_id=nguyen,
        effective_date="2026-11-25",
        foreign={**FOREIGN, "status_of_residence": "永住者"},
    )
    record = registry.read_record(nguyen, CLERK)
    assert record.foreign is not None and record.foreign.status_of_residence == "永住者"
    assert (
        code_of(
            registry,
            kind="foreign_resident_change",
            person_id=hanako,
            effective_date="2026-11-25",
            foreign=FOREIGN,
        )
        == "REG-031"
    )


def test_an_alias_needs_proof_from_two_issuers_and_kana_or_kanji(
    registry: Registry, nguyen: str
) -> None:
    alias = {"family": "阮", "given": "安"}
    one = [{"issuer": "株式会社川越製作所", "document": "在職証明書"}]
    two = [*one, {"issuer": "川越市立病院", "document": "診察券"}]
    base = {"kind": "alias", "person_id": nguyen, "action": "record"}
    assert code_of(registry, **base, alias=alias, evidence=one) == "REG-034"
    assert code_of(registry, **base, alias={"family": "Nguyen"}, evidence=two) == "REG-034"
    apply(registry, **base, alias=alias, evidence=two)
    assert registry.read_record(nguyen, CLERK).alias is not None
    assert code_of(registry, **base, alias={"family": "阮", "given": "太郎"}, evidence=two) == (
        "REG-034"
    )
    apply(registry, kind="alias", person_id=nguyen, action="delete")
    assert registry.read_record(nguyen, CLERK).alias is None


def test_a_japanese_resident_cannot_have_an_alias_and_a_foreigner_no_former_surname(
    registry: Registry, nguyen: str, hanako: str
) -> None:
    assert (
        code_of(
            registry,
            kind="alias",
            person_id=hanako,
            action="record",
            alias={"family": "花"},
            exception="nikkei_name",
        )
        == "REG-031"
    )
    assert (
        code_of(
            registry,
            kind="former_surname",
            person_id=nguyen,
            action="record",
            family="阮",
            family_kana="グエン",
        )
        == "REG-032"
    )


def test_former_surname_rules(registry: Registry, hanako: str) -> None:
    base = {"kind": "former_surname", "person_id": hanako, "action": "record"}
    assert code_of(registry, **base, family="鈴木") == "REG-033"  # no reading
    assert code_of(registry, **base, family="山田", family_kana="ヤマダ") == "REG-033"  # current
    assert code_of(registry, **base, family="鈴木", family_kana="すずき1") == "TXT-002"
    apply(registry, **base, family="鈴木", family_kana="すずき")
    record = registry.read_record(hanako, CLERK)
    assert record.former_surname is not None
    assert record.former_surname.family_kana == "スズキ"
    assert code_of(registry, **base, family="佐藤", family_kana="サトウ") == "REG-033"  # only one
    apply(registry, kind="former_surname", person_id=hanako, action="delete")
    # after a deletion, only a surname arising after it may be recorded again
    assert code_of(registry, **base, family="鈴木", family_kana="スズキ") == "REG-033"


def test_ex_officio_record_makes_a_record_without_a_notification(
    registry: Registry,
) -> None:
    applied = apply(
        registry,
        kind="ex_officio_record",
        effective_date="2026-11-26",
        address=address("4-4"),
        reason="実態調査により居住を確認",
        persons=[person("田中", "誠", ("タナカ", "マコト"), "1960-01-01", "male", "世帯主")],
    )
    record = registry.read_record(applied.person_ids[0], CLERK)
    assert record.is_head and record.moved_in_on is not None
    history = registry.history(applied.person_ids[0], CLERK)
    assert history[0].reason.label_ja == "職権記載"
