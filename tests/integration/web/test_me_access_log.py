"""The resident's own page lists every read of their data, searches and exports included.

A search, a restriction check and a CSV export used to name the people they showed only
inside ``detail`` (or not at all), so ``/me`` — which selects by ``subject_person_id`` —
never showed them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.registry import bulk
from jichi.registry.protection import Protection
from jichi.registry.queries import SearchQuery
from jichi.registry.resident_access import ResidentAccess
from jichi.registry.service import Registry
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from jichi.web.app import create_app
from tests.integration.registry.conftest import CLERK, LG, MoveIn, move_in  # noqa: F401

CIPHER = FieldCipher(Keys.derive(b"m" * 32))


@pytest.fixture
def registry(engine: Engine) -> Registry:
    """The real clock: the one-time code must still be valid when the page redeems it."""
    return Registry(engine, LG, CIPHER)


def test_the_residents_page_shows_searches_restriction_checks_and_exports(
    engine: Engine,
    registry: Registry,
    move_in: MoveIn,  # noqa: F811
    tmp_path: Path,
) -> None:
    taro = move_in().person_ids[0]
    assert taro in [r.person_id for r in registry.search(SearchQuery(kana="ヤマダ"), CLERK).records]
    Protection(registry).restrictions(taro, actor=CLERK)
    bulk.export_csv(engine, LG, tmp_path / "out.csv", CIPHER, actor="clerk-export")
    born = registry.read_record(taro, CLERK).date_of_birth.isoformat()
    code = ResidentAccess(registry).issue(taro, CLERK).code

    client = TestClient(create_app(engine, municipality=LG, cipher=CIPHER))
    form = client.get("/me/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    signed_in = client.post(
        "/me/login",
        data={"csrf_token": token.group(1), "code": code, "date_of_birth": born},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303, signed_in.text
    page = client.get("/me/").text
    assert "検索" in page
    assert "支援措置等の制限の確認" in page
    assert "住民データの一括出力（CSV）" in page and "clerk-export" in page
