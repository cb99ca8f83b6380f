"""Errors in Japanese: pages get a page in the design system, the API keeps problem+json.

Before this change a wrong address answered ``{"detail":"Not Found"}`` to a browser and an
unexpected exception a plain-text 500.
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.web.app import create_app

PIN = "123456789018"


def _boom() -> None:
    raise RuntimeError(f"an internal failure quoting input {PIN}")


@pytest.fixture
def app(engine: Engine) -> FastAPI:
    built = create_app(engine, municipality="131016")
    built.add_api_route("/counter/boom", _boom)  # a bug, reachable from a page and the API
    built.add_api_route("/api/boom", _boom)
    return built


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    # raise_server_exceptions stays on: an exception re-raised past the answer (as
    # Starlette's last-resort handler does, for the server to log with its message)
    # would fail these tests.
    return TestClient(app)


def is_design_system_page(response: object) -> bool:
    text = getattr(response, "text", "")
    return 'lang="ja"' in text and "/static/dads/tokens.css" in text and "<h1>" in text


@pytest.mark.parametrize("path", ["/nowhere", "/counter/nowhere", "/me/nowhere/deeper"])
def test_an_unknown_page_is_a_japanese_404_page(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert is_design_system_page(response)
    assert "ページが見つかりません" in response.text
    assert "WEB-040" in response.text
    assert "Not Found" not in response.text


def test_an_unknown_api_path_is_problem_json_with_a_stable_code(client: TestClient) -> None:
    response = client.get("/api/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert (body["code"], body["status"]) == ("WEB-040", 404)
    assert "見つかりません" in body["message_ja"]


def test_a_wrong_method_on_a_page_is_a_japanese_405_page_with_allow(client: TestClient) -> None:
    response = client.post("/")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert is_design_system_page(response)
    assert "WEB-041" in response.text


def test_a_wrong_method_on_the_api_is_problem_json(client: TestClient) -> None:
    response = client.delete("/api/health")
    assert response.status_code == 405
    assert response.json()["code"] == "WEB-041"


def test_a_malformed_query_on_a_page_is_a_japanese_422_page(client: TestClient) -> None:
    response = client.get("/counter/audit", params={"before": "-1"})
    assert response.status_code == 422
    assert is_design_system_page(response)
    assert "入力内容に誤りがあります" in response.text
    assert "GEN-001" in response.text


def test_a_domain_404_on_a_page_is_a_page_not_json(client: TestClient) -> None:
    response = client.get("/stats/999999")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert is_design_system_page(response)


def test_a_bug_is_a_japanese_500_page_without_the_stack_trace(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = client.get("/counter/boom")
    assert response.status_code == 500
    assert is_design_system_page(response)
    assert "WEB-042" in response.text
    assert "RuntimeError" not in response.text and "Traceback" not in response.text
    assert PIN not in response.text
    # The operator's log has the frames and the route, never the exception's message.
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "jichi.web")
    assert "RuntimeError" in logged and "/counter/boom" in logged
    assert PIN not in logged  # the source line shows ``{PIN}``, not the digits


def test_a_bug_on_the_api_is_a_problem_json_500(client: TestClient) -> None:
    response = client.get("/api/boom")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "WEB-042"
    assert PIN not in response.text
