"""``jichi hub``: catalogue load (every problem at once), credentials, PIA, the demo, purge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from jichi.cli.main import app
from jichi.mynumber.hub.catalogue import ILLUSTRATIVE

runner = CliRunner()


@pytest.fixture
def db(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> str:
    url = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("JICHI_DATABASE_URL", url)
    monkeypatch.setenv("JICHI_HUB_KEY", "aHViLWNsaS10ZXN0LWtleS1odWItY2xpLXRlc3Qta2V5LTAx")
    return url


def test_the_bundled_catalogue_loads_and_the_demo_exchanges(db: str) -> None:
    loaded = runner.invoke(app, ["hub", "catalogue", "load", str(ILLUSTRATIVE)])
    assert loaded.exit_code == 0, loaded.output
    assert "illustrative-2026-12" in loaded.output
    shown = json.loads(runner.invoke(app, ["hub", "catalogue", "show"]).output)
    assert {a["id"] for a in shown["agencies"]} >= {"nenkin", "lg-112011"}
    demo = runner.invoke(app, ["hub", "exchange", "demo"])
    assert demo.exit_code == 0, demo.output
    result = json.loads(demo.output)
    assert result["exchange"]["result"] == "provided"
    assert result["tokens_differ"] is True
    assert [h["result"] for h in result["history"]] == ["provided"]
    credential = runner.invoke(app, ["hub", "credential", "jasso"])
    assert credential.exit_code == 0 and credential.output.startswith("jichi_hub_")
    portal = runner.invoke(app, ["hub", "credential", "--portal"])
    assert portal.exit_code == 0 and portal.output.startswith("jichi_hub_")
    assert portal.output != credential.output
    both = runner.invoke(app, ["hub", "credential", "jasso", "--portal"])
    assert both.exit_code != 0 and "どちらか一方" in both.output
    pia = runner.invoke(
        app,
        [
            "hub",
            "pia",
            "add",
            "jasso",
            "--affair",
            "scholarship",
            "--evaluated-on",
            "2025-04-01",
            "--valid-until",
            "2030-03-31",
        ],
    )
    assert pia.exit_code == 0, pia.output
    number = runner.invoke(
        app, ["hub", "request-number", "--agency", "jasso", "--lg-code", "112011"],
        input="00000000019\n",
    )  # fmt: skip
    assert number.exit_code == 0, number.output
    assert number.output.strip().splitlines()[-1].isdigit()
    assert "00000000019" not in number.output
    purged = runner.invoke(app, ["hub", "purge"])
    assert purged.exit_code == 0 and "0 件" in purged.output


def test_a_bad_catalogue_reports_every_problem_and_loads_nothing(db: str, tmp_path: Path) -> None:
    document = json.loads(ILLUSTRATIVE.read_text(encoding="utf-8"))
    document["agencies"][0]["provides"].append("no_such_item")
    document["affairs"][0]["requester"] = "nobody"
    document["affairs"][1]["requests"][0]["provider"] = "jasso"  # provides nothing
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["hub", "catalogue", "load", str(bad)])
    assert result.exit_code != 0
    assert result.output.count("HUB-001") >= 3
    assert "agencies[0].provides" in result.output
    assert "affairs[0].requester" in result.output
    assert "affairs[1].requests[0].item" in result.output
    empty = runner.invoke(app, ["hub", "catalogue", "show"])
    assert empty.exit_code != 0 and "HUB-003" in empty.output
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    result = runner.invoke(app, ["hub", "catalogue", "load", str(broken)])
    assert result.exit_code != 0 and "HUB-002" in result.output
