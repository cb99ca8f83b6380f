"""投票区 table: 番地 ranges, overlaps and gaps refused with their rows, numbering order."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jichi.elections.district_store import DEFAULT_DISTRICT
from jichi.elections.districts import DistrictRow, DistrictTable, block_key, parse_csv
from jichi.elections.errors import ElectionInvalid
from jichi.elections.numbering import VoterPlace, assign
from jichi.kernel.errors import JichiError

HEADER = "code,name,town,block_from,block_to\n"


def test_block_key_reads_numbers_in_order() -> None:
    assert block_key("2丁目5番3号") == (2, 5, 3)
    assert block_key("1234番地5") == (1234, 5)
    assert block_key("１２番地") == (12,)  # full width
    assert block_key("三丁目4番") == (3, 4)
    assert block_key("無番地") == ()


def test_range_ends_are_inclusive_prefixes() -> None:
    table = parse_csv(HEADER + "1,第一,本町,1,100\n2,第二,本町,101,\n3,第三,栄町,,\n")
    assert table.district_of("本町", "100番地").code == "1"  # on the boundary
    assert table.district_of("本町", "100番地9").code == "1"  # under the prefix 100
    assert table.district_of("本町", "101番地").code == "2"
    assert table.district_of("本町", "99999番地").code == "2"  # open end
    assert table.district_of("栄町", "1丁目1番").code == "3"  # whole 町字
    assert table.district_of("緑町", "1番地") is None  # 町字 not in the table


def test_chome_ranges() -> None:
    table = parse_csv(HEADER + "1,北,中央,1丁目,2丁目\n2,南,中央,3丁目,\n")
    assert table.district_of("中央", "2丁目30番1号").code == "1"
    assert table.district_of("中央", "3丁目1番1号").code == "2"


def test_overlapping_ranges_refused_naming_both_rows() -> None:
    with pytest.raises(JichiError) as raised:
        parse_csv(HEADER + "1,第一,本町,1,100\n2,第二,本町,100,200\n")
    assert raised.value.code == "ELE-031"
    assert raised.value.message_ja.startswith("投票区表の2行目と3行目")


def test_gap_between_rows_refused() -> None:
    with pytest.raises(JichiError) as raised:
        parse_csv(HEADER + "1,第一,本町,1,100\n2,第二,本町,102,200\n")
    assert raised.value.code == "ELE-032"
    assert "2行目と3行目" in raised.value.message_ja


def test_every_error_at_once() -> None:
    text = HEADER + "1,第一,本町,1,100\n2,第二,本町,50,60\n,名無し,栄町,5,1\n4,,栄町,x,\n"
    with pytest.raises(ElectionInvalid) as raised:
        parse_csv(text)
    codes = [(e.code, e.field) for e in raised.value.errors]
    assert ("ELE-030", "line 4.code") in codes
    assert ("ELE-030", "line 4.block_to") in codes  # ends before it starts
    assert ("ELE-030", "line 5.name") in codes
    assert ("ELE-030", "line 5.block_from") in codes


def test_same_code_two_names_refused() -> None:
    with pytest.raises(JichiError) as raised:
        parse_csv(HEADER + "1,第一,本町,,\n1,第壱,栄町,,\n")
    assert raised.value.code == "ELE-030" and raised.value.field == "line 3.name"


def test_header_must_name_columns() -> None:
    with pytest.raises(JichiError) as raised:
        parse_csv("a,b\n1,2\n")
    assert raised.value.code == "ELE-030" and raised.value.field == "line 1"


def _voter(pid: str, town: str, block: str, household: str = "h", born: int = 1980) -> VoterPlace:
    return VoterPlace(pid, town, block, "", household, date(born, 1, 1))


def test_numbers_follow_table_then_address_then_household_then_age() -> None:
    table = parse_csv(HEADER + "B,二区,栄町,,\nA,一区,本町,1,50\nB,二区,本町,51,\n")
    voters = [
        _voter("p1", "本町", "60番地", "h2", 1990),
        _voter("p2", "栄町", "3番地", "h1", 1970),
        _voter("p3", "本町", "10番地", "h3"),
        _voter("p4", "本町", "60番地", "h2", 1960),
        _voter("p5", "本町", "9番地", "h4"),
        _voter("p6", "西町", "1番地"),
    ]
    placed, unassigned = assign(voters, table, DEFAULT_DISTRICT)
    got = [(a.district, a.number, a.person_id) for a in placed]
    # district B first (its first row is line 2): 栄町 (line 2) before 本町 51- (line 4)
    assert got == [
        ("B", 1, "p2"),
        ("B", 2, "p4"),  # same household: older first
        ("B", 3, "p1"),
        ("A", 1, "p5"),  # 9番地 before 10番地: by number, not text
        ("A", 2, "p3"),
    ]
    assert [v.person_id for v in unassigned] == ["p6"]


def test_no_table_means_one_district() -> None:
    placed, unassigned = assign([_voter("x", "", "1番地")], None, DEFAULT_DISTRICT)
    assert [(a.district, a.number) for a in placed] == [("1", 1)] and unassigned == []


@st.composite
def covering_tables(draw: st.DrawFn) -> tuple[DistrictTable, list[str]]:
    """A table that covers each of its 町字 from the first 番地 to the last, cut anywhere."""
    towns = draw(
        st.lists(
            st.sampled_from(["本町", "栄町", "緑町", "大字東"]), min_size=1, max_size=4, unique=True
        )
    )
    rows = []
    line = 2
    for town in towns:
        cuts = sorted(draw(st.sets(st.integers(1, 500), max_size=5)))
        starts = ["", *[str(c + 1) for c in cuts]]
        ends = [*[str(c) for c in cuts], ""]
        for start, end in zip(starts, ends, strict=True):
            code = str(draw(st.integers(1, 4)))
            rows.append(DistrictRow(line, code, f"第{code}投票区", town, start, end))
            line += 1
    return DistrictTable.of(rows), towns


@given(
    covering_tables(),
    st.lists(st.tuples(st.integers(0, 3), st.integers(1, 600), st.integers(0, 30)), max_size=40),
)
def test_every_voter_in_exactly_one_district(
    drawn: tuple[DistrictTable, list[str]], addresses: list[tuple[int, int, int]]
) -> None:
    table, towns = drawn
    voters = [
        _voter(f"p{i}", towns[t % len(towns)], f"{lot}番地{sub}" if sub else f"{lot}番地")
        for i, (t, lot, sub) in enumerate(addresses)
    ]
    for v in voters:
        matching = [r for r in table.rows if r.contains(v.town, v.block)]
        assert len(matching) == 1
    placed, unassigned = assign(voters, table, DEFAULT_DISTRICT)
    assert unassigned == []
    assert sorted(a.person_id for a in placed) == sorted(v.person_id for v in voters)
    by_district: dict[str, list[int]] = {}
    for a in placed:
        by_district.setdefault(a.district, []).append(a.number)
    for numbers in by_district.values():
        assert numbers == list(range(1, len(numbers) + 1))  # 1..n, no gaps, no repeats


@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(1, 60)), st.one_of(st.none(), st.integers(1, 60))
        ),
        min_size=1,
        max_size=5,
    )
)
def test_a_table_is_accepted_exactly_when_no_lot_is_doubled_or_skipped(
    ranges: list[tuple[int | None, int | None]],
) -> None:
    rows = [
        DistrictRow(
            i + 2,
            str(i),
            f"第{i}区",
            "本町",
            "" if lo is None else str(lo),
            "" if hi is None else str(hi),
        )
        for i, (lo, hi) in enumerate(ranges)
    ]
    spans = [(lo or 1, hi or 61) for lo, hi in ranges]
    if any(lo > hi for lo, hi in spans):
        return  # a reversed range is ELE-030, tested above
    lots = range(1, 62)
    holders = {lot: [r for r in rows if r.contains("本町", f"{lot}番地")] for lot in lots}
    doubled = any(len(h) > 1 for h in holders.values())
    covered = [lot for lot in lots if holders[lot]]
    skipped = any(not holders[lot] for lot in range(min(covered), max(covered) + 1))
    try:
        table = DistrictTable.of(rows)
    except JichiError as error:
        codes = {e.code for e in getattr(error, "errors", [error])}
        assert codes <= {"ELE-031", "ELE-032"}
        assert ("ELE-031" in codes) == doubled
        assert ("ELE-032" in codes) == skipped
        return
    assert not doubled and not skipped
    for lot in lots:
        found = table.district_of("本町", f"{lot}番地")
        assert found == (holders[lot][0] if holders[lot] else None)
