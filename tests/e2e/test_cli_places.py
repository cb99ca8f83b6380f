from __future__ import annotations

import json

from typer.testing import CliRunner

from jichi.cli.main import app

runner = CliRunner()

KEYS = {
    "code",
    "name",
    "reading",
    "prefecture",
    "prefecture_code",
    "kind",
    "kind_ja",
    "parent_code",
    "northern_territories",
}


def test_show_json_gives_chiyoda_in_tokyo_as_a_special_ward() -> None:
    result = runner.invoke(app, ["places", "show", "131016", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == KEYS
    assert data["name"] == "千代田区"
    assert data["prefecture"] == "東京都"
    assert data["kind"] == "special_ward"
    assert data["kind_ja"] == "特別区"
    assert data["reading"] == "チヨダク"
    assert data["parent_code"] == "130001"
    assert data["northern_territories"] is False


def test_show_accepts_a_five_digit_full_width_code() -> None:
    result = runner.invoke(app, ["places", "show", "１３１０１", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["code"] == "131016"


def test_show_of_a_prefecture_names_the_prefecture_and_has_no_parent() -> None:
    result = runner.invoke(app, ["places", "show", "130001", "--json"])
    data = json.loads(result.stdout)
    assert (data["name"], data["kind"], data["parent_code"]) == ("東京都", "prefecture", None)


def test_show_without_json_prints_a_table_with_the_full_name() -> None:
    result = runner.invoke(app, ["places", "show", "011011"])
    assert result.exit_code == 0, result.output
    assert "北海道札幌市中央区" in result.stdout
    assert "行政区" in result.stdout
    assert "北海道札幌市 (011002)" in result.stdout


def test_an_unknown_code_exits_one_with_plc_001_in_both_languages() -> None:
    result = runner.invoke(app, ["places", "show", "99999"])
    assert result.exit_code == 1
    assert "PLC-001" in result.stderr
    assert "見つかりません" in result.stderr
    assert "no local government has the code 999997" in result.stderr
    assert result.stdout == ""


def test_a_malformed_code_exits_one_with_the_identifier_error() -> None:
    result = runner.invoke(app, ["places", "show", "131017", "--json"])
    assert result.exit_code == 1
    assert "ID-004" in result.stderr
    assert result.stdout == ""


def test_list_of_municipalities_has_1741_entries() -> None:
    result = runner.invoke(app, ["places", "list", "--kind", "municipality", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data) == 1741
    assert all(set(item) == KEYS for item in data)
    assert not any(item["northern_territories"] for item in data)


def test_list_of_tokyo_special_wards_has_23_entries() -> None:
    result = runner.invoke(
        app, ["places", "list", "--prefecture", "13", "--kind", "special_ward", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data) == 23
    assert data[0]["name"] == "千代田区"


def test_list_takes_the_prefecture_by_name_and_prints_a_table() -> None:
    result = runner.invoke(app, ["places", "list", "--prefecture", "東京都", "--kind", "village"])
    assert result.exit_code == 0, result.output
    assert "青ヶ島村" in result.stdout
    assert "8 件" in result.stdout


def test_list_with_an_unknown_kind_exits_one_with_plc_003() -> None:
    result = runner.invoke(app, ["places", "list", "--kind", "ward"])
    assert result.exit_code == 1
    assert "PLC-003" in result.stderr


def test_list_with_an_unknown_prefecture_exits_one_with_plc_002() -> None:
    result = runner.invoke(app, ["places", "list", "--prefecture", "99"])
    assert result.exit_code == 1
    assert "PLC-002" in result.stderr


def test_search_finds_gyoda_by_its_reading_in_hiragana() -> None:
    result = runner.invoke(app, ["places", "search", "ぎょうだ", "--json"])
    assert result.exit_code == 0, result.output
    assert [item["code"] for item in json.loads(result.stdout)] == ["112062"]


def test_search_finds_both_fuchu_cities_by_name() -> None:
    result = runner.invoke(app, ["places", "search", "府中市"])
    assert result.exit_code == 0, result.output
    assert "132063" in result.stdout and "342084" in result.stdout


def test_search_without_hits_says_so_and_exits_zero() -> None:
    result = runner.invoke(app, ["places", "search", "存在しない"])
    assert result.exit_code == 0
    assert "該当する団体はありません" in result.stdout


# ------------------------------------------------------------------ --as-of (places in time)


def test_show_as_of_a_past_day_gives_the_same_json_shape_for_the_old_town() -> None:
    # 古座町 (304239) went into the new 串本町 on 2005-04-01; the 和暦 form is accepted.
    result = runner.invoke(app, ["places", "show", "304239", "--as-of", "H17.3.31", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == KEYS
    assert (data["name"], data["kind"], data["parent_code"]) == ("古座町", "town", "300004")


def test_show_as_of_names_predecessors_and_refuses_a_code_not_yet_made() -> None:
    made = runner.invoke(app, ["places", "show", "304280", "--as-of", "2005-04-01"])
    assert made.exit_code == 0, made.output
    assert "新設合併" in made.stdout and "古座町 (304239)" in made.stdout
    assert "2005-04-01 〜" in made.stdout
    early = runner.invoke(app, ["places", "show", "304280", "--as-of", "2005-03-31"])
    assert early.exit_code == 1
    assert "PLC-010" in early.output
    before = runner.invoke(app, ["places", "show", "131016", "--as-of", "昭和45年4月1日"])
    assert before.exit_code == 1 and "PLC-011" in before.output
    garbage = runner.invoke(app, ["places", "show", "131016", "--as-of", "someday"])
    assert garbage.exit_code == 1 and "ERA-001" in garbage.output


def test_list_as_of_gives_the_list_of_that_day_in_todays_json_shape() -> None:
    result = runner.invoke(
        app, ["places", "list", "--as-of", "1999-03-31", "--kind", "municipality", "--json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 3255  # 3,232 市町村 + 23 特別区 (北方領土の6村 are not municipalities)
    assert all(set(row) == KEYS for row in rows)
    assert "304239" in {row["code"] for row in rows}
    today = runner.invoke(app, ["places", "list", "--kind", "municipality", "--json"])
    assert len(json.loads(today.stdout)) == 1741


def test_list_as_of_a_prefecture_on_the_last_day_equals_the_list_without_it() -> None:
    with_date = runner.invoke(app, ["places", "list", "-p", "30", "--as-of", "R6.1.1", "--json"])
    without = runner.invoke(app, ["places", "list", "-p", "30", "--json"])
    assert with_date.exit_code == without.exit_code == 0
    assert json.loads(with_date.stdout) == json.loads(without.stdout)
