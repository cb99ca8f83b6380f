"""The supervisor's CLI: staff accounts, applying a JSON-lines file, show --as-of, search."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jichi.cli.main import app
from tests.conftest import PgDatabases
from tests.integration.registry.conftest import ELSEWHERE, address, yamada_family

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("JICHI_DATABASE_URL", url)
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    boot = runner.invoke(
        app,
        ["staff", "bootstrap", "--municipality", "112011", "--staff", "admin"],
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
            "112011",
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


def test_apply_reports_each_line_and_exits_one_when_any_is_rejected(
    db: str, tmp_path: Path
) -> None:
    good = {
        "kind": "move_in",
        "effective_date": "2020-04-01",
        "notified_date": "2020-04-03",
        "address": address(),
        "previous_address": ELSEWHERE,
        "persons": yamada_family(),
    }
    bad = {**good, "effective_date": "2999-01-01"}
    path = tmp_path / "notifications.jsonl"
    path.write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in (good, bad, {"kind": 1})),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["registry", "apply", str(path), "--json"])
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["accepted"] for line in lines] == [True, False, False]
    assert lines[1]["error"]["code"] == "REG-001"
    assert lines[2]["error"]["code"] == "GEN-001"
    person_id = lines[0]["person_ids"][0]

    shown = runner.invoke(app, ["registry", "show", person_id, "--as-of", "R2.4.1"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["address"]["block"] == "1-2-3"
    before = runner.invoke(app, ["registry", "show", person_id, "--as-of", "2020-03-31"])
    assert before.exit_code == 1 and "REG-003" in before.stderr

    found = runner.invoke(app, ["registry", "search", "--kana", "やまだ"])
    assert found.exit_code == 0
    assert len(found.stdout.splitlines()) == 4


def test_unknown_staff_is_refused(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JICHI_STAFF_TOKEN")
    path = tmp_path / "empty.jsonl"
    path.write_text("", encoding="utf-8")
    result = runner.invoke(app, ["registry", "apply", str(path), "--staff", "nobody"], input="x\n")
    assert result.exit_code == 2 and "CLI-002" in result.stderr


def test_a_token_is_issued_once_and_works(db: str) -> None:
    issued = runner.invoke(app, ["staff", "token", "--staff", "suzuki"], input="suzuki-pw\n")
    assert issued.exit_code == 0 and issued.stdout.strip().startswith("jichi_")


def test_db_commands_leave_no_connection_open_on_postgresql(pg_databases: PgDatabases) -> None:
    """``jichi db upgrade/current/downgrade`` dispose their engine: no ResourceWarning, no
    session left in pg_stat_activity for the database after the command."""
    import warnings

    import sqlalchemy as sa

    name = pg_databases.create()
    url = pg_databases.url(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        for args in (["upgrade"], ["current"], ["downgrade", "0016"], ["upgrade"]):
            result = runner.invoke(app, ["db", *args, "--url", url])
            assert result.exit_code == 0, result.output
    with pg_databases.admin.connect() as conn:
        left = conn.execute(
            sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
        ).scalar_one()
    assert left == 0


def apply_lines(tmp_path: Path, *notifications: dict[str, object]) -> list[dict[str, object]]:
    path = tmp_path / "clock.jsonl"
    path.write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in notifications), encoding="utf-8"
    )
    result = runner.invoke(app, ["registry", "apply", str(path), "--json"])
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_jichi_today_sets_the_date_the_cli_records_and_the_late_flag_follows_it(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    move_in = {
        "kind": "move_in",
        "effective_date": "2021-04-01",
        "address": address(),
        "previous_address": ELSEWHERE,
        "persons": yamada_family(),
    }
    monkeypatch.setenv("JICHI_TODAY", "2021-04-10")  # 9 days after: in time
    [first] = apply_lines(tmp_path, move_in)
    assert first["accepted"] is True and first["late"] is False
    shown = runner.invoke(app, ["registry", "show", str(first["person_ids"][0])])  # type: ignore[index]
    assert json.loads(shown.stdout)["moved_in_on"] == "2021-04-10"

    monkeypatch.setenv("JICHI_TODAY", "2021-04-20")  # 19 days after: late
    jiro = {**yamada_family()[0], "resident_code": "", "individual_number": ""}
    jiro["name"] = {**jiro["name"], "given": "次郎"}
    other = {**move_in, "address": address("5-5"), "persons": [jiro]}
    [second] = apply_lines(tmp_path, other)
    assert second["accepted"] is True and second["late"] is True

    monkeypatch.setenv("JICHI_TODAY", "2021-03-31")  # before the move: refused
    [third] = apply_lines(tmp_path, {**move_in, "address": address("6-6")})
    assert third["accepted"] is False
    codes = {e["code"] for e in third["error"]["errors"]}  # type: ignore[index]
    assert "REG-001" in codes


def test_show_recorded_by_a_date_without_offset_is_read_as_japan_time(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JICHI_TODAY", "2026-12-03")
    [line] = apply_lines(
        tmp_path,
        {
            "kind": "move_in",
            "effective_date": "2026-12-01",
            "address": address(),
            "previous_address": ELSEWHERE,
            "persons": yamada_family(),
        },
    )
    person_id = str(line["person_ids"][0])  # type: ignore[index]
    early = runner.invoke(app, ["registry", "show", person_id, "--recorded-by", "2026-12-03"])
    assert early.exit_code == 1 and "REG-003" in early.stderr  # midnight JST: not yet recorded
    late = runner.invoke(app, ["registry", "show", person_id, "--recorded-by", "2026-12-04"])
    assert late.exit_code == 0, late.output
    assert json.loads(late.stdout)["name"]["family"] == "山田"


def test_a_blank_line_object_reports_every_required_field(db: str, tmp_path: Path) -> None:
    [line] = apply_lines(tmp_path, {"kind": "move_in"})
    assert line["accepted"] is False
    fields = {e["field"] for e in line["error"]["errors"]}  # type: ignore[index]
    assert {"move_in.effective_date", "move_in.address", "move_in.persons"} <= fields
