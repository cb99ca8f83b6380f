"""``jichi funds subsidy FILE.json``: issue 13's contract, through the real Typer app."""

from __future__ import annotations

import copy
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from jichi.cli.main import app

runner = CliRunner()


def party(name: str, members: int, smd: str, pr: str, hoc_pr: list[str], hoc_d: list[str]) -> Any:
    return {
        "name": name,
        "members": members,
        "votes": {"hor_smd": smd, "hor_pr": pr, "hoc_pr": hoc_pr, "hoc_district": hoc_d},
    }


REQUEST: dict[str, Any] = {
    "population": "100000000",
    "yen_per_person": "250",
    "parties": [
        party("A", 300, "25000000", "20000000", ["18000000", "20000000"], ["22000000", "24000000"]),
        party("B", 150, "15000000", "12000000", ["14000000", "10000000"], ["13000000", "12000000"]),
        party("C", 50, "5000000", "8000000", ["8000000", "10000000"], ["5000000", "4000000"]),
        party("D", 0, "1000000", "1000000", ["1000000", "1000000"], ["1000000", "1000000"]),
    ],
}


def run(tmp_path: Path, body: Any) -> Any:
    path = tmp_path / "subsidy.json"
    path.write_text(body if isinstance(body, str) else json.dumps(body), encoding="utf-8")
    return runner.invoke(app, ["funds", "subsidy", str(path)])


def test_the_answer_has_exactly_the_contract_shape_and_values(tmp_path: Path) -> None:
    result = run(tmp_path, REQUEST)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {
        "total": "25000000000",
        "parties": [
            {"name": "A", "qualifies": True, "member_part": "7500000000",
             "vote_part": "59218750000/9", "amount": "14079861000"},
            {"name": "B", "qualifies": True, "member_part": "3750000000",
             "vote_part": "11679687500/3", "amount": "7643229000"},
            {"name": "C", "qualifies": True, "member_part": "1250000000",
             "vote_part": "18242187500/9", "amount": "3276909000"},
            {"name": "D", "qualifies": False, "member_part": "0", "vote_part": "0", "amount": "0"},
        ],
    }  # fmt: skip


def test_decimal_votes_and_census_population_stay_exact(tmp_path: Path) -> None:
    body = copy.deepcopy(REQUEST)
    body["population"] = "126146099"
    body["parties"][0]["votes"]["hor_smd"] = "25000000.5"
    out = json.loads(run(tmp_path, body).stdout)
    assert out["total"] == "31536524750"
    assert out["parties"][0]["member_part"] == "9460957425"
    parts = [Fraction(p["member_part"]) + Fraction(p["vote_part"]) for p in out["parties"]]
    assert sum(parts) == 31_536_524_750


def _without(key: str) -> dict[str, Any]:
    body = copy.deepcopy(REQUEST)
    del body["parties"][1]["votes"][key]
    return body


def _set(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    body = copy.deepcopy(REQUEST)
    target: Any = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return body


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ("{not json", "FND-001", "file"),
        (_without("hor_pr"), "FND-002", "parties[1].votes.hor_pr"),
        (_set(("population",), 126146099), "FND-003", "population"),
        (_set(("parties", 0, "votes", "hor_smd"), "-5"), "FND-003", "parties[0].votes.hor_smd"),
        (_set(("parties", 2, "members"), -1), "FND-004", "parties[2].members"),
        (_set(("parties", 0, "votes", "hoc_pr"), ["1"]), "FND-005", "parties[0].votes.hoc_pr"),
        (_set(("parties", 1, "name"), "A"), "FND-006", "parties"),
        (_set(("parties",), {}), "FND-007", "parties"),
        (_set(("parties",), []), "FND-010", "parties"),
    ],
)
def test_bad_input_exits_two_with_a_typed_error(
    tmp_path: Path, body: Any, code: str, field: str
) -> None:
    result = run(tmp_path, body)
    assert result.exit_code == 2
    assert result.stdout == ""
    error = json.loads(result.stderr)["error"]
    assert error["code"] == code and error["field"] == field
    assert error["message_ja"] and error["message_en"]


def test_a_missing_file_is_a_typed_error_too(tmp_path: Path) -> None:
    result = runner.invoke(app, ["funds", "subsidy", str(tmp_path / "absent.json")])
    assert result.exit_code == 2
    assert json.loads(result.stderr)["error"]["code"] == "FND-001"


CLEAN_REPORT: dict[str, Any] = {
    "organization_name": "さくら後援会",
    "organization_kind": "その他の政治団体",
    "year": 2026,
    "carried_over": 0,
    "income": {"donations": 1_600_000, "total": 1_600_000},
    "donors": [
        {
            "donor_id": "p1",
            "kind": "個人",
            "name": "山田花子",
            "address": "東京都",
            "occupation": "医師",
        }
    ],
    "donations": [{"donor_id": "p1", "amount": 1_600_000, "on": "2026-05-01"}],
    "expenditure_total": 0,
    "carried_forward": 1_600_000,
}


def test_check_prints_each_finding_at_its_line_and_exits_one_on_errors(tmp_path: Path) -> None:
    result = run_check(tmp_path, CLEAN_REPORT)
    assert result.exit_code == 1
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["code"] == "FND-042" and finding["line"] == "donations[0]"
    assert finding["severity"] == "error" and "22条" in finding["article"]
    body = copy.deepcopy(CLEAN_REPORT)
    body["income"] = {"donations": 1_500_000, "total": 1_500_000}
    body["donations"][0]["amount"] = 1_500_000
    body["carried_forward"] = 1_500_000
    ok = run_check(tmp_path, body)
    assert ok.exit_code == 0 and json.loads(ok.stdout) == {"findings": []}


def test_check_a_report_of_the_wrong_shape_exits_two(tmp_path: Path) -> None:
    body = copy.deepcopy(CLEAN_REPORT)
    body["donations"][0]["amount"] = -5
    result = run_check(tmp_path, body)
    assert result.exit_code == 2
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "FND-008" and error["field"] == "donations.0.amount"


def run_check(tmp_path: Path, body: Any) -> Any:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return runner.invoke(app, ["funds", "check", str(path)])


def test_official_valid_votes_decide_the_two_percent_test(tmp_path: Path) -> None:
    body = copy.deepcopy(REQUEST)
    body["parties"].append(
        party("E", 1, "0", "900000", ["0", "0"], ["0", "0"])
    )  # 900,000 of the listed parties' 41.9M HoR PR votes is 2.1 %; of 60M valid votes 1.5 %
    without = json.loads(run(tmp_path, body).stdout)["parties"][4]
    assert without["qualifies"] is True
    body["valid_votes"] = {
        "hor_smd": "60000000",
        "hor_pr": "60000000",
        "hoc_pr": ["60000000", "60000000"],
        "hoc_district": ["60000000", "60000000"],
    }
    with_official = json.loads(run(tmp_path, body).stdout)["parties"][4]
    assert with_official == {
        "name": "E",
        "qualifies": False,
        "member_part": "0",
        "vote_part": "0",
        "amount": "0",
    }
