"""Issue 9, item 1 — each thing seen on main, one test each (both databases).

Staff of A (川越市), with A's token or A's counter session, on B's (千代田区) server.
The session is a cookie signed with B's key holding A's token: on main both servers
signed with the same key, so this is exactly what A's staff had.  Each test makes the
request with a well-formed body (so only the tenant can stop it), expects a refusal
and checks in the database that nothing happened.  Each failed on main.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.network.flows.tables import node_task
from jichi.registry import issuance_notification as ino
from jichi.registry.resident_access import resident_access_code
from jichi.registry.tables import support_measure
from jichi.web.app import create_app
from jichi.web.pages import session as s
from tests.integration.security.tenants import (
    B_SURNAME,
    CIPHER,
    LG_B,
    Municipality,
    snapshot,
    two_municipalities,
)
from tests.integration.security.test_tenancy import counter_cookie

CSRF = "c" * 32


class Attacker:
    """A's staff member at B's server, with A's token and A's token in a B-signed cookie."""

    def __init__(self, engine: Engine, a: Municipality) -> None:
        app = create_app(engine, municipality=LG_B, cipher=CIPHER)
        self.client = TestClient(app, raise_server_exceptions=False)
        self.client.cookies.set(s.COUNTER.cookie, counter_cookie(app, a.token, CSRF))
        self.bearer = {"Authorization": f"Bearer {a.token}"}

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> None:
        response = self.client.request(method, path, json=body, headers=self.bearer)
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "AUTH-010" and B_SURNAME not in response.text

    def page(self, method: str, path: str, form: dict[str, str] | None = None) -> None:
        data = {s.CSRF_FIELD: CSRF, **(form or {})} if method == "POST" else None
        response = self.client.request(method, path, data=data, follow_redirects=False)
        assert response.status_code == 303, response.text
        assert response.headers["location"].startswith("/counter/login")


@pytest.fixture
def world(engine: Engine) -> tuple[Municipality, Municipality]:
    return two_municipalities(engine)


@pytest.fixture
def attacker(engine: Engine, world: tuple[Municipality, Municipality]) -> Attacker:
    return Attacker(engine, world[0])


def _count(engine: Engine, table: sa.Table, **where: str) -> int:
    query = sa.select(sa.func.count()).select_from(table)
    for name, value in where.items():
        query = query.where(table.c[name] == value)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def test_a_cannot_end_or_renew_bs_support_measure(
    engine: Engine, world: tuple[Municipality, Municipality], attacker: Attacker
) -> None:
    _a, b = world
    measure = b.ids["measure_id"]
    attacker.api("POST", f"/api/registry/support-measures/{measure}/end", {"expected_version": 1})
    attacker.api("POST", f"/api/registry/support-measures/{measure}/renew", {"expected_version": 1})
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(support_measure).where(support_measure.c.measure_id == measure)
        ).one()
    assert row.ended_on is None and row.version == 1


def test_a_cannot_register_a_support_measure_for_bs_resident(
    engine: Engine, world: tuple[Municipality, Municipality], attacker: Attacker
) -> None:
    _a, b = world
    body = {"other_parties": [{"name": "加害　三郎"}], "basis": "意見書"}
    attacker.api("POST", f"/api/registry/residents/{b.ids['person_id']}/support-measures", body)
    assert _count(engine, support_measure, person_id=b.ids["person_id"]) == 0


def test_a_cannot_read_whether_bs_resident_is_protected(
    engine: Engine, world: tuple[Municipality, Municipality], attacker: Attacker
) -> None:
    _a, b = world
    before = snapshot(engine)
    attacker.api("GET", f"/api/registry/residents/{b.ids['protected_person_id']}/restrictions")
    assert snapshot(engine) == before  # not even the audited read happened


def test_a_cannot_read_bs_audit_log(
    engine: Engine, world: tuple[Municipality, Municipality], attacker: Attacker
) -> None:
    attacker.page("GET", "/counter/audit")
    attacker.page("GET", f"/counter/audit?person_id={world[1].ids['person_id']}")


def test_a_cannot_list_or_close_bs_network_tasks(
    engine: Engine, world: tuple[Municipality, Municipality], attacker: Attacker
) -> None:
    _a, b = world
    attacker.page("GET", "/counter/network")
    attacker.page("POST", f"/counter/network/tasks/{b.ids['task_id']}/close", {"note": "閉じた"})
    with engine.connect() as conn:
        closed = conn.execute(
            sa.select(node_task.c.closed_at).where(node_task.c.task_id == b.ids["task_id"])
        ).scalar_one()
    assert closed is None


def test_a_cannot_register_or_withdraw_bs_issuance_notification_or_mark_letters_sent(
    engine: Engine, world: tuple[Municipality, Municipality], attacker: Attacker
) -> None:
    _a, b = world
    head, wife = b.ids["person_id"], b.ids["protected_person_id"]
    attacker.page("POST", f"/counter/residents/{wife}/issuance_notification")
    attacker.page("POST", f"/counter/residents/{head}/issuance_notification/end")
    attacker.page("GET", "/counter/issuance_notices")
    attacker.page("GET", f"/counter/issuance_notices/{b.ids['notice_id']}/letter")
    attacker.page("POST", f"/counter/issuance_notices/{b.ids['notice_id']}/sent")
    assert ino.registrations_of(engine, LG_B, wife) == []
    [registration] = ino.registrations_of(engine, LG_B, head)
    assert registration.ended_on is None
    assert ino.get_notice(engine, LG_B, b.ids["notice_id"]).sent_at is None


def test_a_cannot_view_bs_remote_copy_requests(
    engine: Engine, world: tuple[Municipality, Municipality], attacker: Attacker
) -> None:
    _a, b = world
    before = snapshot(engine)
    attacker.page("GET", f"/counter/remote_copies/{b.ids['request_id']}")
    attacker.page("GET", f"/counter/remote_copies/{b.ids['request_id']}/status")
    assert snapshot(engine) == before


def test_a_cannot_issue_an_access_code_for_bs_resident(
    engine: Engine, world: tuple[Municipality, Municipality], attacker: Attacker
) -> None:
    _a, b = world
    attacker.page("POST", f"/counter/residents/{b.ids['person_id']}/access-code")
    assert _count(engine, resident_access_code) == 0
