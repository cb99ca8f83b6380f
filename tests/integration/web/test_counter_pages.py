"""The counter's pages over HTTP: sign-in cookie, CSRF, roles, sign-out (both databases)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from jichi.security.staff import create_staff
from jichi.store.engine import write_transaction
from jichi.web.app import create_app
from tests.integration.registry.conftest import CLERK, LG, address, yamada_family

PASSWORD = "madoguchi-2026"


@pytest.fixture
def client(engine: Engine) -> TestClient:
    with write_transaction(engine) as conn:
        create_staff(conn, "clerk-sato", LG, "clerk", "佐藤", password=PASSWORD)
        create_staff(conn, "kakaricho-ito", LG, "supervisor", "伊藤", password=PASSWORD)
    app = create_app(engine, municipality=LG, cipher=FieldCipher(Keys.derive(b"p" * 32)))
    return TestClient(app)


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def sign_in(client: TestClient, staff_id: str = "clerk-sato") -> str:
    token = csrf(client.get("/counter/login").text)
    response = client.post(
        "/counter/login",
        data={"csrf_token": token, "staff_id": staff_id, "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf(client.get("/counter/").text)


def test_pages_send_an_anonymous_visitor_to_the_sign_in_page(client: TestClient) -> None:
    response = client.get("/counter/households/x", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/counter/login?next=/counter/households/x"
    assert client.get("/me/", follow_redirects=False).headers["location"].startswith("/me/login")


def test_the_session_cookie_is_signed_http_only_strict_and_scoped_to_the_counter(
    client: TestClient,
) -> None:
    token = csrf(client.get("/counter/login").text)
    response = client.post(
        "/counter/login",
        data={"csrf_token": token, "staff_id": "clerk-sato", "password": PASSWORD},
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("jichi_counter=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/counter" in cookie
    assert PASSWORD not in cookie
    page = client.get("/counter/")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"


def test_a_tampered_cookie_is_no_session(client: TestClient) -> None:
    sign_in(client)
    value = client.cookies.get("jichi_counter") or ""
    client.cookies.clear()
    client.cookies.set("jichi_counter", value[:-4] + "AAAA", path="/counter")
    assert client.get("/counter/", follow_redirects=False).status_code == 303


def test_a_form_without_the_csrf_token_is_refused_in_japanese(client: TestClient) -> None:
    sign_in(client)
    response = client.post("/counter/search", data={"name": "山田"})
    assert response.status_code == 403
    assert "画面の有効期限が切れた" in response.text and "WEB-001" in response.text
    login = client.post(
        "/counter/login", data={"staff_id": "clerk-sato", "password": PASSWORD, "csrf_token": "x"}
    )
    assert login.status_code == 403


def test_a_clerk_cannot_open_the_audit_log_but_a_supervisor_can(client: TestClient) -> None:
    sign_in(client)
    refused = client.get("/counter/audit")
    assert refused.status_code == 403 and "権限がありません" in refused.text
    client.cookies.clear()
    sign_in(client, "kakaricho-ito")
    shown = client.get("/counter/audit")
    assert shown.status_code == 200 and "監査ログ" in shown.text


def test_signing_out_revokes_the_token_behind_the_cookie(client: TestClient) -> None:
    token = sign_in(client)
    kept = client.cookies.get("jichi_counter") or ""
    client.post("/counter/logout", data={"csrf_token": token}, follow_redirects=False)
    client.cookies.clear()
    client.cookies.set("jichi_counter", kept, path="/counter")  # a copy of the old cookie
    assert client.get("/counter/", follow_redirects=False).status_code == 303


def test_the_design_tokens_are_served_from_node_modules(client: TestClient) -> None:
    from jichi.web.pages.assets import design_tokens_dir

    if design_tokens_dir() is None:
        pytest.fail("npm ci has not installed @digital-go-jp/design-tokens")
    css = client.get("/static/dads/tokens.css")
    assert css.status_code == 200 and "--color-primitive-blue-900" in css.text


def test_search_results_come_as_a_fragment_for_the_live_search(client: TestClient) -> None:
    token = sign_in(client)
    fragment = client.post(
        "/counter/search/results", data={"kana": "ヤ"}, headers={"X-CSRF-Token": token}
    )
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and "該当する住民はいません" in fragment.text


def test_only_a_supervisor_may_post_an_ex_officio_removal_or_a_restoration(
    client: TestClient,
) -> None:
    registry = client.app.state.registry
    applied = registry.apply(
        registry.parse(
            {
                "kind": "move_in",
                "effective_date": "2026-11-20",
                "address": address(),
                "previous_address": {"prefecture": "東京都", "municipality": "千代田区"},
                "persons": yamada_family(),
            }
        ),
        CLERK,
    )
    # person_ids are sorted ids, not the family's order: take a child, never the head
    person_id = next(
        pid for pid in applied.person_ids if registry.read_record(pid, CLERK).relationship == "子"
    )
    removal = {"effective_date": "2026-11-25", "reason": "実態調査で居住の事実なし"}
    token = sign_in(client)
    for kind, body in (("ex_officio_removal", removal), ("restoration", {"reason": "誤り"})):
        refused = client.post(
            f"/counter/residents/{person_id}/{kind}", data={"csrf_token": token, **body}
        )
        assert refused.status_code == 403 and "権限" in refused.text
    assert registry.read_record(person_id, CLERK).is_active  # nothing happened

    client.cookies.clear()
    token = sign_in(client, "kakaricho-ito")
    done = _confirmed(
        client,
        f"/counter/residents/{person_id}/ex_officio_removal",
        {"csrf_token": token, **removal},
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"].startswith("/counter/recorded/")
    assert not registry.read_record(person_id, CLERK).is_active
    restored = _confirmed(
        client,
        f"/counter/residents/{person_id}/restoration",
        {"csrf_token": token, "reason": "取り違えによる誤った消除"},
    )
    assert restored.status_code == 303, restored.text
    assert registry.read_record(person_id, CLERK).is_active


def _confirmed(client: TestClient, url: str, data: dict[str, str]) -> Any:
    """Submit a notification form, then 「記録する」 on its 確認 page."""
    shown = client.post(url, data=data)
    assert shown.status_code == 200 and "まだ記録していません" in shown.text, shown.text
    found = re.search(r'name="pending" value="([^"]+)"', shown.text)
    assert found is not None
    body = {"csrf_token": data["csrf_token"], "pending": found.group(1), "step": "record"}
    return client.post(url, data=body, follow_redirects=False)
