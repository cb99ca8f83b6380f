"""Sign-in, tokens and cookies are bound to the served municipality (both databases).

Seen on main: staff of A signed in on B's server with A's password, and A's token and
A's page cookie worked there (one ``JICHI_SECRET_KEY`` for both servers signed the same
cookies).  Now :func:`jichi.security.tenancy.admit` is the one check, and
``authenticate`` / ``check_password`` cannot be called without saying who is served.
"""

from __future__ import annotations

import inspect
import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.registry.resident_access import ResidentAccess
from jichi.security.staff import api_token, authenticate, check_password
from jichi.security.tenancy import Tenant, admit
from jichi.web.app import create_app
from jichi.web.pages import session as s
from tests.integration.security.tenants import (
    CIPHER,
    LG_A,
    LG_B,
    PASSWORD,
    Municipality,
    two_municipalities,
)


@pytest.fixture
def world(engine: Engine) -> tuple[Municipality, Municipality]:
    return two_municipalities(engine)


def test_served_is_a_required_keyword_of_both_checks() -> None:
    for check in (authenticate, check_password):
        served = inspect.signature(check).parameters["served"]
        assert served.kind is inspect.Parameter.KEYWORD_ONLY
        assert served.default is inspect.Parameter.empty


def test_admit_refuses_another_municipality_and_a_server_serving_none() -> None:
    from jichi.security.actor import Actor

    actor = Actor("clerk-a", LG_A, "clerk")
    assert admit(actor, Tenant(LG_A)) is actor
    with pytest.raises(JichiError) as other:
        admit(actor, Tenant(LG_B))
    assert other.value.code == "AUTH-010" and other.value.http_status == 403
    assert other.value.field == "municipality" and LG_B in other.value.message_ja
    for nobody in (None, ""):
        with pytest.raises(JichiError) as none:
            admit(actor, nobody)
        assert none.value.code == "AUTH-011"
    with pytest.raises(ValueError):
        Tenant("13101")


def test_a_token_works_only_on_its_own_municipalitys_server(
    engine: Engine, world: tuple[Municipality, Municipality]
) -> None:
    a, _b = world
    with engine.connect() as conn:
        assert authenticate(conn, a.token, served=Tenant(LG_A)).lg_code == LG_A
        assert authenticate(conn, a.token, served=LG_A).staff_id == a.supervisor.staff_id
        with pytest.raises(JichiError) as refused:
            authenticate(conn, a.token, served=Tenant(LG_B))
        assert refused.value.code == "AUTH-010"
        with pytest.raises(JichiError) as unknown:
            authenticate(conn, "jichi_not-a-token", served=Tenant(LG_B))
        assert unknown.value.code == "AUTH-001"


def test_a_password_works_only_on_its_own_municipalitys_server(
    engine: Engine, world: tuple[Municipality, Municipality]
) -> None:
    a, _b = world
    who = a.supervisor.staff_id
    with engine.connect() as conn:
        assert check_password(conn, who, PASSWORD, served=Tenant(LG_A)).lg_code == LG_A
        with pytest.raises(JichiError) as refused:
            check_password(conn, who, PASSWORD, served=Tenant(LG_B))
        assert refused.value.code == "AUTH-010"
        with pytest.raises(JichiError) as wrong:  # a wrong password says nothing of the tenant
            check_password(conn, who, "wrong", served=Tenant(LG_B))
        assert wrong.value.code == "AUTH-001"


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def _tokens(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(api_token)).scalar_one())


def test_the_sign_in_page_of_b_refuses_as_password_and_issues_no_token(
    engine: Engine, world: tuple[Municipality, Municipality]
) -> None:
    a, _b = world
    client = TestClient(create_app(engine, municipality=LG_B, cipher=CIPHER))
    before = _tokens(engine)
    response = client.post(
        "/counter/login",
        data={
            "csrf_token": _csrf(client.get("/counter/login").text),
            "staff_id": a.supervisor.staff_id,
            "password": PASSWORD,
        },
        follow_redirects=False,
    )
    assert response.status_code == 401
    assert "職員 ID またはパスワードが正しくありません" in response.text
    assert _tokens(engine) == before
    assert client.get("/counter/", follow_redirects=False).status_code == 303


def test_a_cookie_from_as_server_is_no_session_on_bs(
    engine: Engine, world: tuple[Municipality, Municipality]
) -> None:
    a, _b = world
    app_a = create_app(engine, municipality=LG_A, cipher=CIPHER)
    app_b = create_app(engine, municipality=LG_B, cipher=CIPHER)
    on_a = TestClient(app_a)
    signed = on_a.post(
        "/counter/login",
        data={
            "csrf_token": _csrf(on_a.get("/counter/login").text),
            "staff_id": a.supervisor.staff_id,
            "password": PASSWORD,
        },
        follow_redirects=False,
    )
    assert signed.status_code == 303
    assert on_a.get("/counter/", follow_redirects=False).status_code == 200
    cookie = on_a.cookies.get(s.COUNTER.cookie)
    assert cookie
    on_b = TestClient(app_b)
    on_b.cookies.set(s.COUNTER.cookie, cookie)
    refused = on_b.get("/counter/", follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"].startswith("/counter/login")
    # one key configured for both servers, yet each signs with its own derived secret
    secret_a = s.secret_of(SimpleNamespace(app=app_a))  # type: ignore[arg-type]
    secret_b = s.secret_of(SimpleNamespace(app=app_b))  # type: ignore[arg-type]
    assert secret_a != secret_b


def test_a_residents_code_from_a_does_not_open_bs_resident_pages(
    engine: Engine, world: tuple[Municipality, Municipality]
) -> None:
    a, _b = world
    issued = ResidentAccess(a.registry).issue(a.ids["person_id"], a.supervisor)
    client = TestClient(create_app(engine, municipality=LG_B, cipher=CIPHER))
    response = client.post(
        "/me/login",
        data={
            "csrf_token": _csrf(client.get("/me/login").text),
            "code": issued.code,
            "date_of_birth": "1980-04-02",
        },
        follow_redirects=False,
    )
    assert response.status_code == 422
    assert client.get("/me/", follow_redirects=False).headers["location"].startswith("/me/login")


def test_a_server_that_serves_no_municipality_admits_no_token(
    engine: Engine, world: tuple[Municipality, Municipality]
) -> None:
    a, _b = world
    client = TestClient(create_app(engine, cipher=CIPHER))
    response = client.get(
        f"/api/registry/residents/{a.ids['person_id']}",
        headers={"Authorization": f"Bearer {a.token}"},
    )
    assert response.status_code in (403, 404)
    assert "川越" not in response.text
