"""Places in time, on the shipped data: real merger chains, a reused code, the counts.

Every expected value below was read off the bundled files (the 総務省 list and the e-Stat
change history); the published counts are quoted beside what the data gives.
"""

from __future__ import annotations

from datetime import date

import pytest

from jichi.kernel.errors import JichiError
from jichi.places import Kind, default_catalog
from jichi.places.history import History, Period, default_history


@pytest.fixture(scope="module")
def history() -> History:
    return default_history()


def held(history: History, code: str, on: str) -> Period:
    return history.as_of(code, date.fromisoformat(on))


def span(period: Period) -> tuple[str | None, str | None]:
    return (
        period.valid_from.isoformat() if period.valid_from else None,
        period.valid_to.isoformat() if period.valid_to else None,
    )


# ------------------------------------------------------------------ counts over time


@pytest.mark.parametrize(
    ("on", "published"),
    [
        # 総務省「市町村数の変遷」: 平成11年3月31日 3,232; 平成18年3月31日 1,821;
        # 平成22年3月31日 1,727; 令和6年1月1日 1,718 (1,741 with the 23 特別区).
        ("1999-03-31", 3232),
        ("2006-03-31", 1821),
        ("2010-03-31", 1727),
        ("2024-01-01", 1718),
    ],
)
def test_the_replayed_count_equals_the_published_figure(
    history: History, on: str, published: int
) -> None:
    counts = history.count(date.fromisoformat(on))
    assert counts.municipalities == published  # difference from the published figure: 0
    assert counts.special_wards == 23
    assert counts.with_special_wards == published + 23


def test_the_count_the_day_before_and_on_a_merger_day_differ_by_that_days_changes(
    history: History,
) -> None:
    # 2010-03-31, the last day of 平成の大合併's special law: four mergers took effect that
    # day (長岡市 absorbed 川口町, ...), so the count falls from 1,731 to 1,727 overnight.
    assert history.count(date(2010, 3, 30)).municipalities == 1731
    assert history.count(date(2010, 3, 31)).municipalities == 1727


def test_counts_over_time_agree_with_counting_each_day_directly(history: History) -> None:
    series = history.counts_over_time()
    assert series[0].on == history.start and series[-1].on == history.end
    assert [c.on for c in series] == sorted({c.on for c in series})
    for sample in series[:: len(series) // 40]:
        assert history.count(sample.on) == sample


def test_the_list_on_the_last_day_is_exactly_the_bundled_catalogue(history: History) -> None:
    then = history.list_as_of(history.end)
    assert [lg.code for lg in then] == sorted(lg.code for lg in default_catalog())


# ------------------------------------------------------------------ merger chains


def test_shingetsu_kushimoto_is_a_new_period_made_from_two_towns(history: History) -> None:
    # 2005-04-01 新設合併: 串本町 (304077) + 古座町 (304239) → 串本町 (304280).
    with pytest.raises(JichiError) as before:
        held(history, "304280", "2005-03-31")
    assert before.value.kind.code == "PLC-010"
    new = held(history, "304280", "2005-04-01")
    assert (new.place.name, span(new)) == ("串本町", ("2005-04-01", None))
    assert [(c.kind, c.before.code) for c in history.predecessors(new)] == [
        ("新設合併", "304077"),
        ("新設合併", "304239"),
    ]
    old = held(history, "304077", "2005-03-31")
    assert span(old) == (None, "2005-04-01")
    assert [c.after.code for c in history.successors(old)] == ["304280"]
    with pytest.raises(JichiError):
        held(history, "304077", "2005-04-01")


def test_hennyu_leaves_the_absorbing_city_running_and_lineage_walks_back(
    history: History,
) -> None:
    # さいたま市: 新設 2001-05-01 (浦和・大宮・与野), 指定都市 2003-04-01, 岩槻市を編入 2005-04-01.
    city = held(history, "111007", "2024-01-01")
    assert city.place.kind is Kind.DESIGNATED_CITY
    assert span(city) == ("2003-04-01", None)  # the 編入 did not end it
    assert held(history, "111007", "2005-03-31") is city
    made = [(str(c.on), c.kind, c.before.code) for c in history.predecessors(city)]
    assert made == [
        ("2005-04-01", "編入合併", "112135"),
        ("2003-04-01", "政令指定都市施行", "112445"),
    ]
    names = {p.place.name for p in history.lineage(city, forward=False)}
    assert {"浦和市", "大宮市", "与野市", "岩槻市"} <= names
    iwatsuki = held(history, "112135", "2005-03-31")
    assert city in history.lineage(iwatsuki, forward=True)


def test_a_code_reused_by_the_new_city_of_a_shinsetsu_is_two_periods(history: History) -> None:
    # 静岡市 222011: the old city and 清水市 made a new 静岡市 under the same code on
    # 2003-04-01; it became the designated city 221007 on 2005-04-01 and 222011 went out.
    old, new = history.periods_of("222011")
    assert (span(old), span(new)) == ((None, "2003-04-01"), ("2003-04-01", "2005-04-01"))
    assert old != new and old.place.name == new.place.name == "静岡市"
    assert held(history, "222011", "2003-03-31") == old
    assert held(history, "222011", "2003-04-01") == new
    assert {c.before.place.name for c in history.predecessors(new)} == {"静岡市", "清水市"}
    with pytest.raises(JichiError) as gone:
        held(history, "222011", "2005-04-01")
    assert gone.value.kind.code == "PLC-010" and gone.value.kind.http_status == 404
    designated = held(history, "221007", "2005-04-01")
    assert [c.before for c in history.predecessors(designated)] == [new]


def test_a_same_day_chain_is_followed_rename_then_city(history: History) -> None:
    # 2010-01-04: 三好町 → みよし町 (名称変更) → みよし市 232360 (市制施行), one day.
    town = held(history, "235211", "2010-01-03")
    assert town.place.name == "三好町"
    chain = [(p.code, p.place.name) for p in history.lineage(town, forward=True)]
    assert chain == [("235211", "みよし町"), ("232360", "みよし市")]
    assert held(history, "232360", "2010-01-04").place.kind is Kind.CITY
    with pytest.raises(JichiError):
        held(history, "235211", "2010-01-04")


def test_the_hosshi_gun_cross_product_pairs_only_same_named_towns(history: History) -> None:
    # 2005-03-01 鳳至郡 → 鳳珠郡: the file pairs every town with every town (and the 郡).
    anamizu = held(history, "174211", "2005-02-28")
    assert [(c.kind, c.after.code, c.after.place.name) for c in history.successors(anamizu)] == [
        ("郡の区域変更", "174611", "穴水町")
    ]
    monzen = held(history, "174629", "2005-03-01")
    assert [c.before.code for c in history.predecessors(monzen)] == ["174220"]


def test_a_row_the_file_repeats_is_one_edge(history: History) -> None:
    # 上九一色村 → 甲府市 (2006-03-01 編入合併) is in the file twice.
    kofu = held(history, "192015", "2006-03-01")
    assert [c.before.code for c in history.predecessors(kofu)] == ["193267", "193411"]


def test_a_day_before_the_history_is_refused(history: History) -> None:
    with pytest.raises(JichiError) as error:
        history.list_as_of(date(1970, 4, 19))
    assert error.value.kind.code == "PLC-011" and error.value.kind.http_status == 422
    assert held(history, "131016", "1970-04-20").place.name == "千代田区"


def test_list_as_of_filters_by_prefecture_and_kind_and_search_finds_old_names(
    history: History,
) -> None:
    on = date(2005, 3, 31)
    wakayama = history.list_as_of(on, prefecture="和歌山県", kind="town")
    assert {"串本町", "古座町"} <= {lg.name for lg in wakayama}
    assert all(lg.prefecture_code == "30" and lg.kind is Kind.TOWN for lg in wakayama)
    everyone = history.list_as_of(on)
    assert [lg.name for lg in history.search("古座", everyone)] == ["古座町", "古座川町"]
    # by reading: 小坂井町 (愛知県, 2010-02-01 豊川市へ編入) also reads コザ…
    by_reading = history.search("こざ", everyone)
    assert [lg.name for lg in by_reading] == ["小坂井町", "古座町", "古座川町"]
    later = history.search("こざ", history.list_as_of(date(2010, 2, 1)))
    assert [lg.name for lg in later] == ["古座川町"]  # 古座町 went into 串本町 in 2005


def test_okinawa_arrives_in_two_steps_as_the_file_dates_it(history: History) -> None:
    # 沖縄返還: the file dates 47 municipalities 1972-05-15 and 7 more (伊平屋村, 伊是名村 and
    # 宮古郡's five) 1972-06-07; before the reversion neither 沖縄県 nor 那覇市 answers.
    with pytest.raises(JichiError):
        held(history, "470007", "1972-05-14")
    assert held(history, "472018", "1972-05-15").place.name == "那覇市"
    okinawa = [
        len([lg for lg in history.list_as_of(date.fromisoformat(d), "47") if not lg.is_prefecture])
        for d in ("1972-05-14", "1972-05-15", "1972-06-07")
    ]
    assert okinawa == [0, 47, 54]
    assert held(history, "473596", "1972-06-07").place.name == "伊平屋村"
    with pytest.raises(JichiError):
        held(history, "473596", "1972-06-06")
