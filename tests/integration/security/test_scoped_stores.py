"""The stores, bound to A, refuse B's ids: the wall under the sign-in check (both databases).

Each of the paths seen on main (issue 9, item 1) called with A's bound store and B's id:
support measures (end, renew, restrictions), 本人通知 (register, withdraw, letters),
resident access codes, the audit log's reads, network tasks and 広域交付 requests.  Each
is refused or finds nothing, and B's rows are exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from jichi.kernel.errors import ErrorKind, JichiError
from jichi.network.flows.remote_copy import list_remote_copies
from jichi.network.flows.tasks import close_task, tasks
from jichi.registry import issuance_notification as ino
from jichi.registry.errors import PERSON_NOT_FOUND
from jichi.registry.protection import Protection
from jichi.registry.resident_access import ResidentAccess
from jichi.registry.restrictions import MEASURE_NOT_FOUND
from jichi.security.audit_reads import TenantAuditLog
from jichi.security.tenancy import Tenant
from jichi.store.engine import write_transaction
from tests.integration.security.tenants import (
    CIPHER,
    LG_B,
    TODAY,
    Municipality,
    snapshot,
    two_municipalities,
)

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


@pytest.fixture
def world(engine: Engine) -> tuple[Municipality, Municipality]:
    return two_municipalities(engine)


def refused(call: Callable[[], object], kind: ErrorKind) -> None:
    with pytest.raises(JichiError) as raised:
        call()
    assert raised.value.code == kind.code, raised.value


def test_as_support_measure_store_cannot_touch_bs_measures(
    engine: Engine, world: tuple[Municipality, Municipality]
) -> None:
    a, b = world
    before = snapshot(engine)
    protection = Protection(a.registry)
    measure = b.ids["measure_id"]
    refused(lambda: protection.end(measure, 1, a.supervisor), MEASURE_NOT_FOUND)
    refused(lambda: protection.renew(measure, 1, a.supervisor), MEASURE_NOT_FOUND)
    person = b.ids["protected_person_id"]
    refused(lambda: protection.restrictions(person, actor=a.supervisor), PERSON_NOT_FOUND)
    assert protection.protected([person]) == {person: False}
    assert snapshot(engine) == before


def test_as_issuance_notification_calls_cannot_touch_bs(
    engine: Engine, world: tuple[Municipality, Municipality]
) -> None:
    a, b = world
    before = snapshot(engine)
    person, notice = b.ids["person_id"], b.ids["notice_id"]
    key = CIPHER.audit_key
    refused(
        lambda: ino.end(engine, a.lg_code, person, a.supervisor, TODAY, ino.EndReason.WITHDRAWN,
                        audit_key=key),
        ino.NOT_REGISTERED,
    )  # fmt: skip
    refused(lambda: ino.register(engine, a.lg_code, person, a.supervisor, TODAY, audit_key=key),
            PERSON_NOT_FOUND)  # fmt: skip
    refused(lambda: ino.get_notice(engine, a.lg_code, notice), ino.NOTICE_NOT_FOUND)
    refused(lambda: ino.mark_sent(engine, a.lg_code, notice, a.supervisor, NOW, audit_key=key),
            ino.NOTICE_NOT_FOUND)  # fmt: skip
    assert notice not in {n.notice_id for n in ino.unsent(engine, a.lg_code)}
    assert ino.registrations_of(engine, a.lg_code, person) == []
    assert snapshot(engine) == before


def test_as_access_codes_and_audit_reads_cannot_reach_bs_residents(
    engine: Engine, world: tuple[Municipality, Municipality]
) -> None:
    a, b = world
    before = snapshot(engine)
    access = ResidentAccess(a.registry)
    refused(lambda: access.issue(b.ids["person_id"], a.supervisor), PERSON_NOT_FOUND)
    assert access.accesses(b.ids["person_id"]) == []
    with engine.connect() as conn:
        log = TenantAuditLog(Tenant(a.lg_code))
        assert {r.lg_code for r in log.rows(conn, limit=1000)} == {a.lg_code}
        assert log.rows(conn, person_id=b.ids["person_id"], limit=10) == []
        assert log.for_person(conn, b.ids["person_id"]) == []
        assert TenantAuditLog(LG_B).for_person(conn, b.ids["person_id"])  # B sees its own
    with pytest.raises(ValueError):
        TenantAuditLog("")
    assert snapshot(engine) == before


def test_as_network_calls_cannot_list_or_close_bs_tasks_and_copies(
    engine: Engine, world: tuple[Municipality, Municipality]
) -> None:
    a, b = world
    before = snapshot(engine)
    with write_transaction(engine) as conn:
        assert b.ids["task_id"] not in {t.task_id for t in tasks(conn, a.lg_code)}
        assert not close_task(conn, b.ids["task_id"], "x", NOW, "閉じる", lg_code=a.lg_code)
        copies = list_remote_copies(conn, a.lg_code, ())
        assert b.ids["request_id"] not in {c.request_id for c in copies}
    assert snapshot(engine) == before
    with write_transaction(engine) as conn:  # B's own close still works
        assert close_task(conn, b.ids["task_id"], "x", NOW, "閉じる", lg_code=b.lg_code)
