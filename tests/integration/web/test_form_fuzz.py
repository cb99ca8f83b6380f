"""Every page POST, fuzzed: whatever names and values a form carries, never a 500.

The routes are enumerated from the app itself (every route with POST that is not in the
OpenAPI schema, i.e. every page form), so a new form is fuzzed without editing this file.
Values include NUL, lone surrogates (sent as their UTF-8-like bytes), digits of other
scripts, huge numbers, far-off years, deep JSON and individual numbers; names include
repeats, ``a[b]``, deep paths and huge row indexes.  Both databases.
"""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from jichi.kernel.identifiers import individual_number_check_digit
from jichi.web.pages import notifications, person_forms
from tests.integration.web.signed_in import Counter, counter, csrf, post_pairs, sign_in

BASE = "98765432109"
MY_NUMBER = BASE + str(individual_number_check_digit(BASE))
NAMES = [
    "persons.0.name.family",
    "persons.0.name.given",
    "persons.0.date_of_birth",
    "persons.1.sex",
    "persons.19.relationship",
    "persons.20.name.family",
    "persons.99999999.name.family",
    "effective_date",
    "notified_date",
    "planned_date",
    "note",
    "purpose",
    "basis",
    "address",
    "address.town",
    "address.block",
    "previous_address.municipality",
    "destination.abroad",
    "person_rows",
    "card_person",
    "card",
    "action",
    "step",
    "pending",
    "reason",
    "distinct_person_reason",
    "version",
    "person_ids",
    "person_id",
    "items",
    "kind",
    "staff_id",
    "password",
    "code",
    "date_of_birth",
    "name",
    "kana",
    "resident_code",
    "holder",
    "id_document",
    "id_checked",
    "before",
    "next",
    "whole_household",
    "new_head_id",
    "household_id",
    "relationships.x",
    "a[b]",
    "a.b.c.d.e",
    "１",
]
SPECIAL = [
    "",
    "\x00",
    "a\x00b",
    b"\xed\xa0\x80",  # a lone surrogate, as a careless encoder writes it
    "１２",
    "٣",
    "²",
    "9" * 40,
    "-1",
    "9999-12-31",
    "0001-01-01",
    "R8.11.20",
    "令和99999年1月1日",
    "[" * 5000,
    '{"name": "山田 太郎", "date_of_birth": "9999-01-01", "address": "' + "東" * 5000 + '"}',
    MY_NUMBER,
    f"{MY_NUMBER[:4]} {MY_NUMBER[4:8]} {MY_NUMBER[8:]}",
    "add_person",
    "card",
    "submit",
    "on",
    "move_in",
]
KINDS = sorted(
    {*notifications.FAMILY_KINDS, *notifications.HOUSEHOLD_KINDS, *person_forms.PERSON_KINDS}
)

values = st.one_of(st.sampled_from(SPECIAL), st.text(max_size=30))
names = st.one_of(st.sampled_from(NAMES), st.text(min_size=1, max_size=20))
forms = st.lists(st.tuples(names, values), max_size=12)


def form_routes(app: Counter) -> list[str]:
    found = []
    for route in app.client.app.routes:  # type: ignore[attr-defined]
        contexts = getattr(route, "effective_route_contexts", None)
        candidates = contexts() if contexts is not None else [route]
        for context in candidates:
            methods = getattr(context, "methods", None) or ()
            if "POST" in methods and not getattr(context, "include_in_schema", True):
                found.append(context.path)
    assert isinstance(app.client.app.routes[0], object)  # type: ignore[attr-defined]
    return sorted(set(found), key=lambda p: p.endswith("/logout"))  # sign-outs last


def url_of(path: str, app: Counter, kind: str) -> str:
    return (
        path.replace("{person_id}", app.person_id)
        .replace("{household_id}", app.household_id)
        .replace("{kind}", kind)
        .replace("{request_id}", "00000000-0000-0000-0000-000000000000")
        .replace("{task_id}", "x")
        .replace("{notice_id}", "1")
        .replace("{notification_id}", "x")
        .replace("{election_id}", "2026-mayor")
        .replace("{station_id}", "s1")
        .replace("{build_id}", "b")
    )


@pytest.fixture
def app(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Counter:
    monkeypatch.setenv("JICHI_THROTTLE_FAILURES", "1000000")
    monkeypatch.setenv("JICHI_THROTTLE_GLOBAL_FAILURES", "1000000")
    return counter(engine)


def test_the_fuzz_reaches_every_page_form(app: Counter) -> None:
    routes = form_routes(app)
    assert "/counter/notifications/{kind}" in routes and "/me/login" in routes
    assert len(routes) >= 20
    assert not any(isinstance(r, APIRoute) and r.path == "/api/registry" for r in routes)


def fuzz_route(app: Counter, path: str, token: str) -> None:
    """Random forms to one route (hypothesis), each answered below 500."""

    @settings(
        max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(pairs=forms, kind=st.sampled_from(KINDS))
    def fuzz(pairs: list[tuple[str, str | bytes]], kind: str) -> None:
        url = url_of(path, app, kind)
        response = post_pairs(app.client, url, [("csrf_token", token), *pairs])
        assert response.status_code < 500, (url, pairs, response.text[:500])

    fuzz()


@pytest.mark.slow
def test_no_form_of_any_page_makes_a_500(app: Counter) -> None:
    for path in form_routes(app):
        token = sign_in(app.client)
        if path.startswith("/me"):
            token = csrf(app.client.get("/me/login").text)
        fuzz_route(app, path, token)
