"""Issue 9 item 5: what a user can send is a typed 4xx, never a 500 (both databases).

Each test here is one defect seen on main: it failed there (a 500, an exception in the
test client, or a wrong answer) and passes now.
"""

from __future__ import annotations

import base64
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.kernel.identifiers import individual_number_check_digit
from jichi.web.center.app import create_center_app
from jichi.web.limits import DEFAULT_MAX_BODY
from tests.integration.registry.conftest import CLERK
from tests.integration.web.signed_in import Counter, counter, post_pairs, sign_in

BASE = "12345678901"
MY_NUMBER = BASE + str(individual_number_check_digit(BASE))


@pytest.fixture
def app(engine: Engine) -> Counter:
    return counter(engine)


def move_in(app: Counter, **extra: str) -> dict[str, str]:
    token = sign_in(app.client)
    return {
        "csrf_token": token,
        "effective_date": "2026-11-20",
        "notified_date": "2026-11-20",
        "address.town": "大字的場",
        "address.block": "1-2-3",
        "persons.0.name.family": "佐藤",
        "persons.0.name.given": "一郎",
        "persons.0.date_of_birth": "1980-04-02",
        "persons.0.sex": "male",
        "persons.0.relationship": "世帯主",
        **extra,
    }


def test_a_row_count_in_superscript_digits_is_the_default_not_a_500(app: Counter) -> None:
    data = move_in(app, person_rows="²", action="add_person")
    response = app.client.post("/counter/notifications/move_in", data=data)
    assert response.status_code == 200
    data = move_in(
        app,
        card_person="²",
        action="card",
        card='{"name": "山田 花", "date_of_birth": "1990-01-01"}',
    )
    response = app.client.post("/counter/notifications/move_in", data=data)
    assert response.status_code < 500


def test_a_name_that_is_also_a_parent_is_refused_with_every_problem(app: Counter) -> None:
    data: list[tuple[str, str | bytes]] = [
        *move_in(app).items(),
        ("address", "x"),
        ("persons.0.name.family", "again"),
        ("a[b]", "1"),
    ]
    response = post_pairs(app.client, "/counter/notifications/move_in", data)
    assert response.status_code == 422
    assert "<form" in response.text  # shown at the form's inputs, not on an error page
    assert "（address）" in response.text  # parent and child both sent
    assert "同じ項目（persons.0.name.family）" in response.text
    assert "（a[b]）" in response.text


def test_a_huge_row_index_is_refused_without_building_a_list(app: Counter) -> None:
    data = move_in(app, **{"persons.99999999.name.family": "x"})
    response = app.client.post("/counter/notifications/move_in", data=data)
    assert response.status_code == 422
    assert "この画面にない項目（persons.99999999.name.family）" in response.text


def test_deeply_nested_card_json_is_a_card_error(app: Counter) -> None:
    data = move_in(app, action="card", card="[" * 50_000)
    response = app.client.post("/counter/notifications/move_in", data=data)
    assert response.status_code < 500
    assert "カードの内容を読み取れません" in response.text


def test_the_year_9999_is_an_error_at_its_field(app: Counter) -> None:
    data = move_in(app, **{"effective_date": "9999-12-31", "persons.0.date_of_birth": "9999-12-31"})
    response = app.client.post("/counter/notifications/move_in", data=data)
    assert response.status_code == 422
    assert "1868年から2200年までの日付" in response.text


def test_a_lone_surrogate_in_a_cursor_is_an_invalid_cursor(app: Counter) -> None:
    raw = json.dumps(["\ud800", "x"]).encode()  # ensure_ascii: the escape survives
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    response = app.client.post(
        "/api/registry/residents/search", json={"kana": "ヤ", "cursor": cursor}, headers=app.bearer
    )
    assert response.status_code == 422 and response.json()["field"] == "cursor"


def test_a_huge_before_is_refused_not_sent_to_the_database(app: Counter) -> None:
    sign_in(app.client)
    response = app.client.get("/counter/audit", params={"before": "9" * 30})
    assert response.status_code == 422
    assert app.client.get("/counter/audit", params={"before": "5"}).status_code == 200


def test_a_nul_in_the_login_form_is_a_form_error(app: Counter) -> None:
    token = sign_in(app.client)
    app.client.post("/counter/logout", data={"csrf_token": token})
    page = app.client.get("/counter/login").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = app.client.post(
        "/counter/login", data={"csrf_token": token, "staff_id": "ito\x00", "password": "x\x00"}
    )
    assert response.status_code == 422 and "TXT-010" not in response.text
    assert "制御文字" in response.text


def test_a_nul_in_a_query_string_or_json_body_is_refused(app: Counter) -> None:
    response = app.client.get("/counter/audit", params={"person_id": "a\x00"})
    assert response.status_code == 400 and response.json()["code"] == "WEB-023"
    response = app.client.post(
        "/api/registry/residents/search", json={"name": "山\u0000田"}, headers=app.bearer
    )
    assert response.status_code == 422 and response.json()["code"] == "WEB-025"


def test_the_date_of_birth_search_finds_the_person(app: Counter) -> None:
    token = sign_in(app.client)
    record = app.registry.read_record(app.person_id, CLERK, purpose="テスト")
    born = record.date_of_birth.isoformat()
    response = app.client.post("/counter/search", data={"csrf_token": token, "date_of_birth": born})
    assert response.status_code == 200
    assert record.name.family in response.text


def test_a_my_number_in_a_note_is_refused_at_the_note(app: Counter) -> None:
    grouped = f"{MY_NUMBER[:4]}－{MY_NUMBER[4:8]}－{MY_NUMBER[8:]}".translate(
        {ord(d): ord("０") + int(d) for d in "0123456789"}
    )
    data = move_in(app, note=f"番号は {grouped} です")
    response = app.client.post("/counter/notifications/move_in", data=data)
    assert response.status_code == 422
    assert "個人番号（マイナンバー）を書かないでください" in response.text


def test_the_read_purpose_travels_in_a_post_body(app: Counter) -> None:
    url = f"/api/registry/residents/{app.person_id}/read"
    ok = app.client.post(url, json={"purpose": "窓口での照会"}, headers=app.bearer)
    assert ok.status_code == 200 and ok.json()["person_id"] == app.person_id
    bad = app.client.post(url, json={"purpose": f"番号 {MY_NUMBER}"}, headers=app.bearer)
    assert bad.status_code == 422 and bad.json()["code"] == "TXT-015"
    assert bad.json()["field"] == "purpose" and MY_NUMBER not in bad.text
    schema = app.client.get("/openapi.json").json()
    parameters = schema["paths"]["/api/registry/residents/{person_id}"]["get"]["parameters"]
    assert "purpose" not in {p["name"] for p in parameters}


def test_a_body_over_the_limit_is_413_before_parsing(app: Counter) -> None:
    token = sign_in(app.client)
    response = app.client.post(
        "/counter/search",
        content=b"csrf_token=" + token.encode() + b"&name=" + b"a" * (DEFAULT_MAX_BODY + 1),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413 and response.json()["code"] == "WEB-022"


def test_the_center_refuses_a_stranger_before_reading_the_body(engine: Engine) -> None:
    client = TestClient(create_center_app(engine, hot_path=False))
    items = ",".join(['{"resident_code": "1"}'] * 100_000)
    body = ('{"purpose": "x", "items": [' + items + "]}").encode()
    response = client.post(
        "/v1/verify/bulk", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 401 and response.json()["code"] == "CEN-002"
    broken = client.post(
        "/v1/verify", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert broken.status_code == 401  # not 422: the body was never parsed


def test_a_bare_parent_name_alone_is_refused(app: Counter) -> None:
    """Found by the fuzz: ``address=x`` alone made the handler index a string.

    Refused by the form that renders ``address`` only as a group (an error at it, no 500);
    the search form, whose ``address`` is one box, still takes it.
    """
    token = sign_in(app.client)
    data: list[tuple[str, str | bytes]] = [("csrf_token", token), ("address", "x")]
    response = post_pairs(app.client, "/counter/notifications/move_in", data)
    assert response.status_code == 422 and "addressの入力内容が正しくありません" in response.text
    search = post_pairs(
        app.client, "/counter/search/results", [("csrf_token", token), ("address", "x")]
    )
    assert search.status_code == 200 and "WEB-024" not in search.text
