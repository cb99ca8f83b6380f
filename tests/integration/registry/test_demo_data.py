"""Demo residents (`jichi demo`): filed through the registry's rules, with none refused."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.kernel.age import age_on
from jichi.kernel.text import validate_name_kana
from jichi.registry.demo import generate, populate, towns_of
from jichi.registry.model import ResidentRecord
from jichi.registry.service import Registry
from jichi.registry.tables import resident
from jichi.security.actor import Actor
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys

LG = "112011"  # 埼玉県川越市
NOW = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
TODAY = date(2026, 11, 27)
KATAKANA = re.compile(r"^[ァ-ヶー・　]+$")  # full-width katakana, 中点, the space between parts


def test_demo_residents_pass_every_rule_and_look_like_a_japanese_town(engine: Engine) -> None:
    progress: list[tuple[int, int]] = []
    registry = Registry(engine, LG, FieldCipher(Keys.derive(b"d" * 32)), clock=lambda: NOW)
    summary = populate(
        registry, Actor("demo", LG, "admin"), 60, 7, lambda d, t: progress.append((d, t))
    )
    with engine.connect() as conn:
        rows = conn.execute(sa.select(resident.c.record).where(resident.c.lg_code == LG)).all()
    records = [ResidentRecord.model_validate(row.record) for row in rows]
    active = [r for r in records if r.is_active]

    assert summary.rejections == []
    assert progress and progress[-1][0] == progress[-1][1]
    assert summary.residents == len(active) and summary.foreign_residents > 0
    assert summary.notifications["move_in"] > 10 and summary.events >= 3
    assert summary.households == len({r.household_id for r in active})

    heads = Counter(r.household_id for r in active if r.relationship == "世帯主")
    assert set(heads) == {r.household_id for r in active} and set(heads.values()) == {1}

    ages = [age_on(r.date_of_birth, TODAY) for r in active]
    assert min(ages) < 15 and max(ages) >= 75
    assert {r.sex.value for r in active} == {"male", "female"}

    foreign = [r for r in active if r.foreign is not None]
    assert foreign and all(r.honseki == "" and r.name.latin for r in foreign)
    assert all(
        re.fullmatch(r"[A-Z]{2}\d{8}[A-Z]{2}", r.foreign.residence_card_number) for r in foreign
    )
    japanese = [r for r in active if r.foreign is None]
    assert all(r.honseki and r.family_register_head for r in japanese)

    for record in records:
        reading = record.name.kana()
        assert KATAKANA.match(reading), reading
        assert validate_name_kana(reading) == reading

    towns = {t.name: t for t in towns_of(LG)}
    for record in active:
        address = record.address
        assert (address.prefecture, address.municipality, address.lg_code) == (
            "埼玉県",
            "川越市",
            LG,
        )
        assert address.town in towns and address.postal_code == towns[address.town].postal_code
        assert record.resident_since <= TODAY and record.resident_since >= record.date_of_birth
    codes = [r.resident_code for r in records]
    assert all(re.fullmatch(r"\d{11}", c) for c in codes) and len(set(codes)) == len(codes)
    assert sum(r.has_individual_number for r in records) > len(records) // 2


def test_the_same_seed_gives_the_same_residents() -> None:
    def names(seed: int) -> list[str]:
        return [
            person["name"]["family"] + person["name"]["given"]
            for command in generate(LG, 60, seed, today=TODAY)
            if command["kind"] == "move_in"
            for person in command["persons"]
        ]

    assert names(7) == names(7)
    assert names(7) != names(8)
    assert len(names(7)) == 60


def test_households_are_shaped_like_japanese_ones() -> None:
    commands = list(generate(LG, 400, 3, today=TODAY))
    move_ins = [c for c in commands if c["kind"] == "move_in"]
    sizes = Counter(len(c["persons"]) for c in move_ins)
    assert 0.25 < sizes[1] / len(move_ins) < 0.55  # 単独世帯 (38% in the 2020 census)
    relationships = Counter(p["relationship"] for c in move_ins for p in c["persons"])
    assert {"世帯主", "妻", "子"} <= set(relationships)
    for command in move_ins:
        persons = command["persons"]
        head = next(p for p in persons if p["relationship"] == "世帯主")
        moved = date.fromisoformat(command["effective_date"])
        assert moved <= TODAY and age_on(date.fromisoformat(head["date_of_birth"]), moved) >= 18
        assert all(date.fromisoformat(p["date_of_birth"]) <= moved for p in persons)
        wife = next((p for p in persons if p["relationship"] == "妻"), None)
        for child in (p for p in persons if p["relationship"] == "子"):
            if wife is not None and wife.get("foreign") is None:
                assert child["name"]["family"] == wife["name"]["family"] == head["name"]["family"]
                mother = date.fromisoformat(wife["date_of_birth"])
                assert 19 <= age_on(mother, date.fromisoformat(child["date_of_birth"])) <= 45
    foreign = [p for c in move_ins for p in c["persons"] if p.get("foreign")]
    assert 0.01 <= len(foreign) / 400 <= 0.05
    assert {p["foreign"]["nationality"] for p in foreign} <= {
        "中国",
        "ベトナム",
        "韓国",
        "フィリピン",
        "ブラジル",
        "ネパール",
    }
    kinds = Counter(c["kind"] for c in commands)
    assert kinds["birth"] and kinds["death"] and kinds["relocation"] and kinds["move_out"]


@pytest.mark.parametrize("code", ["141003", "134023", "221384"])
def test_other_municipalities_get_their_own_towns(code: str) -> None:
    """A designated city (its wards' towns), a village without 町字, a ward newer than the
    population table (falls back to its prefecture)."""
    commands = list(generate(code, 20, 1, today=TODAY))
    towns = {(t.municipality, t.name) for t in towns_of(code)}
    for command in commands:
        if command["kind"] == "move_in":
            address = command["address"]
            assert address["lg_code"] == code
            assert (address["municipality"], address.get("town", "")) in towns
