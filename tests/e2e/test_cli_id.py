from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from jichi.cli.main import app

runner = CliRunner()


def test_valid_individual_number_prints_valid_and_exits_zero() -> None:
    result = runner.invoke(app, ["id", "check", "mynumber", "123456789018"])
    assert result.exit_code == 0
    assert result.stdout.strip() == "valid"


def test_invalid_check_digit_exits_one_with_code_and_both_messages() -> None:
    result = runner.invoke(app, ["id", "check", "lgcode", "131017"])
    assert result.exit_code == 1
    assert "ID-004" in result.stderr
    assert "検査用数字" in result.stderr
    assert "check digit" in result.stderr


def test_json_output_has_kind_value_valid_and_error() -> None:
    result = runner.invoke(
        app, ["id", "check", "corporate", "７１２３４５６７８９０１２", "--json"]
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "kind": "corporate",
        "value": "7123456789012",
        "valid": True,
        "error": None,
        "warnings": [],
    }
    bad = runner.invoke(app, ["id", "check", "mynumber", "12345", "--json"])
    assert bad.exit_code == 1
    body = json.loads(bad.stdout)
    assert body["valid"] is False
    assert body["error"]["code"] == "ID-002"
    assert body["error"]["field"] == "mynumber"


def test_every_kind_is_accepted_by_the_cli() -> None:
    for kind, value in [
        ("mynumber", "123456789018"),
        ("lgcode", "011002"),
        ("corporate", "4011001098993"),
        ("residentcode", "12345678901"),
    ]:
        assert runner.invoke(app, ["id", "check", kind, value]).exit_code == 0


def test_unknown_kind_exits_one() -> None:
    result = runner.invoke(app, ["id", "check", "passport", "1"])
    assert result.exit_code == 1
    assert "ID-005" in result.stderr


def test_complete_computes_the_check_digit() -> None:
    assert runner.invoke(app, ["id", "complete", "lgcode", "13101"]).stdout.strip() == "131016"
    result = runner.invoke(app, ["id", "complete", "corporate", "123456789012"])
    assert result.stdout.strip() == "7123456789012"


def test_python_dash_m_jichi_lists_the_commands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "jichi", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("id", "era", "places", "db", "demo", "serve", "errors"):
        assert command in result.stdout
