"""試行回数の制限: sign-in and /me access codes, counted in the database (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.security.throttle import SIGN_IN, Throttle, ThrottlePolicy, key_of
from jichi.store.engine import write_transaction
from jichi.web.app import create_app
from tests.integration.web.signed_in import PASSWORD, STAFF, Counter, counter, csrf


@pytest.fixture
def app(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Counter:
    monkeypatch.setenv("JICHI_THROTTLE_FAILURES", "3")
    monkeypatch.setenv("JICHI_THROTTLE_WINDOW_SECONDS", "600")
    return counter(engine)


def try_sign_in(client: TestClient, password: str) -> int:
    token = csrf(client.get("/counter/login").text)
    response = client.post(
        "/counter/login",
        data={"csrf_token": token, "staff_id": STAFF, "password": password},
        follow_redirects=False,
    )
    return response.status_code


def test_sign_in_is_refused_after_the_failures_even_with_the_right_password(
    app: Counter,
) -> None:
    assert [try_sign_in(app.client, "wrong") for _ in range(3)] == [401, 401, 401]
    assert try_sign_in(app.client, PASSWORD) == 429
    token = csrf(app.client.get("/counter/login").text)
    page = app.client.post(
        "/counter/login", data={"csrf_token": token, "staff_id": STAFF, "password": PASSWORD}
    )
    assert "失敗した回数が多すぎる" in page.text and "10分" in page.text
    # Another process (another app on the same database) sees the same count.
    other = TestClient(create_app(app.registry.engine, municipality=app.registry.lg_code))
    assert try_sign_in(other, PASSWORD) == 429


def test_a_success_clears_the_count(app: Counter) -> None:
    assert [try_sign_in(app.client, "wrong") for _ in range(2)] == [401, 401]
    assert try_sign_in(app.client, PASSWORD) == 303
    app.client.cookies.clear()
    assert [try_sign_in(app.client, "wrong") for _ in range(2)] == [401, 401]
    assert try_sign_in(app.client, PASSWORD) == 303


def test_access_codes_are_refused_after_the_failures(app: Counter) -> None:
    def guess(code: str) -> int:
        token = csrf(app.client.get("/me/login").text)
        return app.client.post(
            "/me/login",
            data={"csrf_token": token, "code": code, "date_of_birth": "1980-04-02"},
        ).status_code

    assert [guess(f"{n:06d}") for n in range(3)] == [422, 422, 422]
    assert guess("000123") == 429


def test_failures_older_than_the_window_no_longer_count(engine: Engine) -> None:
    throttle = Throttle(SIGN_IN, ThrottlePolicy(failures=2, window=timedelta(minutes=10)))
    keys, everyone = [key_of("staff", "x")], key_of("lg", "112011")
    start = datetime(2026, 12, 3, 0, 0, tzinfo=UTC)
    with write_transaction(engine) as conn:
        throttle.failed(conn, keys, everyone=everyone, now=start)
        throttle.failed(conn, keys, everyone=everyone, now=start + timedelta(minutes=1))
    with engine.connect() as conn:
        with pytest.raises(JichiError) as raised:
            throttle.check(conn, keys, everyone=everyone, now=start + timedelta(minutes=5))
        assert raised.value.code == "SEC-030" and raised.value.http_status == 429
        throttle.check(conn, keys, everyone=everyone, now=start + timedelta(minutes=12))
        throttle.check(conn, [key_of("staff", "y")], everyone=everyone, now=start)


def test_the_whole_municipality_has_its_own_limit(engine: Engine) -> None:
    throttle = Throttle(SIGN_IN, ThrottlePolicy(failures=5, global_failures=3))
    everyone = key_of("lg", "112011")
    now = datetime(2026, 12, 3, tzinfo=UTC)
    with write_transaction(engine) as conn:
        for n in range(3):
            throttle.failed(conn, [key_of("client", str(n))], everyone=everyone, now=now)
    with engine.connect() as conn, pytest.raises(JichiError):
        throttle.check(conn, [key_of("client", "new")], everyone=everyone, now=now)
