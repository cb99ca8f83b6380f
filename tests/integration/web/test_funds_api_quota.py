"""The public funds API's rate limit and keys, on both databases.

Without a key a client address gets JICHI_FUNDS_PUBLIC_PER_MINUTE requests a minute; with
a key the authority issued, the key's own rate; over it, 429 SEC-031 with Retry-After and
the same problem+json as every other error.  A wrong or revoked key is refused (FND-100),
never quietly served at the anonymous rate.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from jichi.cli.main import app as cli
from jichi.funds import api_keys
from jichi.kernel.errors import JichiError
from jichi.security.rate_limit import request_quota, take
from jichi.web.app import create_app

LINES = "/api/funds/public/lines"


def test_without_a_key_the_address_gets_its_minute_then_429(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JICHI_FUNDS_PUBLIC_PER_MINUTE", "3")
    client = TestClient(create_app(engine))
    answers = [client.get(LINES) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers.get("X-RateLimit-Remaining") for a in answers[:3]] == ["2", "1", "0"]
    refused = answers[3]
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "SEC-031"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # The page (people reading) is not counted against the API's callers.
    assert client.get("/funds/search").status_code == 200


def test_a_key_has_its_own_rate_and_a_revoked_or_wrong_key_is_refused(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JICHI_FUNDS_PUBLIC_PER_MINUTE", "1")
    key = api_keys.issue(engine, "毎朝新聞 データ報道部", by="pref-clerk", per_minute=5)
    client = TestClient(create_app(engine))
    assert client.get(LINES).status_code == 200
    assert client.get(LINES).status_code == 429  # the address's one is used
    keyed = [client.get(LINES, headers={"X-API-Key": key}) for _ in range(6)]
    assert [a.status_code for a in keyed] == [200] * 5 + [429]
    assert keyed[0].headers["X-RateLimit-Limit"] == "5"
    wrong = client.get(LINES, headers={"X-API-Key": "jichi_pub_" + "x" * 43})
    assert (wrong.status_code, wrong.json()["code"]) == (401, "FND-100")
    assert api_keys.revoke(engine, key) is True
    revoked = client.get(LINES, headers={"X-API-Key": key})
    assert (revoked.status_code, revoked.json()["code"]) == (401, "FND-100")
    assert api_keys.revoke(engine, key) is False


def test_the_count_is_per_minute_and_old_minutes_are_dropped(engine: Engine) -> None:
    start = datetime(2026, 12, 3, 1, 2, 50, tzinfo=UTC)
    with engine.begin() as conn:
        for _ in range(2):
            take(conn, "t", "k", limit=2, now=start)
        with pytest.raises(JichiError) as refused:
            take(conn, "t", "k", limit=2, now=start + timedelta(seconds=5))
        assert refused.value.code == "SEC-031" and refused.value.params["seconds"] == 5
        usage = take(conn, "t", "k", limit=2, now=start + timedelta(seconds=15))
        assert usage.remaining == 1  # a new minute began at 01:03:00
        take(conn, "t", "other", limit=2, now=start)  # another caller is counted apart
        rows = conn.execute(
            sa.select(request_quota.c.key_hash, request_quota.c.used).order_by("key_hash")
        ).all()
    assert [tuple(r) for r in rows] == [("k", 1), ("other", 1)]


def test_issue_refuses_a_bad_holder_or_rate_and_stores_only_the_digest(engine: Engine) -> None:
    with pytest.raises(JichiError) as blank:
        api_keys.issue(engine, "  ", by="c")
    assert blank.value.code == "FND-101"
    with pytest.raises(JichiError) as rate:
        api_keys.issue(engine, "研究室", by="c", per_minute=0)
    assert rate.value.code == "FND-102"
    key = api_keys.issue(engine, "研究室", by="c")
    with engine.connect() as conn:
        stored = [tuple(r) for r in conn.execute(sa.text("SELECT * FROM funds_api_key"))]
    assert key not in repr(stored) and api_keys.digest(key) in repr(stored)
    assert [k["per_minute"] for k in api_keys.listed(engine)] == [600]


def test_the_cli_issues_lists_and_revokes_from_stdin(engine: Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    runner = CliRunner()
    issued = runner.invoke(cli, ["funds", "api-key", "issue", "研究室", "--by", "c", "--url", url])
    assert issued.exit_code == 0, issued.output
    key = json.loads(issued.output)["key"]
    listed = runner.invoke(cli, ["funds", "api-key", "list", "--url", url])
    assert key not in listed.output and json.loads(listed.output)["keys"][0]["holder"] == "研究室"
    revoked = runner.invoke(cli, ["funds", "api-key", "revoke", "--url", url], input=key + "\n")
    assert (revoked.exit_code, json.loads(revoked.output)) == (0, {"revoked": True})
    again = runner.invoke(cli, ["funds", "api-key", "revoke", "--url", url], input=key + "\n")
    assert again.exit_code == 1
