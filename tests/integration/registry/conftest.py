"""A small cast for registry tests: the 川越 municipality, its clerks, the 山田 family."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from jichi.registry.service import Actor, Applied, Registry
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from jichi.store import migrate
from jichi.store.engine import make_engine

LG = "112011"  # 埼玉県川越市
OTHER_LG = "131016"  # 東京都千代田区
NOW = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)  # 10:00 JST, a Friday
TODAY = date(2026, 11, 27)

CLERK = Actor("clerk-suzuki", LG, "clerk")
OUTSIDER = Actor("clerk-tanaka", OTHER_LG, "clerk")


@pytest.fixture
def registry(engine: Engine) -> Registry:
    cipher = FieldCipher(Keys.derive(b"k" * 32))
    return Registry(engine, LG, cipher, clock=lambda: NOW)


def address(block: str = "1-2-3", town: str = "大字的場", building: str = "") -> dict[str, Any]:
    return {
        "prefecture": "埼玉県",
        "municipality": "川越市",
        "town": town,
        "block": block,
        "building": building,
        "postal_code": "350-1101",
        "lg_code": LG,
    }


ELSEWHERE = {
    "prefecture": "東京都",
    "municipality": "千代田区",
    "town": "千代田",
    "block": "1-1",
    "lg_code": OTHER_LG,
}


def person(
    family: str,
    given: str,
    kana: tuple[str, str],
    born: str,
    sex: str,
    relationship: str,
    **extra: Any,
) -> dict[str, Any]:
    japanese = "foreign" not in extra  # 本籍・筆頭者 are items of Japanese residents only
    return {
        "name": {"family": family, "given": given, "family_kana": kana[0], "given_kana": kana[1]},
        "date_of_birth": born,
        "sex": sex,
        "relationship": relationship,
        "honseki": "東京都千代田区千代田1番" if japanese else "",
        "family_register_head": f"{family}　{given}"
        if japanese and relationship == "世帯主"
        else "",
        **extra,
    }


def yamada_family() -> list[dict[str, Any]]:
    return [
        person(
            "山田",
            "太郎",
            ("ヤマダ", "タロウ"),
            "1980-04-02",
            "male",
            "世帯主",
            resident_code="12345678901",
            individual_number="123456789018",
        ),
        person("山田", "花子", ("ヤマダ", "ハナコ"), "1982-09-15", "female", "妻"),
        person("山田", "一郎", ("ヤマダ", "イチロウ"), "2010-01-20", "male", "子"),
        person("山田", "二葉", ("ヤマダ", "フタバ"), "2014-06-30", "female", "子"),
    ]


MoveIn = Callable[..., Applied]


@pytest.fixture
def move_in(registry: Registry) -> MoveIn:
    def _move_in(
        persons: list[dict[str, Any]] | None = None,
        effective_date: str = "2026-11-20",
        **extra: Any,
    ) -> Applied:
        cmd = registry.parse(
            {
                "kind": "move_in",
                "effective_date": effective_date,
                "address": extra.pop("address", address()),
                "previous_address": extra.pop("previous_address", ELSEWHERE),
                "persons": persons if persons is not None else yamada_family(),
                **extra,
            }
        )
        return registry.apply(cmd, CLERK)

    return _move_in


@pytest.fixture
def second_engine(
    engine: Engine, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Engine]:
    """Another empty registry on the same backend: where a municipality moves to."""
    if engine.dialect.name == "sqlite":
        other = make_engine(f"sqlite:///{tmp_path / 'second.db'}")
        migrate.upgrade(other)
    else:
        databases = request.getfixturevalue("pg_databases")
        other = make_engine(databases.url(databases.migrated()))
    yield other
    other.dispose()
