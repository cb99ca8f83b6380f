from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.web.app import create_app


def test_health_reports_the_database_and_schema_revision(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    body = client.get("/api/health").json()
    assert body["status"] == "ok"
    assert body["database"] == engine.dialect.name
    assert body["schema_revision"] is not None


def test_identifier_check_accepts_a_valid_number(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    response = client.post(
        "/api/identifiers/check", json={"kind": "lgcode", "value": "１３１０１６"}
    )
    assert response.status_code == 200
    assert response.json()["value"] == "131016"


def test_bad_identifier_is_problem_json_with_code_and_japanese_message(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    response = client.post(
        "/api/identifiers/check", json={"kind": "mynumber", "value": "123456789019"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "ID-004"
    assert "検査用数字" in body["message_ja"]
    assert "123456789019" not in response.text


def test_malformed_request_is_problem_json_not_a_500(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    response = client.post("/api/identifiers/check", json={"kind": "nope"})
    assert response.status_code == 422
    assert response.json()["code"] == "GEN-001"


def test_home_page_is_japanese_and_names_the_municipality(engine: Engine) -> None:
    client = TestClient(create_app(engine, municipality="131016"))
    response = client.get("/")
    assert response.status_code == 200
    assert 'lang="ja"' in response.text
    assert "東京都千代田区" in response.text


def test_places_api_shows_one_code_and_filters_the_list(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    chiyoda = client.get("/api/places/131016").json()
    assert (chiyoda["name"], chiyoda["prefecture"], chiyoda["kind"]) == (
        "千代田区",
        "東京都",
        "special_ward",
    )
    wards = client.get("/api/places", params={"prefecture": "13", "kind": "special_ward"}).json()
    assert len(wards) == 23
    assert len(client.get("/api/places", params={"kind": "municipality"}).json()) == 1741
    found = client.get("/api/places", params={"q": "ぎょうだ"}).json()
    assert [p["name"] for p in found] == ["行田市"]


def test_unknown_place_is_a_404_problem_and_malformed_is_422(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    missing = client.get("/api/places/999997")
    assert missing.status_code == 404 and missing.json()["code"] == "PLC-001"
    malformed = client.get("/api/places/13101x")
    assert malformed.status_code == 422 and malformed.json()["code"].startswith("ID-")


def test_era_api_converts_both_ways_and_rejects_a_day_outside_its_era(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    reiwa = client.get("/api/era", params={"value": "令和元年5月1日"}).json()
    assert reiwa["western"] == "2019-05-01" and reiwa["is_wareki_input"] is True
    heisei = client.get("/api/era", params={"value": "2019-04-30"}).json()
    assert heisei["wareki"] == "平成31年4月30日"
    bad = client.get("/api/era", params={"value": "平成31年5月1日"})
    assert bad.status_code == 422 and bad.json()["code"] == "ERA-002"
