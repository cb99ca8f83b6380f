"""A year's filings in and the published data out, on both databases, through the CLI."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from jichi.cli.main import app
from jichi.funds.bulk import export_year, import_filings
from jichi.funds.organizations import OrganizationKind
from jichi.funds.publication import publish
from jichi.funds.reports import AnnualReport, Donation, Donor, DonorKind, Income
from jichi.security.actor import Actor

runner = CliRunner()


def report(name: str, amount: int, *, organization: str = "さくら後援会") -> dict[str, Any]:
    donor = Donor(
        donor_id="d1",
        kind=DonorKind.INDIVIDUAL,
        name=name,
        address="東京都千代田区霞が関1-2-3",
        occupation="会社員",
    )
    filing = AnnualReport(
        organization_name=organization,
        organization_kind=OrganizationKind.OTHER,
        year=2026,
        carried_over=0,
        income=Income(donations=amount, total=amount),
        donors=(donor,),
        donations=(Donation(donor_id="d1", amount=amount, on=date(2026, 4, 1)),),
        expenditure_total=0,
        carried_forward=amount,
    )
    return filing.model_dump(mode="json")


def line(org: str, body: dict[str, Any]) -> str:
    return json.dumps({"organization_id": org, "filed_on": "2027-03-01", "report": body})


def test_import_reports_each_line_and_a_rerun_changes_nothing(engine: Engine) -> None:
    lines = [
        line("org-1", report("𠮷田一郎", 100_000)),
        "{not json",
        line("org-2", report("山田花子", 1_500_001)),  # over the individual cap: refused
        "",
        json.dumps({"organization_id": "org-3", "filed_on": "someday", "report": {}}),
    ]
    first = [r.to_dict() for r in import_filings(engine, lines)]
    assert [(r["line"], r["status"]) for r in first] == [
        (1, "filed"),
        (2, "refused"),
        (3, "refused"),
        (5, "refused"),
    ]
    assert first[1]["error"]["code"] == "FND-072"
    assert first[2]["error"]["code"] == "FND-060"
    assert first[3]["error"]["field"] == "filed_on"
    again = [r.to_dict() for r in import_filings(engine, lines[:1])]
    assert again == [
        {"line": 1, "status": "unchanged", "organization_id": "org-1", "year": 2026, "version": 1}
    ]
    changed = import_filings(engine, [line("org-1", report("𠮷田一郎", 90_000))])
    assert [r.status for r in changed] == ["conflict"]
    with engine.connect() as conn:  # filed, not yet published: nothing to export
        (unpublished,) = [
            json.loads(b) for n, b in export_year(conn, 2026).items() if n.endswith(".json")
        ]
    assert unpublished["lines"] == []
    publish(engine, "org-1", 2026, 1, Actor("pref-clerk", "130001", "clerk"))
    with engine.connect() as conn:
        (json_doc,) = [
            json.loads(b) for n, b in export_year(conn, 2026).items() if n.endswith(".json")
        ]
    assert [x["amount"] for x in json_doc["lines"]] == [100_000]  # the conflict filed nothing


def test_export_files_check_with_sha256sum_and_open_in_excel_encodings(
    engine: Engine, tmp_path: Path
) -> None:
    import_filings(
        engine,
        [
            line("org-1", report("𠮷田一郎", 100_000)),
            line("org-2", report("=HYPERLINK(1)", 80_000, organization="もみじ会")),
        ],
    )
    for org in ("org-1", "org-2"):
        publish(engine, org, 2026, 1, Actor("pref-clerk", "130001", "clerk"))
    with engine.connect() as conn:
        files = export_year(conn, 2026)
    for name, body in files.items():
        (tmp_path / name).write_bytes(body)
    assert set(files) == {
        "funds_2026.json",
        "funds_2026_lines.csv",
        "funds_2026_totals.csv",
        "funds_2026_lines_cp932.csv",
        "funds_2026_totals_cp932.csv",
        "SHA256SUMS",
    }
    if shutil.which("sha256sum"):
        subprocess.run(
            ["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, check=True, capture_output=True
        )
    utf8 = files["funds_2026_lines.csv"]
    assert utf8.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(utf8.decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == ["𠮷田一郎", "'=HYPERLINK(1)"]
    assert rows[0]["address"] == "東京都千代田区"
    cp932 = files["funds_2026_lines_cp932.csv"].decode("cp932")
    assert "〓田一郎" in cp932 and "𠮷" not in cp932
    document = json.loads(files["funds_2026.json"])
    assert document["cp932_substituted"] == 1
    assert document["lines"][0]["name"] == "𠮷田一郎"  # JSON keeps the name as filed
    tampered = tmp_path / "funds_2026_lines.csv"
    tampered.write_bytes(utf8.replace(b"100000", b"100001"))
    if shutil.which("sha256sum"):
        failed = subprocess.run(
            ["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, capture_output=True
        )
        assert failed.returncode != 0


def test_the_cli_imports_and_exports(engine: Engine, tmp_path: Path) -> None:
    url = engine.url.render_as_string(hide_password=False)
    source = tmp_path / "filings.jsonl"
    source.write_text(line("org-1", report("髙橋花子", 120_000)) + "\n{bad\n", encoding="utf-8")
    result = runner.invoke(app, ["funds", "import", str(source), "--url", url])
    assert result.exit_code == 1, result.output
    body = json.loads(result.stdout)
    assert body["counts"] == {"filed": 1, "refused": 1}
    source.write_text(line("org-1", report("髙橋花子", 120_000)) + "\n", encoding="utf-8")
    rerun = runner.invoke(app, ["funds", "import", str(source), "--url", url])
    assert rerun.exit_code == 0 and json.loads(rerun.stdout)["counts"] == {"unchanged": 1}
    publish(engine, "org-1", 2026, 1, Actor("pref-clerk", "130001", "clerk"))
    out = tmp_path / "out"
    exported = runner.invoke(
        app, ["funds", "export", "--year", "2026", "--out", str(out), "--url", url]
    )
    assert exported.exit_code == 0, exported.output
    assert "髙橋花子" in (out / "funds_2026_lines_cp932.csv").read_bytes().decode("cp932")
    missing = runner.invoke(app, ["funds", "import", str(tmp_path / "none.jsonl"), "--url", url])
    assert missing.exit_code == 2


@pytest.mark.parametrize("depth", [10_000])
def test_a_deeply_nested_line_is_refused_not_a_crash(engine: Engine, depth: int) -> None:
    nested = (
        '{"organization_id": "o", "filed_on": "2027-03-01", "report": '
        + "[" * depth
        + "]" * depth
        + "}"
    )
    (result,) = import_filings(engine, [nested])
    assert result.status == "refused"
