"""The home page: styled with the design tokens, today's date in JST in 和暦 and Western year."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.web.app import create_app


def test_home_page_uses_the_design_tokens(engine: Engine) -> None:
    response = TestClient(create_app(engine, municipality="112011")).get("/")
    assert response.status_code == 200
    assert '<link rel="stylesheet" href="/static/dads/tokens.css">' in response.text
    assert 'class="site-header"' in response.text and 'class="menu"' in response.text


def test_home_page_shows_the_configured_day_in_wareki_and_western_year(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JICHI_TODAY", "2019-05-01")
    response = TestClient(create_app(engine, municipality="112011")).get("/")
    assert '<time datetime="2019-05-01">令和元年5月1日（水）</time>' in response.text
    assert "西暦 2019年5月1日" in response.text
    assert "JICHI_TODAY" in response.text  # a fixed day says so
    assert "2019-05-01</dd>" not in response.text  # no bare ISO date any more


def test_home_page_without_a_fixed_day_does_not_claim_one(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JICHI_TODAY", raising=False)
    response = TestClient(create_app(engine)).get("/")
    assert "西暦 " in response.text and "日本時間" in response.text
    assert "JICHI_TODAY" not in response.text
