"""The hub's HTTP API: the agencies' whole surface, problem+json on every refusal."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.mynumber.hub.tables import hub_exchange_log
from jichi.web.hub.app import create_hub_app
from tests.integration.mynumber.hub.world import LG, World, build, code

PERSON = code(3)


@pytest.fixture
def world(engine: Engine) -> World:
    return build(engine)


def auth(world: World, agency: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.credentials[agency]}"}


def test_an_agency_redeems_offers_requests_and_reads_its_log_over_http(
    world: World, engine: Engine
) -> None:
    client = TestClient(create_hub_app(world.hub), raise_server_exceptions=False)
    tokens = {}
    for agency in ("nenkin", "lg-112011"):
        number = world.hub.issue_request_number(resident_code=PERSON, agency_id=agency, lg_code=LG)
        answer = client.post(
            "/v1/tokens", json={"request_number": number}, headers=auth(world, agency)
        )
        assert answer.status_code == 200, answer.text
        tokens[agency] = answer.json()["agency_token"]
        replay = client.post(
            "/v1/tokens", json={"request_number": number}, headers=auth(world, agency)
        )
        assert replay.status_code == 409 and replay.json()["code"] == "HUB-041"
        assert number not in replay.text
    copy = {
        "agency_token": tokens["lg-112011"],
        "item": "resident_tax_income",
        "value": {"income": 1},
    }
    offered = client.post("/v1/copies", json=copy, headers=auth(world, "lg-112011"))
    assert offered.status_code == 204, offered.text
    body = {
        "agency_token": tokens["nenkin"],
        "affair": "pension-exemption",
        "item": "resident_tax_income",
        "provider": "lg-112011",
    }
    answer = client.post("/v1/exchanges", json=body, headers=auth(world, "nenkin"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["result"] == "provided"
    assert answer.json()["value"] == {"income": 1}
    assert (
        tokens["lg-112011"] not in answer.text
    )  # the provider's token never reaches the requester
    log = client.post("/v1/log", json={}, headers=auth(world, "nenkin")).json()["records"]
    assert [(r["side"], r["agency_token"]) for r in log] == [("requester", tokens["nenkin"])]
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(hub_exchange_log)).scalar() == 3


def test_refusals_are_problem_json_never_500(world: World) -> None:
    client = TestClient(create_hub_app(world.hub), raise_server_exceptions=False)
    token = world.token("jasso", PERSON)
    cases = [
        ("/v1/tokens", {"request_number": "1" * 20}, None, 401, "HUB-011"),
        ("/v1/tokens", {"request_number": "1" * 20}, "jasso", 404, "HUB-040"),
        ("/v1/tokens", {}, "jasso", 422, None),
        ("/v1/exchanges", {"agency_token": token, "affair": "pension-exemption",
                           "item": "resident_tax_income", "provider": "lg-112011"},
         "jasso", 403, "HUB-021"),
        ("/v1/exchanges", {"agency_token": "zz", "affair": "a", "item": "b", "provider": "c"},
         "jasso", 422, None),
        ("/v1/copies", {"agency_token": token, "item": "resident_tax_income", "value": 1},
         "jasso", 403, "HUB-051"),
    ]  # fmt: skip
    for path, body, agency, status, code_ in cases:
        headers = auth(world, agency) if agency else {}
        answer = client.post(path, json=body, headers=headers)
        assert answer.status_code == status, (path, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        if code_:
            assert answer.json()["code"] == code_
        assert token not in answer.text
    assert client.post("/v1/log", json={}).status_code == 401
    assert client.get("/healthz").json() == {"status": "ok"}


def test_a_municipality_issues_request_numbers_over_http_and_only_a_municipality(
    world: World,
) -> None:
    client = TestClient(create_hub_app(world.hub), raise_server_exceptions=False)
    body = {"resident_code": PERSON, "agency": "nenkin"}
    issued = client.post("/v1/request-numbers", json=body, headers=auth(world, "lg-112011"))
    assert issued.status_code == 200, issued.text
    number = issued.json()["request_number"]
    assert PERSON not in issued.text
    redeemed = client.post(
        "/v1/tokens", json={"request_number": number}, headers=auth(world, "nenkin")
    )
    assert redeemed.json()["agency_token"] == world.token("nenkin", PERSON)
    refused = client.post("/v1/request-numbers", json=body, headers=auth(world, "nenkin"))
    assert refused.status_code == 403 and refused.json()["code"] == "HUB-012"
    bad = {"resident_code": "12", "agency": "nenkin"}
    answer = client.post("/v1/request-numbers", json=bad, headers=auth(world, "lg-112011"))
    assert answer.status_code == 422 and answer.json()["field"] == "resident_code"
    assert '"12"' not in answer.text
