"""``jichi center``: agencies, tokens and code blocks from the command line."""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy import Engine
from typer.testing import CliRunner

from jichi.cli.main import app
from jichi.network.center.agencies import authenticate
from jichi.network.center.tables import center_agency_credential, center_resident_code


def test_agency_token_and_codes_from_the_cli(engine: Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    runner = CliRunner()
    added = runner.invoke(
        app,
        [
            "center", "agency", "add", "日本年金機構",
            "--legal-ground", "住民基本台帳法 別表第一",
            "--purpose", "年金給付の現況確認",
            "--item", "status",
            "--url", url,
        ],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    agency_id = added.stdout.strip()
    issued = runner.invoke(app, ["center", "agency", "token", agency_id, "--url", url])
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip()
    with engine.connect() as conn:
        assert authenticate(conn, token).items == ("status",)
        stored = conn.execute(sa.select(center_agency_credential.c.token_hash)).scalars().all()
    assert token not in stored and len(stored) == 1  # only the hash is kept
    listed = runner.invoke(app, ["center", "agency", "list", "--url", url])
    assert json.loads(listed.stdout)[0]["agency_id"] == agency_id
    assert token not in listed.stdout

    codes = runner.invoke(
        app, ["center", "codes", "allocate", "112011", "--count", "5", "--url", url]
    )
    assert codes.exit_code == 0, codes.output
    printed = codes.stdout.split()
    assert len(printed) == 5 and all(len(c) == 11 and c.isdigit() for c in printed)
    with engine.connect() as conn:
        assert set(conn.execute(sa.select(center_resident_code.c.resident_code)).scalars()) == set(
            printed
        )
    refused = runner.invoke(app, ["center", "codes", "allocate", "112012", "--url", url])
    assert refused.exit_code == 1
    assert "ID-004" in refused.output
    unknown = runner.invoke(app, ["center", "agency", "token", "nope", "--url", url])
    assert unknown.exit_code == 1 and "CEN-008" in unknown.output
