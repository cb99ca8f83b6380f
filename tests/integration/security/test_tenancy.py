"""Every route of B's server refuses staff of A (issue 9, item 1), on both databases.

Seen on main: with A's token or password, on B's server, staff of A ended and registered
B's support measures, read B's restrictions, B's audit log, listed and closed B's network
tasks, registered and withdrew B's 本人通知 registrations, marked B's letters as sent,
viewed B's 広域交付 requests and issued access codes for B's residents.

The test walks ``app.routes`` itself, so a new route is covered the day it is added: a
route is either listed in ``PUBLIC`` (with why) or exercised with A's credentials and
B's ids, three ways — A's bearer token; A's own counter cookie (signed by A's server);
and a cookie signed with B's secret that carries A's token (what an attacker who learnt
B's cookie key, or a deployment where both shared one, could send).  Each must be
refused (401/403/404, or the page's redirect to its sign-in) with none of B's data in
the answer, and every table must be exactly as before.  A path parameter nobody knows a
B value for fails the test, so the table cannot fall behind the routes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import Engine, create_engine

from jichi.web.app import create_app
from jichi.web.pages import session as s
from jichi.web.pages.notifications import FAMILY_KINDS, HOUSEHOLD_KINDS
from jichi.web.pages.person_forms import PERSON_KINDS
from tests.integration.security.tenants import (
    B_SURNAME,
    CIPHER,
    LG_A,
    LG_B,
    PASSWORD,
    Municipality,
    snapshot,
    two_municipalities,
)

PUBLIC: dict[tuple[str, str], str] = {
    ("GET", "/openapi.json"): "the API's description",
    ("GET", "/docs"): "the API's description",
    ("GET", "/docs/oauth2-redirect"): "the API's description",
    ("GET", "/redoc"): "the API's description",
    ("GET", "/api/health"): "liveness, no data",
    ("GET", "/healthz"): "liveness, no data",
    ("GET", "/readyz"): "schema revision, no data",
    ("GET", "/metrics"): "counts only, no persons (JICHI_METRICS_TOKEN when set)",
    ("POST", "/api/identifiers/check"): "a check digit, no data",
    ("GET", "/api/places"): "the public code list",
    ("GET", "/api/places/{code}"): "the public code list",
    ("GET", "/api/era"): "date conversion",
    ("GET", "/places/history"): "the public code list",
    ("GET", "/"): "the start page",
    ("GET", "/counter/login"): "the sign-in form (binding: test_staff_binding.py)",
    ("POST", "/counter/login"): "sign-in (A's password on B: test_staff_binding.py)",
    ("GET", "/me/login"): "the resident's sign-in form",
    ("POST", "/me/login"): "a resident's one-time code (per municipality: test_staff_binding)",
    ("GET", "/me/portal/login"): "the card sign-in form (a challenge of this municipality)",
    ("POST", "/me/portal/login"): "card sign-in: the certificate must be this municipality's "
    "(tests/integration/mynumber/portal, test_portal_pages.py)",
    ("GET", "/api/funds/public/download/{year}/{name}"): "published 政治資金 data (公開)",
    ("GET", "/api/funds/public/lines"): "published 政治資金 data (公開)",
    ("GET", "/api/funds/public/top"): "published 政治資金 data (公開)",
    ("GET", "/api/funds/public/totals"): "published 政治資金 data (公開)",
    ("GET", "/funds/search"): "published 政治資金 data (公開)",
    ("POST", "/jpki/ocsp"): "certificate status (OCSP), public by design",
    ("GET", "/jpki/ocsp/{encoded:path}"): "certificate status (OCSP), public by design",
    ("POST", "/jpki/verify"): "signature check, public by design",
    ("GET", "/elections/{election_id}/results"): "published election results",
    ("GET", "/stats/"): "published population figures",
    ("GET", "/stats/ranking.csv"): "published population figures",
    ("GET", "/stats/{code}.csv"): "published population figures",
    ("GET", "/stats/{code}"): "published population figures",
    ("GET", "/verify"): "a certificate's public check form",
    ("POST", "/verify"): "a certificate's public check (serial and code printed on it)",
}
"""Routes anyone may call, with why.  Everything else must refuse A's staff."""

FORM_KIND = {
    "/counter/notifications/{kind}": next(iter(FAMILY_KINDS)),
    "/counter/households/{household_id}/{kind}": next(iter(HOUSEHOLD_KINDS)),
    "/counter/residents/{person_id}/{kind}": next(iter(PERSON_KINDS)),
}


def routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    """(method, path) of every endpoint, including those of included routers."""

    def walk(entries: list[Any]) -> Iterator[tuple[str, str]]:
        for entry in entries:
            if hasattr(entry, "effective_candidates"):  # FastAPI's included router
                yield from walk(entry.effective_candidates())
                continue
            route = getattr(entry, "original_route", entry)
            path = entry.path
            for method in sorted(getattr(route, "methods", None) or ()):
                if method != "HEAD":
                    yield method, path

    yield from walk(list(app.routes))


def served_app(engine: Engine, lg_code: str) -> FastAPI:
    return create_app(engine, municipality=lg_code, cipher=CIPHER)


def test_every_route_is_public_or_exercised() -> None:
    """The classification is total and has no stale entry (no database needed)."""
    app = served_app(create_engine("sqlite://"), LG_B)
    table = set(routes(app))
    assert not (set(PUBLIC) - table), f"stale PUBLIC entries: {set(PUBLIC) - table}"
    for method, path in sorted(table - set(PUBLIC)):
        url(path, {"person_id": "p", "household_id": "h", "measure_id": "m", "task_id": "t",
                   "request_id": "r", "notice_id": "n", "card_id": "c", "election_id": "e",
                   "station_id": "s", "build_id": "b", "notification_id": "x",
                   "reservation_id": "v"})  # fmt: skip
        assert method in {"GET", "POST"}, (method, path)


def url(path: str, ids: dict[str, str]) -> str:
    """``path`` with B's ids; a parameter nobody has a value for fails the test."""
    kind = FORM_KIND.get(path)

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "kind" and kind is not None:
            return kind
        if name not in ids:
            pytest.fail(f"no B value for {{{name}}} in {path}: add it to tenants.py")
        return ids[name]

    return re.sub(r"\{([a-z_]+)\}", fill, path)


def counter_cookie(app: FastAPI, token: str, csrf: str) -> str:
    """A counter session for ``token`` signed with ``app``'s own cookie key."""
    secret = s.secret_of(SimpleNamespace(app=app))  # type: ignore[arg-type]
    serializer = URLSafeTimedSerializer(secret, salt=s.COUNTER.salt)
    return serializer.dumps({"csrf": csrf, "token": token, "staff_id": "forged"})


def resident_cookie(app: FastAPI, person_id: str, csrf: str, lg_code: str = LG_A) -> str:
    secret = s.secret_of(SimpleNamespace(app=app))  # type: ignore[arg-type]
    serializer = URLSafeTimedSerializer(secret, salt=s.RESIDENT.salt)
    # via/lg_code as a card sign-in on A's portal writes them (ADR 0025)
    return serializer.dumps(
        {"csrf": csrf, "person_id": person_id, "via": "card", "lg_code": lg_code}
    )


def refused(response: Any, path: str) -> bool:
    if response.status_code in (401, 403, 404):
        return B_SURNAME not in response.text
    if response.status_code == 303:  # a page's 401: to its sign-in, nothing shown
        login = (
            "/me/portal/login"
            if path.startswith("/me/portal")
            else "/me/login"
            if path.startswith("/me")
            else "/counter/login"
        )
        return str(response.headers["location"]).startswith(login)
    return False


@pytest.fixture
def world(engine: Engine) -> tuple[Municipality, Municipality]:
    return two_municipalities(engine)


def test_staff_of_a_are_refused_on_every_route_of_b(
    engine: Engine, world: tuple[Municipality, Municipality]
) -> None:
    a, b = world
    app_a, app_b = served_app(engine, LG_A), served_app(engine, LG_B)
    csrf = "c" * 32
    own_cookie = counter_cookie(app_a, a.token, csrf)  # what A's server gave A's staff
    forged = counter_cookie(app_b, a.token, csrf)  # B's key, A's token
    resident_a = resident_cookie(app_a, a.ids["person_id"], csrf)
    resident_forged = resident_cookie(app_b, a.ids["person_id"], csrf)
    ids = b.ids
    before = snapshot(engine)
    failures: list[str] = []
    exercised = 0
    client = TestClient(app_b, raise_server_exceptions=False)
    for method, path in sorted(set(routes(app_b)) - set(PUBLIC)):
        target = url(path, ids) + f"?person_id={ids['person_id']}"  # for forms that ask
        attempts: list[tuple[str, dict[str, str], dict[str, str]]] = [
            ("token", {"Authorization": f"Bearer {a.token}"}, {}),
            ("A's cookie", {}, {s.COUNTER.cookie: own_cookie, s.RESIDENT.cookie: resident_a}),
            ("forged cookie", {}, {s.COUNTER.cookie: forged, s.RESIDENT.cookie: resident_forged}),
        ]
        for how, headers, cookies in attempts:
            client.cookies.clear()
            for name, value in cookies.items():
                client.cookies.set(name, value)
            if method == "GET":
                response = client.get(target, headers=headers, follow_redirects=False)
            elif path.startswith("/api/"):
                response = client.post(target, headers=headers, json={}, follow_redirects=False)
            else:
                form = {s.CSRF_FIELD: csrf, "person_id": ids["person_id"], "note": "x"}
                response = client.post(target, headers=headers, data=form, follow_redirects=False)
            exercised += 1
            if not refused(response, path):
                failures.append(f"{method} {path} with {how}: {response.status_code}")
    assert exercised >= 3 * 40
    assert not failures, "\n".join(failures)
    assert snapshot(engine) == before  # nothing written, not even an audit row


def test_the_owner_still_gets_in(engine: Engine, world: tuple[Municipality, Municipality]) -> None:
    """The refusals above are about the tenant, not a broken app: B's staff are served."""
    _a, b = world
    client = TestClient(served_app(engine, LG_B))
    bearer = {"Authorization": f"Bearer {b.token}"}
    shown = client.get(f"/api/registry/residents/{b.ids['person_id']}", headers=bearer)
    assert shown.status_code == 200 and B_SURNAME in shown.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/counter/login").text)
    assert token is not None
    signed = client.post(
        "/counter/login",
        data={
            "csrf_token": token.group(1),
            "staff_id": b.supervisor.staff_id,
            "password": PASSWORD,
        },
        follow_redirects=False,
    )
    assert signed.status_code == 303
    page = client.get("/counter/network")
    assert page.status_code == 200 and "実態調査" in page.text
