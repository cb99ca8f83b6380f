"""``jichi stats``: population tables, projection and backtest through the real Typer app."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from jichi.cli.main import app
from jichi.registry.tables import registry_event
from jichi.store import migrate
from jichi.store.engine import make_engine

runner = CliRunner()
LG = "112011"


def _db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'stats.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    rows = []
    for n in range(7):
        record = {
            "sex": "male" if n % 2 else "female",
            "date_of_birth": f"19{50 + n * 5}-04-01",
            "household_id": f"h{n // 2}",
            "address": {"town": "元町" if n < 4 else "新町"},
            "foreign": {"nationality": "ベトナム"} if n == 6 else None,
        }
        reason = "birth" if n == 0 else "move_in"
        day = date(2025, 6, 1) if n < 5 else date(2019, 1, 1)
        rows.append(
            {
                "event_id": str(uuid.uuid4()),
                "notification_id": str(uuid.uuid4()),
                "lg_code": LG,
                "person_id": str(uuid.uuid4()),
                "kind": "recorded",
                "reason": reason,
                "effective_date": day,
                "notified_date": day,
                "recorded_at": datetime(2025, 6, 1, tzinfo=UTC),
                "recorded_by": "t",
                "changes": record,
                "corrects": None,
                "late": False,
            }
        )
    with engine.begin() as conn:
        conn.execute(sa.insert(registry_event), rows)
    engine.dispose()
    return url


def test_population_json_csv_and_refusals(tmp_path: Path) -> None:
    url = _db(tmp_path)
    base = ["stats", "population", "--as-of", "2026-01-01", "--municipality", LG, "--url", url]
    result = runner.invoke(app, base)
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    values = body["areas"][0]["values"]
    assert values["total.total"] == 7 and values["households"] == 4
    assert values["move_in"] == 4 and values["birth"] is None  # 1 birth: hidden (< 3)
    assert body["areas"][0]["suppressed"]["birth"] == "primary"

    csv_run = runner.invoke(app, [*base, "--format", "csv", "--by", "town", "--threshold", "1"])
    assert csv_run.exit_code == 0, csv_run.output
    lines = csv_run.output.splitlines()
    assert lines[0].startswith("区域,性別,総数,0～4歳")
    assert {line.split(",")[0] for line in lines[1:]} == {"元町", "新町", "計"}

    cp932 = runner.invoke(
        app, [*base, "--format", "csv", "--table", "nationality", "--encoding", "cp932"]
    )
    assert cp932.exit_code == 0 and "国籍・地域" in cp932.output

    district = runner.invoke(app, [*base, "--by", "district"])
    assert district.exit_code == 1 and "STA-003" in district.output
    mapping = tmp_path / "d.csv"
    mapping.write_text("town,district\n元町,第1投票区\n新町,第2投票区\n", encoding="utf-8")
    by_district = runner.invoke(app, [*base, "--by", "district", "--districts", str(mapping)])
    areas = {a["area"] for a in json.loads(by_district.output)["areas"]}
    assert areas == {"第1投票区", "第2投票区", "計"}

    unknown = runner.invoke(app, [*base[:5], "999999", "--url", url])
    assert unknown.exit_code == 1 and "STA-002" in unknown.output
    bad_date = runner.invoke(
        app, ["stats", "population", "--as-of", "2026-13-01", "--municipality", LG, "--url", url]
    )
    assert bad_date.exit_code == 1 and "STA-001" in bad_date.output


def test_projection_and_backtest(tmp_path: Path) -> None:
    saved = tmp_path / "p.json"
    result = runner.invoke(
        app, ["stats", "projection", "--municipality", LG, "--save-parameters", str(saved)]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["steps"][0]["total"] == 353183 and body["steps"][-1]["year"] >= 2050
    again = runner.invoke(
        app, ["stats", "projection", "--municipality", LG, "--parameters", str(saved)]
    )
    assert json.loads(again.output)["steps"] == body["steps"]
    broken = tmp_path / "bad.json"
    broken.write_text("{}", encoding="utf-8")
    refused = runner.invoke(
        app, ["stats", "projection", "--municipality", LG, "--parameters", str(broken)]
    )
    assert refused.exit_code == 1 and "STA-004" in refused.output
    table = runner.invoke(app, ["stats", "backtest"])
    assert table.exit_code == 0 and "| 全体 | 1738 |" in table.output


def test_projection_from_the_registry_itself(tmp_path: Path) -> None:
    url = _db(tmp_path)
    args = ["stats", "projection", "--municipality", LG, "--registry-as-of", "2026-01-01"]
    result = runner.invoke(app, [*args, "--url", url])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["steps"][0]["total"] == 7 and body["steps"][0]["year"] == 2026.0
    assert body["parameters"] == "registry cohort change 2021-01-01→2026-01-01"
    assert body["source"] == "住民基本台帳" and body["steps"][-1]["year"] >= 2050


def test_compare_with_the_official_table(tmp_path: Path) -> None:
    url = _db(tmp_path)
    args = ["stats", "compare", "--as-of", "2026-01-01", "--municipality", LG, "--url", url]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["registry_population"] == 7 and body["official_population"] == 353183
    assert 0 < body["total_variation"] <= 1 and len(body["largest_gaps_points"]) == 5
    wrong = runner.invoke(app, [*args, "--official", "2020-01-01"])
    assert wrong.exit_code == 1 and "STA-002" in wrong.output
