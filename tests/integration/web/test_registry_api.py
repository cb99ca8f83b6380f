"""The registry's JSON API: authentication, roles, problem+json, concurrency."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.security import audit
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from jichi.security.staff import create_staff, issue_token
from jichi.store.engine import write_transaction
from jichi.web.app import create_app
from tests.integration.registry.conftest import ELSEWHERE, LG, address, yamada_family


@pytest.fixture
def client(engine: Engine) -> TestClient:
    return TestClient(
        create_app(engine, municipality=LG, cipher=FieldCipher(Keys.derive(b"w" * 32)))
    )


def token(engine: Engine, staff_id: str, role: str, lg_code: str = LG) -> dict[str, str]:
    with write_transaction(engine) as conn:
        create_staff(conn, staff_id, lg_code, role, staff_id)
        value = issue_token(conn, staff_id)
    return {"Authorization": f"Bearer {value}"}


def move_in_body(**extra: Any) -> dict[str, Any]:
    return {
        "kind": "move_in",
        "effective_date": "2026-11-20",
        "notified_date": "2026-11-25",
        "address": address(),
        "previous_address": ELSEWHERE,
        "persons": yamada_family(),
        **extra,
    }


def test_requests_without_a_token_are_401_problems(client: TestClient) -> None:
    response = client.post("/api/registry/notifications", json=move_in_body())
    assert response.status_code == 401
    assert response.json()["code"] == "AUTH-001"
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_clerk_files_a_move_in_and_reads_the_household(
    client: TestClient, engine: Engine
) -> None:
    headers = token(engine, "clerk-1", "clerk")
    filed = client.post("/api/registry/notifications", json=move_in_body(), headers=headers)
    assert filed.status_code == 201, filed.text
    household_id = filed.json()["result"]["household_id"]
    shown = client.get(f"/api/registry/households/{household_id}", headers=headers)
    assert shown.status_code == 200
    members = shown.json()["members"]
    assert [m["relationship"] for m in members] == ["世帯主", "妻", "子", "子"]
    assert shown.headers["ETag"] == '"1"'
    found = client.post(
        "/api/registry/residents/search", json={"name": "山田"}, headers=headers
    ).json()
    assert len(found["records"]) == 4
    person_id = members[0]["person_id"]
    history = client.get(f"/api/registry/residents/{person_id}/history", headers=headers).json()
    assert history[0]["reason_ja"] == "転入"
    body = client.get(f"/api/registry/residents/{person_id}", headers=headers).text
    assert "123456789018" not in body


def test_a_clerk_cannot_make_an_ex_officio_removal(client: TestClient, engine: Engine) -> None:
    headers = token(engine, "clerk-1", "clerk")
    response = client.post(
        "/api/registry/notifications",
        json={
            "kind": "ex_officio_removal",
            "person_id": "x",
            "effective_date": "2026-11-20",
            "reason": "調査",
        },
        headers=headers,
    )
    assert response.status_code == 403 and response.json()["code"] == "AUTH-002"


def test_staff_of_another_municipality_is_refused(client: TestClient, engine: Engine) -> None:
    headers = token(engine, "chiyoda-1", "clerk", lg_code="131016")
    response = client.post("/api/registry/notifications", json=move_in_body(), headers=headers)
    # refused at the token, before any service runs (tenancy; REG-027 stays the service's own)
    assert response.status_code == 403 and response.json()["code"] == "AUTH-010"


def test_two_clerks_on_the_same_household_one_wins_the_other_gets_409(
    client: TestClient, engine: Engine
) -> None:
    first = token(engine, "clerk-1", "clerk")
    second = token(engine, "clerk-2", "clerk")
    filed = client.post("/api/registry/notifications", json=move_in_body(), headers=first).json()
    household_id = filed["result"]["household_id"]
    change = {
        "kind": "relocation",
        "effective_date": "2026-11-26",
        "person_ids": filed["person_ids"],
        "expected_versions": {household_id: 1},
    }
    won = client.post(
        "/api/registry/notifications", json={**change, "address": address("7-7")}, headers=first
    )
    lost = client.post(
        "/api/registry/notifications", json={**change, "address": address("8-8")}, headers=second
    )
    assert won.status_code == 201
    assert lost.status_code == 409 and lost.json()["code"] == "REG-006"
    shown = client.get(f"/api/registry/households/{household_id}", headers=first).json()
    assert {m["address"]["block"] for m in shown["members"]} == {"7-7"}


def test_a_retry_with_the_same_idempotency_key_records_once(
    client: TestClient, engine: Engine
) -> None:
    headers = {**token(engine, "clerk-1", "clerk"), "Idempotency-Key": "form-42"}
    first = client.post("/api/registry/notifications", json=move_in_body(), headers=headers)
    again = client.post("/api/registry/notifications", json=move_in_body(), headers=headers)
    assert first.json()["notification_id"] == again.json()["notification_id"]
    assert again.json()["replayed"] is True


def test_invalid_notification_is_422_problem_with_field(client: TestClient, engine: Engine) -> None:
    headers = token(engine, "clerk-1", "clerk")
    body = move_in_body()
    body["persons"][0]["date_of_birth"] = "1980-02-30"
    response = client.post("/api/registry/notifications", json=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["code"] == "GEN-001"
    assert "date_of_birth" in response.json()["field"]


def test_a_supervisor_registers_a_support_measure_and_a_clerk_sees_the_restriction(
    client: TestClient, engine: Engine
) -> None:
    clerk = token(engine, "clerk-1", "clerk")
    supervisor = token(engine, "boss-1", "supervisor")
    filed = client.post("/api/registry/notifications", json=move_in_body(), headers=clerk).json()
    person_id = filed["person_ids"][0]
    body = {"other_parties": [{"name": "加害　次郎"}], "basis": "警察の意見"}
    refused = client.post(
        f"/api/registry/residents/{person_id}/support-measures", json=body, headers=clerk
    )
    assert refused.status_code == 403
    created = client.post(
        f"/api/registry/residents/{person_id}/support-measures", json=body, headers=supervisor
    )
    assert created.status_code == 201
    shown = client.get(f"/api/registry/residents/{person_id}/restrictions", headers=clerk).json()
    assert shown["kinds"] == ["support_measure"]
    with engine.connect() as conn:  # the read is audited on the person (their own page)
        (newest, *_) = audit.entries_for_person(conn, person_id)
    assert (newest.entry.action, newest.entry.actor) == ("restriction.read", "clerk-1")
    measure = created.json()
    stale = client.post(
        f"/api/registry/support-measures/{measure['measure_id']}/end",
        json={"expected_version": 9},
        headers=supervisor,
    )
    assert stale.status_code == 409
