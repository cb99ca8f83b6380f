"""``jichi elections`` on a database: define → tally ×2 → lot → declare → results."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from jichi.cli.main import app
from jichi.store import migrate
from jichi.store.engine import make_engine

runner = CliRunner()

ELECTION = {
    "election_id": "kawagoe-2026",
    "lg_code": "112011",
    "kind": "mayor",
    "district": "川越市",
    "seats": 1,
    "announced_on": "2026-10-20",
    "polling_day": "2026-10-27",
    "candidates": [
        {"candidate_id": "a", "name": "川越一郎"},
        {"candidate_id": "b", "name": "川越二郎"},
    ],
}


def invoke(*args: str) -> tuple[int, Any]:
    result = runner.invoke(app, ["elections", *args])
    try:
        return result.exit_code, json.loads(result.stdout)
    except json.JSONDecodeError:
        return result.exit_code, result.stdout


def write(tmp_path: Path, name: str, body: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_the_count_from_definition_to_results(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'e.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    db = ("--db", url)

    bad = dict(ELECTION, seats=0, lg_code="1", candidates=[{"candidate_id": "a", "name": ""}])
    code, body = invoke("define", write(tmp_path, "bad.json", bad), *db)
    assert code == 2 and body["error"]["code"] == "ELE-017" and len(body["error"]["errors"]) == 3

    assert invoke("define", write(tmp_path, "e.json", ELECTION), *db) == (
        0,
        {"election_id": "kawagoe-2026", "candidates": 2},
    )
    tally = write(tmp_path, "t.json", {"votes": {"a": 600, "b": 600}, "invalid": {"blank": 5}})
    other = write(tmp_path, "o.json", {"votes": {"a": 601, "b": 600}, "invalid": {"blank": 5}})
    base = ("kawagoe-2026",)
    code, body = invoke("tally", *base, tally, "--district", "01", "--staff", "s1", *db)
    assert code == 0 and body["reconciled"] is False
    code, body = invoke("tally", *base, other, "--district", "01", "--staff", "s2", *db)
    assert code == 2 and body["error"]["differences"] == [
        {"line": "candidate:a", "first": "600", "second": "601"}
    ]
    code, body = invoke("tally", *base, tally, "--district", "01", "--staff", "s2", *db)
    assert code == 0 and body["reconciled"] is True

    code, body = invoke("declare", *base, *db)
    assert body["elected"] == [] and body["lot_needed"] == {"candidates": ["a", "b"], "seats": 1}
    lot = ("--contender", "a", "--contender", "b", "--drawn", "b", "--by", "chief")
    assert invoke("lot", *base, *lot, *db)[0] == 0
    code, body = invoke("declare", *base, *db)
    assert body["elected"] == ["b"] and body["legal_threshold"] == "300"

    out = tmp_path / "r.csv"
    code, body = invoke("results", *base, "--format", "csv-cp932", "--out", str(out), *db)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("cp932"))))
    assert {(r["label"], r["votes"]) for r in rows if r["counting_district"] == "合計"} == {
        ("川越一郎", "600.000"),
        ("川越二郎", "600.000"),
        ("invalid:blank", "5.000"),
    }
    code, body = invoke("results", *base, "--as-of", "2000-01-01T00:00:00+09:00", *db)
    assert code == 0 and body["lines"] == []


def test_check_in_offline_and_replay_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    db = ("--db", url)
    assert invoke("define", write(tmp_path, "e.json", ELECTION), *db)[0] == 0
    for sid in ("s1", "s2"):
        assert (
            invoke("station", "kawagoe-2026", sid, "--name", sid, "--district", "01", *db)[0] == 0
        )
    person = ("--district", "01", "--sex", "female", "--born", "1990-01-01")
    at = ("--at", "2026-10-27T09:00:00+09:00")
    code, body = invoke(
        "checkin", "kawagoe-2026", "s1", "--voter", "v1", *person, "--clerk", "k1", *at, *db
    )
    assert code == 0 and body["accepted"] and body["double_vote_risk"] is False
    code, body = invoke(
        "checkin", "kawagoe-2026", "s2", "--voter", "v1", *person, "--clerk", "k2", *at, *db
    )
    assert code == 2 and body["first"]["station_id"] == "s1" and body["first"]["clerk_id"] == "k1"

    code, body = invoke("offline", "kawagoe-2026", "s2", *db)
    assert body == {"station_id": "s2", "station_offline": True, "double_vote_risk": True}
    voter = {"polling_district": "01", "sex": "male", "birth_date": "1980-05-05"}
    queue = [
        {"voter": {"voter_id": "v1", **voter}, "clerk_id": "k2", "at": "2026-10-27T09:10:00+09:00"},
        {"voter": {"voter_id": "v2", **voter}, "clerk_id": "k2", "at": "2026-10-27T09:11:00+09:00"},
    ]
    code, body = invoke("replay", "kawagoe-2026", "s2", write(tmp_path, "q.json", queue), *db)
    assert code == 0 and body["accepted"] == ["v2"] and body["double_votes_possible"] == 1
    assert body["conflicts"][0]["first_station_id"] == "s1"
    code, body = invoke(
        "checkin", "kawagoe-2026", "s2", "--voter", "v3", *person, "--clerk", "k2", *at, *db
    )
    assert body["station_offline"] is False and body["double_vote_risk"] is False
