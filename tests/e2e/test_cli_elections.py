"""The two ``jichi elections`` contracts: exact JSON shapes, exit 0; bad input exit 2."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from jichi.cli.elections import exact_string
from jichi.cli.main import app

runner = CliRunner()

TOKYO_2005 = {
    "blocks": [
        {
            "name": "東京都",
            "seats": 17,
            "parties": [
                {"name": "自民", "votes": "2665417", "eligible": 7},
                {"name": "民主", "votes": "1962225"},
                {"name": "公明", "votes": "820126"},
                {"name": "共産", "votes": "586017"},
                {"name": "社民", "votes": "300782"},
                {"name": "新党日本", "votes": "290027"},
            ],
        }
    ]
}


def run(tmp_path: Path, command: str, body: Any, *extra: str) -> tuple[int, Any]:
    path = tmp_path / "input.json"
    path.write_text(body if isinstance(body, str) else json.dumps(body), encoding="utf-8")
    result = runner.invoke(app, ["elections", command, str(path), *extra])
    return result.exit_code, json.loads(result.stdout)


def test_allocate_prints_the_documented_shape(tmp_path: Path) -> None:
    code, out = run(tmp_path, "allocate", TOKYO_2005)
    assert code == 0
    assert set(out) == {"rule", "blocks"} and out["rule"]["name"] == "dhondt"
    (block,) = out["blocks"]
    assert set(block) == {"name", "seats", "order", "passed_on", "lot_needed"}
    assert block["name"] == "東京都"
    assert block["seats"] == {"自民": 7, "民主": 6, "公明": 2, "共産": 1, "社民": 1, "新党日本": 0}
    assert block["passed_on"] == [{"from": "自民", "to": "社民", "rank": 16}]
    assert block["lot_needed"] == []
    assert len(block["order"]) == 17
    assert block["order"][0] == {"rank": 1, "party": "自民", "divisor": 1, "quotient": "2665417"}
    assert block["order"][-2:] == [
        {"rank": 17, "party": "民主", "divisor": 6, "quotient": "327037.5"},
        {"rank": 18, "party": "社民", "divisor": 1, "quotient": "300782"},
    ]
    jimin_7 = next(s for s in block["order"] if s["party"] == "自民" and s["divisor"] == 7)
    assert jimin_7["quotient"] == "2665417/7"
    assert Fraction(jimin_7["quotient"]) == Fraction(2665417, 7)


def test_allocate_keeps_apportioned_decimals_exact(tmp_path: Path) -> None:
    body = {
        "blocks": [
            {
                "name": "X",
                "seats": 2,
                "parties": [
                    {"name": "A", "votes": "694578.943"},
                    {"name": "B", "votes": "347289.4716"},
                ],
            }
        ]
    }
    code, out = run(tmp_path, "allocate", body)
    assert code == 0
    assert [s["quotient"] for s in out["blocks"][0]["order"]] == ["694578.943", "347289.4716"]
    assert out["blocks"][0]["seats"] == {"A": 1, "B": 1}
    body["blocks"][0]["parties"][1]["votes"] = "347289.4714"
    assert run(tmp_path, "allocate", body)[1]["blocks"][0]["seats"] == {"A": 2, "B": 0}
    body["blocks"][0]["parties"][1]["votes"] = "347289.4715"  # = A ÷ 2 exactly: a lot
    lot = run(tmp_path, "allocate", body)[1]["blocks"][0]["lot_needed"]
    assert lot[0]["quotient"] == "347289.4715" and lot[0]["seats"] == 1


def test_allocate_reports_a_tie_and_takes_a_recorded_lot(tmp_path: Path) -> None:
    block: dict[str, Any] = {
        "name": "南砺",
        "seats": 7,
        "parties": [
            {"name": n, "votes": v} for n, v in (("A", "1800"), ("B", "1500"), ("C", "1200"))
        ]
        + [{"name": "D", "votes": "900"}],
    }
    code, out = run(tmp_path, "allocate", {"blocks": [block]})
    assert code == 0
    assert out["blocks"][0]["lot_needed"] == [
        {
            "rank": 7,
            "quotient": "600",
            "seats": 1,
            "contenders": [{"party": "A", "divisor": 3}, {"party": "C", "divisor": 2}],
        }
    ]
    assert sum(out["blocks"][0]["seats"].values()) == 6
    block["lot"] = ["C"]
    code, out = run(tmp_path, "allocate", {"blocks": [block]})
    assert code == 0 and out["blocks"][0]["seats"]["C"] == 2


def test_apportion_prints_the_documented_shape(tmp_path: Path) -> None:
    body = {
        "candidates": [
            {"name": "延岡太郎", "clear_votes": 330},
            {"name": "延岡二郎", "clear_votes": 130},
        ],
        "ambiguous": [{"written": "延岡", "count": 10, "shared_by": ["延岡太郎", "延岡二郎"]}],
    }
    code, out = run(tmp_path, "apportion", body)
    assert code == 0
    assert out["rule"]["name"] == "per_share" and out["rule"]["places"] == 3
    assert out["candidates"] == [
        {
            "name": "延岡太郎",
            "clear_votes": 330,
            "apportioned": {"延岡": "7.173"},
            "total": "337.173",
        },
        {
            "name": "延岡二郎",
            "clear_votes": 130,
            "apportioned": {"延岡": "2.826"},
            "total": "132.826",
        },
    ]


def test_apportion_total_rule_option(tmp_path: Path) -> None:
    body = {
        "candidates": [
            {"name": "南砺太郎", "clear_votes": 1000},
            {"name": "南砺花子", "clear_votes": 500},
            {"name": "北陸太郎", "clear_votes": 100},
        ],
        "ambiguous": [
            {"written": "南砺", "count": 100, "shared_by": ["南砺太郎", "南砺花子"]},
            {"written": "太郎", "count": 50, "shared_by": ["南砺太郎", "北陸太郎"]},
        ],
    }
    assert run(tmp_path, "apportion", body)[1]["candidates"][0]["total"] == "1112.120"
    code, out = run(tmp_path, "apportion", body, "--total-rule", "exact_total")
    assert code == 0 and out["rule"]["name"] == "exact_total"
    assert out["candidates"][0]["total"] == "1112.121"


@pytest.mark.parametrize(
    ("command", "body", "code", "field"),
    [
        ("allocate", "not json", "ELE-006", "(file)"),
        ("allocate", {"blocks": {}}, "ELE-006", "blocks"),
        ("allocate", {"blocks": [{"name": "X", "seats": 0, "parties": []}]}, "ELE-003", None),
        (
            "allocate",
            {"blocks": [{"name": "X", "seats": 2, "parties": [{"name": "A", "votes": 1.5}]}]},
            "ELE-001",
            "blocks[0].parties[0].votes",
        ),
        (
            "allocate",
            {"blocks": [{"name": "X", "seats": 2, "parties": [{"name": "A", "votes": "1e3"}]}]},
            "ELE-001",
            None,
        ),
        (
            "allocate",
            {"blocks": [{"name": "X", "seats": 2, "parties": [{"name": "A", "votes": "-3"}]}]},
            "ELE-002",
            None,
        ),
        (
            "apportion",
            {
                "candidates": [{"name": "A", "clear_votes": 0}, {"name": "B", "clear_votes": 0}],
                "ambiguous": [{"written": "X", "count": 3, "shared_by": ["A", "B"]}],
            },
            "ELE-012",
            "ambiguous[0]",
        ),
        (
            "apportion",
            {
                "candidates": [{"name": "A", "clear_votes": 1}],
                "ambiguous": [{"written": "X", "count": 3, "shared_by": ["A", "Z"]}],
            },
            "ELE-010",
            None,
        ),
        ("apportion", {"candidates": [{"name": "A", "clear_votes": "1"}]}, "ELE-005", None),
        (
            "allocate",
            {"blocks": [{"name": "X", "seats": 1, "parties": []}] * 2},
            "ELE-004",
            "blocks",
        ),
    ],
)
def test_bad_input_is_a_typed_error_and_exit_2(
    tmp_path: Path, command: str, body: Any, code: str, field: str | None
) -> None:
    exit_code, out = run(tmp_path, command, body)
    assert exit_code == 2
    assert out["error"]["code"] == code
    assert out["error"]["message_ja"] and out["error"]["message_en"]
    if field is not None:
        assert out["error"]["field"] == field


def test_a_missing_file_is_ele_007_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["elections", "allocate", str(tmp_path / "none.json")])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["code"] == "ELE-007"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(5), "5"),
        (Fraction(655, 2), "327.5"),
        (Fraction(1, 3), "1/3"),
        (Fraction(-1, 8), "-0.125"),
    ],
)
def test_exact_strings_read_back_exactly(value: Fraction, text: str) -> None:
    assert exact_string(value) == text and Fraction(text) == value
