"""The JSON API meets the domain's validation: every error at once, no 500 on a naive
datetime.  SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.kernel.identifiers import with_check_digit
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from jichi.web.app import create_app
from tests.integration.registry.conftest import LG, address, person
from tests.integration.web.test_registry_api import move_in_body, token

GOOD_NUMBER = with_check_digit("mynumber", "12345678901")
BAD_NUMBER = GOOD_NUMBER[:11] + str((int(GOOD_NUMBER[11]) + 1) % 10)


@pytest.fixture
def api(engine: Engine) -> TestClient:
    return TestClient(
        create_app(engine, municipality=LG, cipher=FieldCipher(Keys.derive(b"v" * 32)))
    )


def test_a_move_in_with_several_wrong_items_answers_every_error(
    api: TestClient, engine: Engine
) -> None:
    headers = token(engine, "clerk-1", "clerk")
    bad = person("佐藤", "一人", ("sato", "ヒトリ"), "1970-01-01", "male", "世帯主")
    bad["individual_number"] = BAD_NUMBER
    response = api.post(
        "/api/registry/notifications", json=move_in_body(persons=[bad]), headers=headers
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert [(e["code"], e["field"]) for e in body["errors"]] == [
        ("ID-004", "persons.0.individual_number"),
        ("TXT-002", "persons.0.name.family_kana"),
    ]
    assert BAD_NUMBER not in response.text


def test_a_single_error_also_comes_with_an_errors_array(api: TestClient, engine: Engine) -> None:
    headers = token(engine, "clerk-1", "clerk")
    response = api.post(
        "/api/registry/notifications",
        json=move_in_body(previous_address=address("5-5")),  # here: a relocation
        headers=headers,
    )
    body = response.json()
    assert body["code"] == "REG-010"
    assert body["errors"] == [
        {
            "code": "REG-010",
            "field": body["field"],
            "message_ja": body["message_ja"],
            "message_en": body["message_en"],
        }
    ]


def test_a_blank_notification_lists_every_required_field(api: TestClient, engine: Engine) -> None:
    headers = token(engine, "clerk-1", "clerk")
    response = api.post("/api/registry/notifications", json={"kind": "move_in"}, headers=headers)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"move_in.effective_date", "move_in.address", "move_in.persons"} <= fields
    assert all(e["message_ja"] for e in response.json()["errors"])


def test_a_recorded_by_without_offset_is_not_a_500(api: TestClient, engine: Engine) -> None:
    headers = token(engine, "clerk-1", "clerk")
    filed = api.post("/api/registry/notifications", json=move_in_body(), headers=headers)
    assert filed.status_code == 201, filed.text
    person_id = filed.json()["person_ids"][0]
    shown = api.get(
        f"/api/registry/residents/{person_id}",
        params={"recorded_by": "2999-01-01T00:00:00"},
        headers=headers,
    )
    assert shown.status_code == 200, shown.text
    before = api.get(
        f"/api/registry/residents/{person_id}",
        params={"recorded_by": "2000-01-01T00:00:00"},
        headers=headers,
    )
    assert before.status_code == 404
    assert before.headers["content-type"].startswith("application/problem+json")
