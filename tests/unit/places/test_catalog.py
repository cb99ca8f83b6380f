from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from jichi.kernel.errors import JichiError
from jichi.kernel.identifiers import IdKind, validate
from jichi.places import MUNICIPALITY, Catalog, CatalogDataError, Kind, default_catalog
from jichi.places.model import LocalGovernment

DATA = resources.files("jichi.places") / "data"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return default_catalog()


def names(found: list[LocalGovernment]) -> list[str]:
    return [lg.display_name for lg in found]


# ------------------------------------------------------------------ the data itself


def test_every_one_of_the_1965_codes_validates_through_the_kernel(catalog: Catalog) -> None:
    codes = [lg.code for lg in catalog]
    assert len(codes) == len(set(codes)) == 1965
    for code in codes:
        assert validate(IdKind.LG_CODE, code).value == code


def test_counts_match_what_the_ministry_publishes(catalog: Catalog) -> None:
    assert len(catalog.list(kind=Kind.PREFECTURE)) == 47
    assert len(catalog.list(kind=MUNICIPALITY)) == 1741
    assert len(catalog.list(kind=Kind.DESIGNATED_CITY_WARD)) == 171
    assert len(catalog.list(kind=Kind.DESIGNATED_CITY)) == 20
    assert len(catalog.list(kind=Kind.SPECIAL_WARD)) == 23
    assert sum(lg.northern_territories for lg in catalog) == 6
    # 1,718 市町村 = 792 市 (incl. 20 指定都市) + 743 町 + 183 村, without the 6 北方領土の村.
    municipalities = catalog.list(kind="municipality")
    assert sum(lg.kind in (Kind.CITY, Kind.DESIGNATED_CITY) for lg in municipalities) == 792
    assert sum(lg.kind is Kind.TOWN for lg in municipalities) == 743
    assert sum(lg.kind is Kind.VILLAGE for lg in municipalities) == 183


def test_the_list_is_in_code_order(catalog: Catalog) -> None:
    codes = [lg.code for lg in catalog.list()]
    assert codes == sorted(codes)


def test_readings_are_full_width_katakana_derived_from_the_published_half_width_kana(
    catalog: Catalog,
) -> None:
    gyoda = catalog.get("112062")
    assert gyoda.name_kana == "ｷﾞﾖｳﾀﾞｼ"
    assert gyoda.reading == "ギヨウダシ"
    assert catalog.get("011002").reading == "サッポロシ"
    for lg in catalog:
        assert all("\u30a0" <= c <= "\u30ff" for c in lg.reading), lg.code


def test_the_default_catalog_is_loaded_once_and_shared() -> None:
    assert default_catalog() is default_catalog()


def test_the_source_notes_carry_the_attribution_and_the_jpcity_licence() -> None:
    notes = (DATA / "SOURCE.md").read_text(encoding="utf-8")
    assert "出典：総務省ホームページ『全国地方公共団体コード』" in notes
    assert "を加工して作成" in notes
    assert "出典：政府統計の総合窓口(e-Stat)" in notes
    assert "Copyright (c) 2023 jpcity authors" in notes
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in notes


def test_the_change_history_is_bundled_with_its_header() -> None:
    history = (DATA / "municipality_code_changes_1970-2024.csv").read_text(encoding="utf-8")
    assert history.startswith("date,type,from_code,from_code5,")
    assert len(history.splitlines()) == 2804


def test_a_damaged_check_digit_in_the_bundled_data_fails_the_load(tmp_path: Path) -> None:
    text = (DATA / "local_government_codes.csv").read_text(encoding="utf-8")
    damaged = tmp_path / "codes.csv"
    damaged.write_text(text.replace("\n131016,", "\n131017,", 1), encoding="utf-8")
    with pytest.raises(CatalogDataError, match="131017"):
        Catalog(damaged)


def test_a_missing_row_in_the_bundled_data_fails_the_count_check(tmp_path: Path) -> None:
    lines = (DATA / "local_government_codes.csv").read_text(encoding="utf-8").splitlines()
    short = tmp_path / "codes.csv"
    short.write_text("\n".join(line for line in lines if not line.startswith("131016,")) + "\n")
    with pytest.raises(CatalogDataError, match="counts"):
        Catalog(short)


# ------------------------------------------------------------------ look-up by code


def test_a_six_digit_code_finds_chiyoda(catalog: Catalog) -> None:
    chiyoda = catalog.get("131016")
    assert (chiyoda.name, chiyoda.prefecture, chiyoda.kind) == (
        "千代田区",
        "東京都",
        "special_ward",
    )
    assert chiyoda.display_name == "東京都千代田区"
    assert chiyoda.is_municipality


@pytest.mark.parametrize("typed", ["13101", "１３１０１６", "１３１０１", "13-1016", "131 016"])
def test_five_digit_full_width_and_hyphenated_codes_are_normalised(
    catalog: Catalog, typed: str
) -> None:
    assert catalog.get(typed).code == "131016"


def test_an_unknown_but_well_formed_code_is_plc_001_with_status_404(catalog: Catalog) -> None:
    with pytest.raises(JichiError) as caught:
        catalog.get("99999")
    assert caught.value.code == "PLC-001"
    assert caught.value.http_status == 404
    assert "999997" in caught.value.message_ja


@pytest.mark.parametrize(
    ("typed", "code"),
    [("131017", "ID-004"), ("12", "ID-002"), ("13a016", "ID-003"), ("", "ID-001")],
)
def test_a_malformed_code_raises_the_kernel_identifier_error(
    catalog: Catalog, typed: str, code: str
) -> None:
    with pytest.raises(JichiError) as caught:
        catalog.get(typed)
    assert caught.value.code == code


def test_a_prefecture_is_named_by_itself_and_has_no_parent(catalog: Catalog) -> None:
    hokkaido = catalog.get("010006")
    assert hokkaido.name == hokkaido.display_name == "北海道"
    assert hokkaido.reading == "ホッカイドウ"
    assert hokkaido.parent_code is None
    assert catalog.parent_of(hokkaido) is None
    assert catalog.prefecture_of(hokkaido) is hokkaido
    assert not hokkaido.is_municipality


# ------------------------------------------------------------------ hierarchy


def test_sapporo_chuo_ward_has_sapporo_as_parent_and_hokkaido_as_prefecture(
    catalog: Catalog,
) -> None:
    ward = catalog.get("011011")
    assert ward.name == "札幌市中央区"
    assert ward.kind is Kind.DESIGNATED_CITY_WARD
    assert not ward.is_municipality
    parent = catalog.parent_of(ward)
    assert parent is not None and parent.name == "札幌市"
    assert parent.kind is Kind.DESIGNATED_CITY and parent.is_municipality
    assert catalog.prefecture_of(ward).name == "北海道"
    assert catalog.prefecture_of("011011").code == "010006"


def test_children_of_a_designated_city_are_its_wards(catalog: Catalog) -> None:
    wards = catalog.children("011002")
    assert len(wards) == 10
    assert all(w.kind is Kind.DESIGNATED_CITY_WARD for w in wards)


def test_children_of_tokyo_are_its_62_municipalities(catalog: Catalog) -> None:
    children = catalog.children("130001")
    assert len(children) == 62
    assert all(lg.is_municipality for lg in children)


def test_hamamatsu_has_its_three_wards_of_2024(catalog: Catalog) -> None:
    wards = {lg.code: lg.name for lg in catalog.children("221309")}
    assert wards == {"221384": "浜松市中央区", "221392": "浜松市浜名区", "221406": "浜松市天竜区"}


def test_northern_territory_villages_are_flagged_and_are_not_municipalities(
    catalog: Catalog,
) -> None:
    villages = [lg for lg in catalog if lg.northern_territories]
    assert [lg.code for lg in villages] == [
        "016951",
        "016969",
        "016977",
        "016985",
        "016993",
        "017001",
    ]
    assert all(lg.kind is Kind.VILLAGE and not lg.is_municipality for lg in villages)
    assert not set(villages) & set(catalog.list(kind=MUNICIPALITY))
    assert set(villages) <= set(catalog.list(kind=Kind.VILLAGE))


def test_kind_labels_are_the_japanese_terms() -> None:
    assert [k.label_ja for k in Kind] == [
        "都道府県",
        "政令指定都市",
        "行政区",
        "特別区",
        "市",
        "町",
        "村",
    ]


# ------------------------------------------------------------------ look-up by name


def test_sapporo_is_found_by_name_with_or_without_prefecture(catalog: Catalog) -> None:
    assert [lg.code for lg in catalog.find_by_name("札幌市")] == ["011002"]
    assert [lg.code for lg in catalog.find_by_name("北海道札幌市")] == ["011002"]
    assert [lg.code for lg in catalog.find_by_name("北海道 札幌市")] == ["011002"]


def test_fuchu_city_is_ambiguous_between_tokyo_and_hiroshima(catalog: Catalog) -> None:
    assert names(catalog.find_by_name("府中市")) == ["東京都府中市", "広島県府中市"]
    assert names(catalog.find_by_name("東京都府中市")) == ["東京都府中市"]


def test_date_city_exists_twice(catalog: Catalog) -> None:
    assert names(catalog.find_by_name("伊達市")) == ["北海道伊達市", "福島県伊達市"]


def test_every_local_government_is_found_by_its_own_name(catalog: Catalog) -> None:
    for lg in catalog:
        assert lg in catalog.find_by_name(lg.name)
        assert lg in catalog.find_by_name(lg.display_name)


def test_small_ke_and_large_ke_are_the_same_in_names(catalog: Catalog) -> None:
    assert [lg.code for lg in catalog.find_by_name("鎌ヶ谷市")] == ["122246"]
    assert [lg.code for lg in catalog.find_by_name("茅ケ崎市")] == ["142077"]


def test_an_unknown_name_finds_nothing(catalog: Catalog) -> None:
    assert catalog.find_by_name("存在しない市") == []


# ------------------------------------------------------------------ search


@pytest.mark.parametrize("reading", ["ぎょうだ", "ギョウダ", "ｷﾞｮｳﾀﾞ", "ぎようだし", "ｷﾞﾖｳﾀﾞｼ"])
def test_gyoda_is_found_by_its_reading_in_any_script(catalog: Catalog, reading: str) -> None:
    assert names(catalog.search(reading)) == ["埼玉県行田市"]


def test_a_reading_search_matches_the_start_of_the_reading(catalog: Catalog) -> None:
    found = catalog.search("さっぽろ")
    assert found[0].code == "011002"
    assert len(found) == 11  # the city and its 10 wards


def test_a_ward_is_found_by_the_reading_of_its_own_part(catalog: Catalog) -> None:
    found = names(catalog.search("ちゅうおうく"))
    assert "東京都中央区" in found
    assert "北海道札幌市中央区" in found
    assert "静岡県浜松市中央区" in found


def test_a_name_search_matches_any_part_of_the_name(catalog: Catalog) -> None:
    assert names(catalog.search("府中")) == ["東京都府中市", "広島県府中市", "広島県府中町"]


def test_a_name_search_may_start_with_the_prefecture(catalog: Catalog) -> None:
    assert names(catalog.search("東京都府中")) == ["東京都府中市"]


def test_an_empty_search_finds_nothing(catalog: Catalog) -> None:
    assert catalog.search("") == []
    assert catalog.search("\u3000 ") == []


# ------------------------------------------------------------------ list filters


@pytest.mark.parametrize("prefecture", ["13", "１３", 13, "130001", "東京都", "東京"])
def test_a_prefecture_is_given_by_code_or_name(catalog: Catalog, prefecture: str | int) -> None:
    assert len(catalog.list(prefecture=prefecture, kind="special_ward")) == 23


def test_listing_one_prefecture_includes_the_prefecture_itself(catalog: Catalog) -> None:
    found = catalog.list(prefecture="北海道")
    assert found[0].code == "010006"
    assert len(found) == 1 + 179 + 10 + 6


def test_an_unknown_prefecture_is_plc_002(catalog: Catalog) -> None:
    with pytest.raises(JichiError) as caught:
        catalog.list(prefecture="48")
    assert caught.value.code == "PLC-002"


def test_an_unknown_kind_is_plc_003(catalog: Catalog) -> None:
    with pytest.raises(JichiError) as caught:
        catalog.list(kind="ward")
    assert caught.value.code == "PLC-003"
