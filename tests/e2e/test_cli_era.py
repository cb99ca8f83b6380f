from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from jichi.cli.main import app

runner = CliRunner()


def test_a_western_date_prints_the_wareki() -> None:
    result = runner.invoke(app, ["era", "2024-04-01"])
    assert result.exit_code == 0
    assert result.stdout.strip() == "令和6年4月1日"


@pytest.mark.parametrize("value", ["R6.4.1", "令和6年4月1日", "令和六年四月一日", "r06.04.01"])
def test_a_wareki_date_prints_the_iso_date(value: str) -> None:
    result = runner.invoke(app, ["era", value])
    assert result.exit_code == 0
    assert result.stdout.strip() == "2024-04-01"


def test_the_first_day_of_reiwa_prints_gannen() -> None:
    assert runner.invoke(app, ["era", "2019-05-01"]).stdout.strip() == "令和元年5月1日"
    assert runner.invoke(app, ["era", "2019-04-30"]).stdout.strip() == "平成31年4月30日"


def test_json_output_has_both_calendars_and_the_era() -> None:
    result = runner.invoke(app, ["era", "R6.4.1", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "input": "R6.4.1",
        "western": "2024-04-01",
        "wareki": "令和6年4月1日",
        "wareki_numeric": "R6.4.1",
        "era": "令和",
        "era_year": 6,
    }


def test_a_date_outside_its_era_exits_one_with_code_and_both_messages_on_stderr() -> None:
    result = runner.invoke(app, ["era", "平成31年5月1日"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "ERA-002" in result.stderr
    assert "令和元年5月1日" in result.stderr
    assert "Reiwa 1-05-01" in result.stderr


@pytest.mark.parametrize(
    ("value", "code"),
    [("tomorrow", "ERA-001"), ("令和6年2月30日", "ERA-003"), ("1872-12-31", "ERA-004")],
)
def test_each_kind_of_bad_value_exits_one_with_its_code(value: str, code: str) -> None:
    result = runner.invoke(app, ["era", value])
    assert result.exit_code == 1
    assert code in result.stderr


def test_json_error_goes_to_stdout_with_code_and_messages() -> None:
    result = runner.invoke(app, ["era", "令和6年2月30日", "--json"])
    assert result.exit_code == 1
    body = json.loads(result.stdout)
    assert body["input"] == "令和6年2月30日"
    assert body["error"]["code"] == "ERA-003"
    assert "2月30日" in body["error"]["message_ja"]
    assert body["error"]["message_en"].startswith("Reiwa 6-02-30")
