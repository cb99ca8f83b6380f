"""The PostgreSQL hot path (asyncpg, ADR 0007) answers and logs exactly as the SQLAlchemy path.

Every case runs on the SQLAlchemy path (SQLite; PostgreSQL with ``hot_path=False``) and on
the hot path (PostgreSQL), and must give the same answers and the same provision rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.network.center.agencies import add_agency, issue_token, revoke_token
from jichi.network.center.tables import center_identity, center_provision
from jichi.store.engine import write_transaction
from jichi.web.center.app import create_center_app
from tests.integration.network.center.conftest import (
    CODE,
    PENSION_PURPOSE,
    YOKOHAMA,
    Municipality,
    deliver,
    pension_office,
)

TWIN = "98765432109"  # same basic four as CODE, another resident code
FOUR = {
    "name": "高橋 一郎",
    "date_of_birth": "1970-05-06",
    "sex": "male",
    "address": "神奈川県横浜市西区高島２－５",
}


@pytest.fixture(params=["hot", "sqlalchemy"])
def client(request: pytest.FixtureRequest, engine: Engine) -> Iterator[TestClient]:
    hot = request.param == "hot"
    if hot and engine.dialect.name != "postgresql":
        pytest.skip("the hot path is PostgreSQL only")
    app = create_center_app(engine, hot_path=hot)
    with TestClient(app) as test_client:
        assert (app.state.hot is not None) == hot
        yield test_client


@pytest.fixture
def people(engine: Engine) -> None:
    yokohama = Municipality(YOKOHAMA)
    deliver(engine, [yokohama.update("move_in", "2025-04-01")])


def logged(engine: Engine) -> list[tuple[Any, ...]]:
    p = center_provision.c
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(p.request_id, p.item, p.query_kind, p.resident_code, p.result).order_by(
                p.provision_id
            )
        )
        return [tuple(row) for row in rows]


def ask(client: TestClient, token: str, **query: Any) -> Any:
    response = client.post(
        "/v1/verify",
        json={"purpose": PENSION_PURPOSE, **query},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    ("query", "result", "answered_code", "logged_code", "kind"),
    [
        ({"resident_code": CODE}, "match", CODE, CODE, "code"),
        ({"resident_code": "12345678914"}, "no_match", None, "12345678914", "code"),
        (FOUR, "match", CODE, CODE, "basic_four"),
        ({**FOUR, "sex": "female"}, "no_match", None, None, "basic_four"),
        ({**FOUR, "resident_code": CODE}, "match", CODE, CODE, "code_and_basic_four"),
        (
            {**FOUR, "resident_code": CODE, "date_of_birth": "1970-05-07"},
            "no_match",
            None,
            CODE,
            "code_and_basic_four",
        ),
    ],
)
def test_each_query_shape_is_answered_and_logged_alike(
    engine: Engine,
    client: TestClient,
    people: None,
    query: dict[str, Any],
    result: str,
    answered_code: str | None,
    logged_code: str | None,
    kind: str,
) -> None:
    _, token = pension_office(engine)
    body = ask(client, token, **query)
    assert (body["result"], body["resident_code"]) == (result, answered_code)
    assert (body["identity"] is not None) == (result == "match")
    assert logged(engine) == [(body["request_id"], 0, kind, logged_code, result)]


def test_two_people_with_the_same_basic_four_are_ambiguous_and_give_nothing(
    engine: Engine, client: TestClient, people: None
) -> None:
    yokohama = Municipality(YOKOHAMA)
    deliver(engine, [yokohama.update("move_in", "2025-04-01", code=TWIN)])
    _, token = pension_office(engine)
    body = ask(client, token, **FOUR)
    assert (body["result"], body["resident_code"], body["identity"]) == ("ambiguous", None, None)
    assert logged(engine) == [(body["request_id"], 0, "basic_four", None, "ambiguous")]
    bulk = client.post(
        "/v1/verify/bulk",
        json={"purpose": PENSION_PURPOSE, "items": [FOUR, {"resident_code": TWIN}]},
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert [r["result"] for r in bulk["results"]] == ["ambiguous", "match"]
    assert logged(engine)[1:] == [
        (bulk["request_id"], 0, "basic_four", None, "ambiguous"),
        (bulk["request_id"], 1, "code", TWIN, "match"),
    ]


def test_a_revoked_token_is_refused_at_once_even_after_it_was_verified(
    engine: Engine, client: TestClient, people: None
) -> None:
    _, token = pension_office(engine)
    ask(client, token, resident_code=CODE)  # the hot path now holds the agency in its cache
    with write_transaction(engine) as conn:
        assert revoke_token(conn, token)
    for path, body in (
        ("/v1/verify", {"resident_code": CODE}),
        ("/v1/verify/bulk", {"items": [{"resident_code": CODE}]}),
    ):
        response = client.post(
            path,
            json={"purpose": PENSION_PURPOSE, **body},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert (response.status_code, response.json()["code"]) == (401, "CEN-002")
    assert len(logged(engine)) == 1  # the one answered before the revocation


def test_a_malformed_body_is_a_problem_not_a_500(
    engine: Engine, client: TestClient, people: None
) -> None:
    _, token = pension_office(engine)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for content in (b"{", b"[]", b'"x"', b'{"purpose": 1}', b"\xff"):
        response = client.post("/v1/verify", content=content, headers=headers)
        assert response.status_code == 422, content
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "GEN-001"
    assert logged(engine) == []


@pytest.mark.parametrize(
    "items",
    [
        ("name", "name_kana", "date_of_birth", "sex", "address", "status", "change", "lg_code"),
        ("lg_code", "change", "name"),
        ("date_of_birth",),
        ("change",),
    ],
)
def test_bulk_answers_are_byte_for_byte_those_of_the_sqlalchemy_path(
    engine: Engine, people: None, items: tuple[str, ...]
) -> None:
    """The hot path has PostgreSQL write each identity's JSON: it must be orjson's, exactly."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the hot path is PostgreSQL only")
    yokohama = Municipality(YOKOHAMA)
    deliver(engine, [yokohama.update("move_in", "2025-04-01", code=TWIN)])
    with write_transaction(engine) as conn:
        conn.execute(
            sa.update(center_identity)
            .where(center_identity.c.resident_code == TWIN)
            .values(name='"引用" \\ \x01\x1f\n\t\u2028😀 髙橋', address="</script>\x7f")
        )
        agency = add_agency(
            conn, "日本年金機構", legal_ground="法", purposes=[PENSION_PURPOSE], items=items
        )
        token = issue_token(conn, agency.agency_id)
    body = {
        "purpose": PENSION_PURPOSE,
        "items": [
            {"resident_code": CODE, "ref": "a"},
            {"resident_code": TWIN},
            {**FOUR, "resident_code": CODE, "ref": "b"},
            FOUR,
            {"resident_code": "12345678914", "ref": "c"},
        ],
    }
    out = []
    for hot in (True, False):
        with TestClient(create_center_app(engine, hot_path=hot)) as test_client:
            response = test_client.post(
                "/v1/verify/bulk", json=body, headers={"Authorization": f"Bearer {token}"}
            )
            assert response.status_code == 200, response.text
            request_id = response.json()["request_id"]
            out.append(response.content.replace(request_id.encode(), b"ID"))
    assert out[0] == out[1]
    assert b'"identity":{' in out[0]
    assert ("name" in items) == (b"\\u0001\\u001f\\n\\t" in out[0])
    rows = [row[1:] for row in logged(engine)]
    assert len(rows) == 10
    assert rows[:5] == rows[5:]  # the same provision rows, hot path first
