"""``jichi elections districts import`` and ``roll build|extract|counts|diff`` end to end."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from typer.testing import CliRunner

from jichi.cli.main import app
from jichi.security import audit
from tests.integration.registry.conftest import ELSEWHERE, address, yamada_family

runner = CliRunner()
LG = "112011"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("JICHI_DATABASE_URL", url)
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    boot = runner.invoke(
        app,
        ["staff", "bootstrap", "--municipality", LG, "--staff", "admin"],
        input="admin-pw\nadmin-pw\n",
    )
    assert boot.exit_code == 0, boot.output
    added = runner.invoke(
        app,
        [
            "staff",
            "add",
            "suzuki",
            "--municipality",
            LG,
            "--role",
            "supervisor",
            "--staff",
            "admin",
        ],
        input="admin-pw\nsuzuki-pw\nsuzuki-pw\n",
    )
    assert added.exit_code == 0, added.output
    issued = runner.invoke(app, ["staff", "token", "--staff", "suzuki"], input="suzuki-pw\n")
    assert issued.exit_code == 0, issued.output
    monkeypatch.setenv("JICHI_STAFF_TOKEN", issued.stdout.strip())
    return url


def _move_in(tmp_path: Path, block: str) -> list[str]:
    notice = {
        "kind": "move_in",
        "effective_date": "2020-04-01",
        "notified_date": "2020-04-03",
        "address": address(block=block),
        "previous_address": ELSEWHERE,
        "persons": [
            {k: v for k, v in p.items() if k not in ("resident_code", "individual_number")}
            for p in yamada_family()
        ],
        # Families with the same names in other blocks, on purpose (the districts differ).
        "distinct_person_reason": "テスト: 別の番地の同姓同名の家族",
    }
    path = tmp_path / f"n{block}.jsonl"
    path.write_text(json.dumps(notice, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["registry", "apply", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return list(json.loads(result.stdout.splitlines()[0])["person_ids"])


def test_commands_need_a_credential(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JICHI_STAFF_TOKEN")
    result = runner.invoke(app, ["elections", "roll", "counts"])
    assert result.exit_code == 2 and json.loads(result.stdout)["error"]["code"] == "CLI-001"


def test_import_refuses_overlaps_with_all_rows(db: str, tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text(
        "code,name,town,block_from,block_to\n1,一,大字的場,1,10\n2,二,大字的場,5,20\n"
        "3,三,大字的場,30,40\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["elections", "districts", "import", str(path)])
    assert result.exit_code == 2
    body = json.loads(result.stdout)["error"]
    assert body["code"] == "ELE-017"
    assert [e["code"] for e in body["errors"]] == ["ELE-031", "ELE-032"]


def test_import_build_extract_counts_diff(db: str, tmp_path: Path) -> None:
    table = tmp_path / "d.csv"
    table.write_text(
        "code,name,town,block_from,block_to\nN,北投票区,大字的場,1,1\nS,南投票区,大字的場,2,\n",
        encoding="utf-8",
    )
    imported = runner.invoke(app, ["elections", "districts", "import", str(table)])
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout) == {"rows": 2, "districts": ["N", "S"]}
    north = _move_in(tmp_path, "1-2-3")  # 1丁目 → N

    built = runner.invoke(
        app, ["elections", "roll", "build", "2024-09-01", "--register", "periodic"]
    )
    assert built.exit_code == 0, built.output
    first = json.loads(built.stdout)
    assert first["registered"] == 2 and first["counts"]["live"] == 2  # the children are minors

    out = tmp_path / "n.csv"
    extract = runner.invoke(
        app,
        [
            *("elections", "roll", "extract", "--district", "N", "--format", "csv"),
            *("--encoding", "cp932", "--out", str(out), "--purpose", "縦覧"),
        ],
    )
    assert extract.exit_code == 0, extract.output
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("cp932"))))
    assert [(r["number"], r["name"]) for r in rows] == [
        ("1", "山田\u3000太郎"),
        ("2", "山田\u3000花子"),
    ]
    engine = create_engine(db)
    with engine.connect() as conn:
        logged = {pid: audit.entries_for_person(conn, pid, LG) for pid in north}
    read = [
        pid
        for pid, records in logged.items()
        if ("voter_roll.extract", "縦覧") in [(r.entry.action, r.entry.purpose) for r in records]
    ]
    assert len(read) == 2  # the two adults shown, each in their own access log

    pdf = tmp_path / "n.pdf"
    printed = runner.invoke(
        app, ["elections", "roll", "extract", "--format", "pdf", "--out", str(pdf)]
    )
    assert printed.exit_code == 0, printed.output
    assert pdf.read_bytes().startswith(b"%PDF") and json.loads(printed.stdout)["pages"] == 1

    counted = runner.invoke(app, ["elections", "roll", "counts"])
    assert counted.exit_code == 0, counted.output
    totals = {
        (r["district"], r["sex"], r["age_band"]): r["count"]
        for r in json.loads(counted.stdout)["counts"]
    }
    assert totals[("N", "計", "計")] == 2 and totals[("N", "female", "40-49")] == 1

    south = _move_in(tmp_path, "2-1-1")  # another family, same names, 2丁目 → S
    built2 = runner.invoke(
        app, ["elections", "roll", "build", "2025-03-01", "--register", "periodic"]
    )
    second = json.loads(built2.stdout)
    assert second["registered"] == 2, built2.output
    diffed = runner.invoke(
        app, ["elections", "roll", "diff", first["build_id"], second["build_id"]]
    )
    assert diffed.exit_code == 0, diffed.output
    changes = json.loads(diffed.stdout)["changes"]
    assert len(changes) == 2 and {c["person_id"] for c in changes} <= set(south)
    assert {(c["change"], c["district_after"], tuple(c["reasons"])) for c in changes} == {
        ("added", "S", ("periodic",))
    }

    as_csv = runner.invoke(
        app,
        ["elections", "roll", "diff", first["build_id"], second["build_id"], "--format", "csv"],
    )
    assert as_csv.exit_code == 0, as_csv.output
    lines = as_csv.stdout.splitlines()
    assert lines[0] == "person_id,change,reasons,rules,district_before,district_after,number_after"
    assert len(lines) == 3 and all(",added,periodic," in line for line in lines[1:])

    missing = runner.invoke(app, ["elections", "roll", "diff", first["build_id"], "nope"])
    assert missing.exit_code == 2 and json.loads(missing.stdout)["error"]["code"] == "ELE-034"
