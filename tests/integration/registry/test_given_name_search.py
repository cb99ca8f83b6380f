"""Search by given name alone (名だけで検索): 太郎 finds every active 太郎, on both databases.

Before migration 0027 a name was only a prefix of the whole name (氏 then 名), so a clerk
told 「ハナコさんです」 by a resident found nobody.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.registry.queries import SearchQuery, given_key
from jichi.registry.service import Registry
from jichi.registry.tables import resident
from tests.integration.registry.conftest import CLERK, MoveIn, person
from tests.integration.registry.test_search import FAMILIES, GIVEN, all_pages, fill


def test_a_given_name_alone_finds_everyone_with_it_in_reading_order(
    registry: Registry, move_in: MoveIn
) -> None:
    fill(move_in)

    taro = registry.search(SearchQuery(name="太郎", limit=100), CLERK).records

    assert len(taro) == len(FAMILIES)
    assert {r.name.given for r in taro} == {"太郎"}
    readings = [r.name.family_kana + r.name.given_kana for r in taro]
    assert readings == sorted(readings)


def test_a_given_name_prefix_and_a_whole_name_both_still_work(
    registry: Registry, move_in: MoveIn
) -> None:
    fill(move_in)

    hana = registry.search(SearchQuery(name="花", limit=100), CLERK).records
    whole = registry.search(SearchQuery(name="佐藤太郎"), CLERK).records
    surname = registry.search(SearchQuery(name="佐藤", limit=100), CLERK).records

    assert {r.name.given for r in hana} == {"花子"} and len(hana) == len(FAMILIES)
    assert [(r.name.family, r.name.given) for r in whole] == [("佐藤", "太郎")]
    assert len(surname) == len(GIVEN)


def test_pages_of_a_given_name_search_list_each_person_once(
    registry: Registry, move_in: MoveIn
) -> None:
    fill(move_in)

    pages = all_pages(registry, name="ジョ")

    listed = [r.person_id for page in pages for r in page]
    assert len(listed) == len(set(listed)) == len(FAMILIES)


def test_a_person_matching_by_surname_and_by_given_name_is_listed_once(
    registry: Registry, move_in: MoveIn
) -> None:
    move_in([person("花田", "花子", ("ハナダ", "ハナコ"), "1990-01-01", "female", "世帯主")])

    found = registry.search(SearchQuery(name="花"), CLERK).records

    assert [(r.name.family, r.name.given) for r in found] == [("花田", "花子")]


def test_the_given_name_key_is_the_folded_given_name(engine: Engine, move_in: MoveIn) -> None:
    move_in()
    with engine.connect() as conn:
        keys = set(conn.execute(sa.select(given_key()).select_from(resident)).scalars())
    assert keys == {"太郎", "花子", "一郎", "二葉"}


def test_sqlite_serves_a_given_name_search_from_its_index(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL's choice depends on statistics; bench/search.py keeps its plan
    query = (
        sa.select(resident.c.person_id)
        .where(resident.c.lg_code == "112011", given_key() >= "太郎")
        .compile(engine, compile_kwargs={"literal_binds": True})
    )
    with engine.connect() as conn:
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}"))
    assert "ix_resident_given" in plan
