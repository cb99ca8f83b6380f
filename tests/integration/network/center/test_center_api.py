"""The center's verification API: by code, by basic four, bulk; every provision logged."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.network.center.agencies import add_agency, issue_token, revoke_token
from jichi.network.center.tables import center_provision
from jichi.store.engine import write_transaction
from jichi.web.center.app import create_center_app
from tests.integration.network.center.conftest import (
    CHIYODA,
    CODE,
    KAWAGOE,
    PENSION_PURPOSE,
    YOKOHAMA,
    Municipality,
    deliver,
    pension_office,
)

TAKAHASHI = {
    "name": "高橋 一郎",  # registered as 髙橋　一郎
    "date_of_birth": "1970-05-06",
    "sex": "male",
    "address": "神奈川県横浜市西区高島２－５",  # registered as …高島二丁目5番
}


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_center_app(engine)) as test_client:
        yield test_client


@pytest.fixture
def takahashi(engine: Engine) -> None:
    """髙橋一郎 lives in 横浜 now (moved from 川越)."""
    kawagoe, yokohama = Municipality(KAWAGOE), Municipality(YOKOHAMA)
    deliver(
        engine,
        [
            kawagoe.update("birth", "1970-05-06"),
            kawagoe.update("move_out", "2025-03-31", status="removed"),
            yokohama.update("move_in", "2025-04-01"),
        ],
    )


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def provisions(engine: Engine) -> list[sa.Row[Any]]:
    with engine.connect() as conn:
        query = sa.select(center_provision).order_by(center_provision.c.provision_id)
        return list(conn.execute(query))


def test_verify_by_code_returns_the_current_identity_and_logs_it(
    engine: Engine, client: TestClient, takahashi: None
) -> None:
    agency, token = pension_office(engine)
    response = client.post(
        "/v1/verify", json={"purpose": PENSION_PURPOSE, "resident_code": CODE}, headers=auth(token)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["result"] == "match"
    assert body["resident_code"] == CODE
    assert body["identity"] == {
        "name": "髙橋　一郎",
        "date_of_birth": "1970-05-06",
        "sex": "male",
        "address": "神奈川県横浜市西区高島二丁目5番",
        "status": "active",
        "change": {"reason": "move_in", "effective_date": "2025-04-01"},
    }
    (row,) = provisions(engine)
    assert (row.agency_id, row.purpose, row.resident_code, row.result, row.query_kind) == (
        agency.agency_id,
        PENSION_PURPOSE,
        CODE,
        "match",
        "code",
    )
    assert row.request_id == body["request_id"]


def test_verify_by_basic_four_folds_variant_kanji_widths_and_address_notation(
    engine: Engine, client: TestClient, takahashi: None
) -> None:
    _, token = pension_office(engine)
    response = client.post(
        "/v1/verify", json={"purpose": PENSION_PURPOSE, **TAKAHASHI}, headers=auth(token)
    )
    assert response.status_code == 200, response.text
    assert response.json()["result"] == "match"
    assert response.json()["resident_code"] == CODE
    (row,) = provisions(engine)
    assert (row.query_kind, row.resident_code, row.result) == ("basic_four", CODE, "match")


@pytest.mark.parametrize(
    ("change", "logged_code"),
    [
        ({"sex": "female"}, None),
        ({"date_of_birth": "1970-05-07"}, None),
        ({"address": "埼玉県川越市大字的場1-2-3"}, None),  # the old address: no longer current
        ({"name": "高橋 一朗"}, None),
        (
            {
                "resident_code": "98765432109",
                "name": None,
                "date_of_birth": None,
                "sex": None,
                "address": None,
            },
            "98765432109",
        ),
        ({"resident_code": CODE, "sex": "female"}, CODE),  # code and basic four disagree
    ],
)
def test_no_match_gives_nothing_and_is_logged_too(
    engine: Engine,
    client: TestClient,
    takahashi: None,
    change: dict[str, Any],
    logged_code: str | None,
) -> None:
    _, token = pension_office(engine)
    query = {k: v for k, v in {**TAKAHASHI, **change}.items() if v is not None}
    response = client.post(
        "/v1/verify", json={"purpose": PENSION_PURPOSE, **query}, headers=auth(token)
    )
    assert response.status_code == 200, response.text
    assert response.json()["result"] == "no_match"
    assert response.json()["identity"] is None
    assert response.json()["resident_code"] is None
    (row,) = provisions(engine)
    assert (row.result, row.resident_code) == ("no_match", logged_code)


def test_an_agency_receives_only_its_items(
    engine: Engine, client: TestClient, takahashi: None
) -> None:
    with write_transaction(engine) as conn:
        agency = add_agency(
            conn, "選挙管理委員会", legal_ground="別表第二", purposes=["在否確認"], items=["status"]
        )
        token = issue_token(conn, agency.agency_id)
    response = client.post(
        "/v1/verify", json={"purpose": "在否確認", "resident_code": CODE}, headers=auth(token)
    )
    assert response.json()["identity"] == {"status": "active"}


def test_unauthorised_requests_are_refused_and_log_nothing(
    engine: Engine, client: TestClient, takahashi: None
) -> None:
    _, token = pension_office(engine)
    body = {"purpose": PENSION_PURPOSE, "resident_code": CODE}
    other, _ = pension_office(engine)
    with write_transaction(engine) as conn:
        revoked = issue_token(conn, other.agency_id)
        assert revoke_token(conn, revoked)
    for headers in ({}, auth("jichi_center_" + "x" * 43), auth(revoked), auth("Basic abc")):
        response = client.post("/v1/verify", json=body, headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "CEN-002"
        assert CODE not in response.text
    response = client.post("/v1/verify", json={**body, "purpose": "興味本位"}, headers=auth(token))
    assert (response.status_code, response.json()["code"]) == (403, "CEN-003")
    assert provisions(engine) == []


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"resident_code": "1234"}, 422, "ID-002", "resident_code"),
        ({"resident_code": "1234567890a"}, 422, "ID-003", "resident_code"),
        ({"name": "高橋一郎", "date_of_birth": "1970-05-06"}, 422, "CEN-005", "query"),
        ({}, 422, "CEN-005", "query"),
        ({**TAKAHASHI, "sex": "unknown"}, 422, "GEN-001", "sex"),
        ({**TAKAHASHI, "date_of_birth": "1970-02-30"}, 422, "GEN-001", "date_of_birth"),
        ({**TAKAHASHI, "individual_number": "123456789018"}, 422, "GEN-001", "individual_number"),
    ],
)
def test_bad_input_is_a_problem_never_a_500_and_logs_nothing(
    engine: Engine,
    client: TestClient,
    takahashi: None,
    body: dict[str, Any],
    status: int,
    code: str,
    field: str,
) -> None:
    _, token = pension_office(engine)
    response = client.post(
        "/v1/verify", json={"purpose": PENSION_PURPOSE, **body}, headers=auth(token)
    )
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert response.json()["field"] == field
    assert "123456789018" not in response.text
    assert provisions(engine) == []


def test_bulk_limit_is_enforced(engine: Engine, client: TestClient) -> None:
    _, token = pension_office(engine)
    items = [{"resident_code": CODE}] * 10_001
    response = client.post(
        "/v1/verify/bulk", json={"purpose": PENSION_PURPOSE, "items": items}, headers=auth(token)
    )
    assert (response.status_code, response.json()["code"]) == (413, "CEN-004")
    assert provisions(engine) == []


def test_a_bad_item_in_a_bulk_request_names_its_position(
    engine: Engine, client: TestClient, takahashi: None
) -> None:
    _, token = pension_office(engine)
    items = [{"resident_code": CODE}, {"resident_code": "123"}]
    response = client.post(
        "/v1/verify/bulk", json={"purpose": PENSION_PURPOSE, "items": items}, headers=auth(token)
    )
    assert (response.status_code, response.json()["field"]) == (422, "items[1].resident_code")
    assert provisions(engine) == []


def test_the_resident_sees_who_read_their_data(
    engine: Engine, client: TestClient, takahashi: None
) -> None:
    _, token = pension_office(engine)
    client.post("/v1/verify", json={"purpose": PENSION_PURPOSE, **TAKAHASHI}, headers=auth(token))
    client.post(
        "/v1/verify", json={"purpose": PENSION_PURPOSE, "resident_code": CODE}, headers=auth(token)
    )
    with write_transaction(engine) as conn:
        yokohama = add_agency(
            conn,
            "横浜市",
            kind="municipality",
            lg_code=YOKOHAMA,
            legal_ground="法30条の11",
            purposes=["在否確認"],
        )
        kawagoe = add_agency(
            conn,
            "川越市",
            kind="municipality",
            lg_code=KAWAGOE,
            legal_ground="法30条の11",
            purposes=["在否確認"],
        )
        yokohama_token = issue_token(conn, yokohama.agency_id)
        kawagoe_token = issue_token(conn, kawagoe.agency_id)
    response = client.post(
        "/v1/resident/provisions", json={"resident_code": CODE}, headers=auth(yokohama_token)
    )
    assert response.status_code == 200, response.text
    lines = response.json()["provisions"]
    assert [(p["agency"], p["purpose"], p["result"]) for p in lines] == [
        ("日本年金機構", PENSION_PURPOSE, "match"),
        ("日本年金機構", PENSION_PURPOSE, "match"),
    ]
    assert {p["query_kind"] for p in lines} == {"code", "basic_four"}
    # The disclosure itself is a provision: it shows up the next time.
    again = client.post(
        "/v1/resident/provisions", json={"resident_code": CODE}, headers=auth(yokohama_token)
    )
    assert len(again.json()["provisions"]) == 3
    # 川越 no longer holds the person; an agency is not a municipality.
    refused = client.post(
        "/v1/resident/provisions", json={"resident_code": CODE}, headers=auth(kawagoe_token)
    )
    assert (refused.status_code, refused.json()["code"]) == (404, "CEN-010")
    refused = client.post(
        "/v1/resident/provisions", json={"resident_code": CODE}, headers=auth(token)
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "CEN-009")
    assert len(provisions(engine)) == 4  # two reads, two disclosures; refusals log nothing
    assert CHIYODA not in {p.agency_id for p in provisions(engine)}


def test_provision_log_is_append_only(engine: Engine, client: TestClient, takahashi: None) -> None:
    _, token = pension_office(engine)
    client.post(
        "/v1/verify", json={"purpose": PENSION_PURPOSE, "resident_code": CODE}, headers=auth(token)
    )
    with pytest.raises(sa.exc.DBAPIError), write_transaction(engine) as conn:
        conn.execute(center_provision.delete())
    assert len(provisions(engine)) == 1


def test_ids_are_never_read_from_the_url(engine: Engine) -> None:
    routes = set(create_center_app(engine).openapi()["paths"])
    assert {"/v1/verify", "/v1/verify/bulk", "/v1/resident/provisions"} <= routes
    assert not any("{" in path for path in routes if path.startswith("/v1"))
