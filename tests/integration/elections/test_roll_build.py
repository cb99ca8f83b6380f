"""Roll builds on SQLite and PostgreSQL: districts, numbers, extract, counts, diff, audit."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine

from jichi.elections import district_store, inspection, roll_build, roll_outputs, roll_store
from jichi.elections.districts import parse_csv
from jichi.elections.errors import ElectionInvalid
from jichi.elections.roll import Elector, build_roll, maintain
from jichi.elections.roll_pdf import render_html
from jichi.kernel.errors import JichiError
from jichi.registry.tables import resident
from jichi.security import audit
from jichi.security.actor import Actor
from jichi.security.keys import load_keys

LG = "112011"
CLERK = Actor(staff_id="sato", lg_code=LG, role="clerk")
TABLE = "code,name,town,block_from,block_to\n1,第一投票区,本町,1,100\n2,第二投票区,本町,101,\n"
BASE = date(2024, 9, 1)

PEOPLE = {
    # person: (family, given, sex, born, household, town, block)
    "a": ("山田", "太郎", "male", date(1980, 5, 5), "h1", "本町", "100番地"),
    "b": ("山田", "花子", "female", date(1982, 6, 6), "h1", "本町", "100番地"),
    "c": ("鈴木", "一郎", "male", date(1950, 1, 1), "h2", "本町", "101番地"),
    "d": ("𠮷田", "次郎", "male", date(2000, 2, 2), "h3", "本町", "5番地"),
    "e": ("佐藤", "三郎", "male", date(1990, 3, 3), "h4", "栄町", "1番地"),
}


def _residents(engine: Engine, who: list[str], restricted: tuple[str, ...] = ()) -> None:
    now = datetime.now(UTC)
    with engine.begin() as conn:
        for pid in who:
            family, given, sex, born, household, town, block = PEOPLE[pid]
            record = {
                "name": {"family": family, "given": given, "family_kana": "", "given_kana": ""},
                "address": {"town": town, "block": block, "building": ""},
            }
            conn.execute(
                resident.insert().values(
                    person_id=pid,
                    lg_code=LG,
                    status="active",
                    household_id=household,
                    relationship="世帯主",
                    name_key=family,
                    family_key=family,
                    kana_key="",
                    date_of_birth=born,
                    sex=sex,
                    address_key=town + block,
                    record=record,
                    restricted=pid in restricted,
                    version=1,
                    updated_at=now,
                )
            )


def _electors(who: list[str]) -> list[Elector]:
    return [Elector(pid, PEOPLE[pid][3], True, date(2020, 1, 1)) for pid in who]


def _register(engine: Engine, who: list[str], base: date = BASE) -> None:
    with engine.begin() as conn:
        roll_store.register(
            conn,
            LG,
            build_roll(_electors(who), base, periodic=True),
            registered_on=base,
            base_date=base,
            periodic=True,
        )


def _import(engine: Engine) -> None:
    with engine.begin() as conn:
        district_store.replace(conn, LG, parse_csv(TABLE))


def test_voter_in_no_district_is_reported_and_nothing_stored(engine: Engine) -> None:
    _residents(engine, ["a", "e"])
    _register(engine, ["a", "e"])
    _import(engine)
    with pytest.raises(JichiError) as raised, engine.begin() as conn:
        roll_build.build(conn, LG, BASE, built_by="sato")
    assert raised.value.code == "ELE-033" and raised.value.field == "person e"
    assert "栄町1番地" in raised.value.message_ja
    with engine.connect() as conn:
        assert roll_build.latest_builds(conn, LG) == []
        result = roll_build.build(conn, LG, BASE, built_by="sato", allow_unassigned=True)
        b = roll_build.get_build(conn, LG, result.build_id)
    assert result.unassigned == ("e",)
    assert {e.person_id: (e.district, e.number) for e in b.entries} == {
        "a": ("1", 1),
        "e": (None, None),
    }


def test_several_unassigned_come_at_once(engine: Engine) -> None:
    _residents(engine, ["a", "e"])
    _register(engine, ["a", "e"])
    with engine.begin() as conn:
        district_store.replace(conn, LG, parse_csv(TABLE.replace("本町,1,100", "北町,1,100")))
    with pytest.raises(ElectionInvalid) as raised, engine.connect() as conn:
        roll_build.build(conn, LG, BASE, built_by="sato")
    assert [e.field for e in raised.value.errors] == ["person a", "person e"]


def test_build_numbers_extract_counts_and_audit(engine: Engine) -> None:
    _residents(engine, ["a", "b", "c", "d"])
    _register(engine, ["a", "b", "c", "d"])
    _import(engine)
    key = load_keys().audit_key
    with engine.begin() as conn:
        result = roll_build.build(conn, LG, BASE, built_by="sato")
        b, lines, names = inspection.read_extract(
            conn, CLERK, key, result.build_id, district="1", purpose="縦覧"
        )
    assert result.counts == {"live": 4, "marked": 0, "struck": 0}
    # 5番地 before 100番地 (the boundary belongs to district 1); a household by age
    assert [(x.number, x.person_id) for x in lines] == [(1, "d"), (2, "a"), (3, "b")]
    assert names["1"] == "第一投票区"
    assert lines[1].name == "山田\u3000太郎" and lines[1].address == "本町100番地"

    with engine.connect() as conn:
        logged = {pid: audit.entries_for_person(conn, pid, LG) for pid in "abcd"}
    for pid in "dab":
        (entry,) = logged[pid]
        assert entry.entry.action == "voter_roll.extract"
        assert entry.entry.actor == "sato" and entry.entry.purpose == "縦覧"
        assert entry.mac is not None  # authenticated with the audit key
    assert logged["c"] == []  # not shown: district 2

    data = roll_outputs.extract_csv(lines, "utf-8").decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(data)))
    assert [r["number"] for r in rows] == ["1", "2", "3"] and rows[0]["name"] == "𠮷田\u3000次郎"
    with pytest.raises(JichiError) as raised:
        roll_outputs.extract_csv(lines, "cp932")  # 𠮷 has no CP932 code
    assert raised.value.code == "ELE-026" and raised.value.field == "lines[0].name"
    cp932 = roll_outputs.extract_csv(lines[1:], "cp932")
    assert "山田" in cp932.decode("cp932")

    html = render_html(lines, as_of=b.as_of, district_names=names)
    assert "第一投票区" in html and "山田\u3000太郎" in html and "令和6年9月1日" in html

    with engine.begin() as conn:
        rows_counted = inspection.read_counts(conn, CLERK, key, result.build_id)
    total = {(r["district"], r["sex"], r["age_band"]): r["count"] for r in rows_counted}
    assert total[("1", "計", "計")] == 3 and total[("2", "計", "計")] == 1
    assert total[("1", "male", "20-29")] == 1  # d, 24 on 2024-09-01
    assert total[("1", "female", "40-49")] == 1
    assert total[("2", "male", "70-79")] == 1


def test_diff_added_marked_struck_with_reasons(engine: Engine) -> None:
    _residents(engine, ["a", "b", "c", "d"])
    _register(engine, ["a", "b", "c"])
    _import(engine)
    key = load_keys().audit_key
    with engine.begin() as conn:
        first = roll_build.build(conn, LG, BASE, built_by="sato")
    later = date(2024, 12, 1)
    _register(engine, ["d"], later)
    moved = Elector("b", PEOPLE["b"][3], True, date(2020, 1, 1), moved_out_on=date(2024, 11, 1))
    dead = Elector("c", PEOPLE["c"][3], True, date(2020, 1, 1), died_on=date(2024, 11, 20))
    with engine.begin() as conn:
        roll_store.apply_maintenance(
            conn, LG, [maintain(moved, later), maintain(dead, later)], on=later
        )
        second = roll_build.build(conn, LG, later, built_by="sato")
        changes = inspection.read_diff(conn, CLERK, key, first.build_id, second.build_id)
    got = {c.person_id: (c.change, c.reasons) for c in changes}
    assert got == {
        "b": ("marked", ("moved_out",)),
        "c": ("struck", ("dead",)),
        "d": ("added", ("periodic",)),
    }
    rules = {c.person_id: c.rules for c in changes}
    assert rules["c"] == ("公職選挙法28条1号（死亡）",)
    assert "27条1項" in rules["b"][0]
    struck = next(c for c in changes if c.person_id == "c")
    assert struck.district_before == "2" and struck.number_after is None
    with engine.connect() as conn:
        assert [r.entry.action for r in audit.entries_for_person(conn, "d", LG)] == [
            "voter_roll.diff"
        ]
        assert audit.entries_for_person(conn, "a", LG) == []  # unchanged: not shown
    csv_text = roll_outputs.diff_csv(changes).decode("utf-8")
    assert "struck,dead,公職選挙法28条1号（死亡）,2,,\r\n" in csv_text


def test_unknown_build_is_typed(engine: Engine) -> None:
    with pytest.raises(JichiError) as raised, engine.connect() as conn:
        roll_build.get_build(conn, LG, "nope")
    assert raised.value.code == "ELE-034"


def test_import_replaces_the_table(engine: Engine) -> None:
    _import(engine)
    with engine.begin() as conn:
        district_store.replace(conn, LG, parse_csv("code,name,town\n9,全域,本町\n"))
    with engine.connect() as conn:
        table = district_store.load(conn, LG)
        assert district_store.load(conn, "999999") is None
    assert table is not None and table.names() == {"9": "全域"}
    assert table.district_of("本町", "5000番地") is not None


def test_restricted_persons_left_out_only_when_asked(engine: Engine) -> None:
    _residents(engine, ["a", "b"], restricted=("b",))
    _register(engine, ["a", "b"])
    key = load_keys().audit_key
    with engine.begin() as conn:
        built = roll_build.build(conn, LG, BASE, built_by="sato")
        _, every, _ = inspection.read_extract(conn, CLERK, key, built.build_id, district=None)
        _, shown, _ = inspection.read_extract(
            conn, CLERK, key, built.build_id, district=None, hide_restricted=True
        )
    assert [(x.district, x.number, x.person_id) for x in every] == [("1", 1, "a"), ("1", 2, "b")]
    assert [(x.number, x.person_id) for x in shown] == [(1, "a")]  # numbers unchanged
    with engine.connect() as conn:
        assert len(audit.entries_for_person(conn, "b", LG)) == 1  # only the read that showed b
