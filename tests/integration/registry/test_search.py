"""Search (検索): what a clerk types finds the right people, in reading order, page by page.

On SQLite and PostgreSQL alike: variant kanji and address spellings are folded, the
stored names come back exactly as written, removed records only when asked for, and
a keyset cursor walks every match once in the same code-point order on both
databases (PostgreSQL lists with COLLATE "C", migration 0015).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.registry.model import ResidentRecord
from jichi.registry.queries import SearchQuery
from jichi.registry.service import Registry
from jichi.registry.tables import resident
from jichi.security import audit
from jichi.security.tables import audit_log
from tests.integration.registry.conftest import CLERK, ELSEWHERE, MoveIn, address, person

# Readings chosen to straddle orders a locale-aware collation would change: small kana,
# the long vowel mark, voiced marks and ヴ sort by code point here.
FAMILIES = [
    ("髙橋", "タカハシ"),
    ("高橋", "タカハシ"),
    ("渡邊", "ワタナベ"),
    ("渡辺", "ワタナベ"),
    ("佐藤", "サトウ"),
    ("佐々木", "ササキ"),
    ("齋藤", "サイトウ"),
    ("ヴァン", "ヴァン"),
    ("伊東", "イトウ"),
    ("井藤", "イトー"),
    ("石井", "イシイ"),
    ("吉田", "ヨシダ"),
    ("𠮷田", "ヨシダ"),
    ("芳野", "ヨシノ"),
    ("葛\U000e0100西", "カサイ"),
]
READING_ALPHABET = "アイウエオカガキサシスタチツナヌハバパマヤャユョラワンヴー"
GIVEN = [("太郎", "タロウ", "male"), ("花子", "ハナコ", "female"), ("ジョー", "ジョー", "male")]


def sample_record(town: str, block: str) -> ResidentRecord:
    """A stored record built directly (for tests that write rows below the registry)."""
    return ResidentRecord.model_validate(
        {
            "person_id": "7d0c7f3e-8a51-4b6e-9a38-0c1c2f7d9e11",
            "lg_code": "112011",
            "name": {"family": "山田", "given": "太郎", "family_kana": "ヤマダ"},
            "date_of_birth": "1980-04-02",
            "sex": "male",
            "household_id": "0b9a3c1d-5e7f-4a2b-8c6d-1e2f3a4b5c6d",
            "relationship": "世帯主",
            "resident_since": "2020-01-01",
            "address": {**address(block, town=town)},
            "address_since": "2020-01-01",
        }
    )


def fill(move_in: MoveIn) -> None:
    """One household per family at its own address; three members each."""
    for number, (family, kana) in enumerate(FAMILIES, start=1):
        members = [
            person(
                family,
                given,
                (kana, given_kana),
                f"19{70 + index}-0{index + 1}-1{number % 9}",
                sex,
                "世帯主" if index == 0 else "妻" if sex == "female" else "子",
            )
            for index, (given, given_kana, sex) in enumerate(GIVEN)
        ]
        move_in(members, address=address(f"{number}-1", town=f"大字的場{number}丁目"))


def all_pages(registry: Registry, **criteria: Any) -> list[list[Any]]:
    pages, cursor = [], None
    while True:
        page = registry.search(SearchQuery(limit=4, cursor=cursor, **criteria), CLERK)
        pages.append(page.records)
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


def expected_order(engine: Engine, **where: Any) -> list[str]:
    """The person ids in code-point order of (reading key, person id), sorted in Python."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(resident.c.person_id, resident.c.kana_key).where(
                *(resident.c[k] == v for k, v in where.items())
            )
        ).all()
    return [pid for _, pid in sorted((kana, pid) for pid, kana in rows)]


def test_a_name_search_folds_variant_kanji_and_shows_names_as_written(
    registry: Registry, move_in: MoveIn
) -> None:
    fill(move_in)

    taka = registry.search(SearchQuery(name="高橋"), CLERK).records
    hashigo = registry.search(SearchQuery(name="髙橋"), CLERK).records
    yoshi = registry.search(SearchQuery(name="吉田"), CLERK).records

    assert {r.person_id for r in taka} == {r.person_id for r in hashigo}
    assert sorted({r.name.family for r in taka}) == ["高橋", "髙橋"]  # both, as written
    assert sorted({r.name.family for r in yoshi}) == ["吉田", "𠮷田"]
    assert len(taka) == 6
    watanabe = registry.search(SearchQuery(name="渡辺 花子"), CLERK).records
    assert sorted(r.name.family for r in watanabe) == ["渡辺", "渡邊"]
    selector = registry.search(SearchQuery(name="葛西"), CLERK).records
    assert {r.name.family for r in selector} == {"葛\U000e0100西"}  # selector kept in the record


def test_a_reading_search_takes_hiragana_and_half_width_and_is_a_prefix(
    registry: Registry, move_in: MoveIn
) -> None:
    fill(move_in)

    by_hiragana = registry.search(SearchQuery(kana="わたなべ"), CLERK).records
    by_half_width = registry.search(SearchQuery(kana="ﾜﾀﾅﾍﾞ"), CLERK).records
    prefix = registry.search(SearchQuery(kana="ヨシ", limit=100), CLERK).records

    assert len(by_hiragana) == 6
    assert [r.person_id for r in by_hiragana] == [r.person_id for r in by_half_width]
    assert {r.name.family_kana for r in prefix} == {"ヨシダ", "ヨシノ"}
    assert len(prefix) == 9


def test_date_of_birth_address_code_and_household_narrow_the_search(
    registry: Registry, move_in: MoveIn
) -> None:
    fill(move_in)
    first = registry.search(SearchQuery(kana="サトウ"), CLERK).records[0]

    by_birth = registry.search(SearchQuery(date_of_birth=first.date_of_birth), CLERK).records
    by_household = registry.search(SearchQuery(household_id=first.household_id), CLERK).records
    by_address = registry.search(SearchQuery(address="大字的場５丁目"), CLERK).records
    in_numbers = registry.search(SearchQuery(address="大字的場五丁目"), CLERK).records

    assert first.person_id in {r.person_id for r in by_birth}
    assert all(r.date_of_birth == first.date_of_birth for r in by_birth)
    assert len(by_household) == 3 and {r.household_id for r in by_household} == {first.household_id}
    assert {r.name.family for r in by_address} == {"佐藤"}  # the 5th family lives in 5丁目
    assert [r.person_id for r in in_numbers] == [r.person_id for r in by_address]


def test_removed_records_are_found_only_when_asked_for(registry: Registry, move_in: MoveIn) -> None:
    fill(move_in)
    victim = registry.search(SearchQuery(kana="イシイ"), CLERK).records
    head = next(r for r in victim if r.relationship == "世帯主")
    registry.apply(
        registry.parse(
            {
                "kind": "death",
                "person_id": head.person_id,
                "effective_date": "2026-11-21",
                "new_head_id": next(r.person_id for r in victim if r.relationship == "妻"),
                "relationships": {r.person_id: "子" for r in victim if r.relationship == "子"},
            }
        ),
        CLERK,
    )

    current = registry.search(SearchQuery(kana="イシイ"), CLERK).records
    everyone = registry.search(SearchQuery(kana="イシイ", include_removed=True), CLERK).records

    assert head.person_id not in {r.person_id for r in current}
    assert head.person_id in {r.person_id for r in everyone}
    assert len(everyone) == len(current) + 1


def test_pages_walk_every_match_once_in_code_point_order_on_both_databases(
    engine: Engine, registry: Registry, move_in: MoveIn
) -> None:
    fill(move_in)

    pages = all_pages(registry, kana="イ")
    name_pages = all_pages(registry, name="佐")

    listed = [r.person_id for page in pages for r in page]
    assert all(len(page) <= 4 for page in pages) and len(pages) == 3  # 9 people, 4 a page
    assert listed == [
        pid
        for pid in expected_order(engine, lg_code="112011", status="active")
        if pid in set(listed)
    ]
    assert len(set(listed)) == len(listed) == 9
    # イシイ < イトウ < イトー: ー (U+30FC) sorts after ウ (U+30A6) in code points
    assert [r.name.family_kana for r in (pages[0][0], pages[-1][-1])] == ["イシイ", "イトー"]
    names = [r for page in name_pages for r in page]
    assert [r.name.family_kana for r in names][:3] == ["ササキ"] * 3
    assert {r.name.family for r in names} == {"佐藤", "佐々木"}


def test_every_search_is_audited_with_the_people_it_showed(
    engine: Engine, registry: Registry, move_in: MoveIn
) -> None:
    fill(move_in)
    shown = registry.search(SearchQuery(kana="ヨシダ"), CLERK).records

    assert shown
    with engine.connect() as conn:
        entries = conn.execute(
            sa.select(audit_log.c.actor, audit_log.c.subject_person_id, audit_log.c.detail)
            .where(audit_log.c.action == "resident.search")
            .order_by(audit_log.c.seq)
        ).all()
        own_pages = [audit.entries_for_person(conn, r.person_id) for r in shown]
    # One entry per person shown, so that each one's own page (by subject) lists it.
    assert [e.subject_person_id for e in entries] == [r.person_id for r in shown]
    assert {e.actor for e in entries} == {CLERK.staff_id}
    assert all(json.loads(e.detail) == {"results": len(shown)} for e in entries)
    assert all(page[0].entry.action == "resident.search" for page in own_pages)


def test_a_search_that_shows_nobody_is_still_audited_once(
    engine: Engine, registry: Registry, move_in: MoveIn
) -> None:
    fill(move_in)
    assert registry.search(SearchQuery(kana="ムメイ"), CLERK).records == []
    with engine.connect() as conn:
        entries = conn.execute(
            sa.select(audit_log.c.subject_person_id, audit_log.c.detail).where(
                audit_log.c.action == "resident.search"
            )
        ).all()
    assert [(e.subject_person_id, json.loads(e.detail)) for e in entries] == [
        (None, {"results": 0})
    ]


def test_an_empty_search_or_a_broken_cursor_is_a_typed_error_and_reads_nothing(
    registry: Registry, move_in: MoveIn
) -> None:
    fill(move_in)
    with pytest.raises(JichiError) as empty:
        registry.search(SearchQuery(), CLERK)
    with pytest.raises(JichiError) as broken:
        registry.search(SearchQuery(kana="イ", cursor="not-a-cursor!"), CLERK)
    assert empty.value.field == "name"
    assert broken.value.field == "cursor"


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    readings=st.lists(
        # a reading cannot start with a small kana or ー (kernel.text, TXT-003)
        st.tuples(
            st.sampled_from("アイウエオカガキサシスタチツナヌハバパマヤユラワンヴ"),
            st.text(
                alphabet="アイウエオカガキサシスタチツナヌハバパマヤャユョラワンヴー", max_size=4
            ),
        ).map("".join),
        min_size=1,
        max_size=12,
    ),
    limit=st.integers(1, 5),
)
def test_any_readings_page_in_code_point_order(
    engine: Engine, registry: Registry, readings: list[str], limit: int
) -> None:
    """Whatever the readings, paging lists each match once, in (reading, id) order."""
    tag = f"{len(readings)}{limit}{abs(hash(tuple(readings))) % 10**8}"
    members = [
        person(
            "試験",
            f"名{i}",
            ("シケン", reading),
            "1990-01-01",
            "male",
            "世帯主" if i == 0 else "子",
        )
        for i, reading in enumerate(readings)
    ]
    command = registry.parse(
        {
            "kind": "move_in",
            "effective_date": "2026-11-20",
            "address": address(f"99-{tag}"),
            "previous_address": ELSEWHERE,
            "persons": members,
            # generated examples reuse names and birth dates on purpose
            "distinct_person_reason": "property test: generated namesakes",
        }
    )
    applied = registry.apply(command, CLERK)
    mine = set(applied.person_ids)

    seen: list[Any] = []
    cursor = None
    while True:
        page = registry.search(
            SearchQuery(kana="シケン", limit=limit, cursor=cursor, include_removed=True), CLERK
        )
        seen.extend(r for r in page.records if r.person_id in mine)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    keys = [(r.name.family_kana + r.name.given_kana, r.person_id) for r in seen]
    assert len(seen) == len(mine)
    assert keys == sorted(keys)
    assert date(1990, 1, 1) == seen[0].date_of_birth
