"""``jichi counter``: the fee table (list, set by a supervisor) and the 日計表 as CSV."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from jichi.cli.main import app
from tests.e2e.test_cli_registry import db  # noqa: F401 (fixture)

runner = CliRunner()


def test_fees_are_listed_set_and_refused_when_wrong(db: str) -> None:  # noqa: F811
    listed = runner.invoke(app, ["counter", "fees", "list"])
    assert listed.exit_code == 0, listed.output
    rows = {r["kind"]: r for r in json.loads(listed.stdout)}
    assert rows["record_copy_personal"] == {
        "kind": "record_copy_personal",
        "label": "住民票の写し（個人票）",
        "fee_yen": 300,
        "example": True,
    }
    changed = runner.invoke(app, ["counter", "fees", "set", "record_copy_personal", "４００"])
    assert changed.exit_code == 0, changed.output
    again = {
        r["kind"]: r for r in json.loads(runner.invoke(app, ["counter", "fees", "list"]).stdout)
    }
    assert again["record_copy_personal"]["fee_yen"] == 400
    assert again["record_copy_personal"]["example"] is False
    bad = runner.invoke(app, ["counter", "fees", "set", "record_copy_personal", "1e3"])
    assert bad.exit_code != 0 and "CNT-005" in bad.output
    unknown = runner.invoke(app, ["counter", "fees", "set", "seal", "300"])
    assert unknown.exit_code != 0 and "CNT-005" in unknown.output


def test_the_daily_report_prints_csv_and_balances_on_an_empty_day(db: str) -> None:  # noqa: F811
    shown = runner.invoke(app, ["counter", "daily-report", "--day", "2026-12-03"])
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith("日計表,2026-12-03,112011") and "一致" in shown.stdout
    bad = runner.invoke(app, ["counter", "daily-report", "--day", "12/03"])
    assert bad.exit_code != 0 and "CNT-014" in bad.output
