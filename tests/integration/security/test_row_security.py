"""Row-level security, the second tenant wall (PostgreSQL, migration 0017).

The web process connects as an ordinary role (created here: RLS never binds a superuser)
through :func:`jichi.store.engine.tenant_engine`; a query *without* the ``lg_code``
filter then still sees and writes only the served municipality's rows.  Also shown: the
setting ends with its transaction (a pooled connection never carries it on), an empty
setting admits every row (migrations, CLI, center), and the limit — a superuser sees all.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from jichi.registry.tables import resident, support_measure
from jichi.store.engine import row_security_bypassed, tenant_engine
from jichi.web.app import create_app
from tests.integration.security.tenants import (
    B_SURNAME,
    CIPHER,
    LG_A,
    LG_B,
    Municipality,
    two_municipalities,
)


@pytest.fixture
def world(pg: Engine) -> tuple[Municipality, Municipality]:
    return two_municipalities(pg)


def _codes(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(sa.select(resident.c.lg_code)).scalars())  # no lg_code filter


def test_every_municipal_table_has_the_policy(pg: Engine) -> None:
    with pg.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c "
                "JOIN pg_policy p ON p.polrelid = c.oid WHERE p.polname = 'jichi_tenant'"
            )
        ).all()
    covered = {r.relname for r in rows if r.relrowsecurity and r.relforcerowsecurity}
    for table in ("resident", "household", "support_measure", "node_task", "remote_copy",
                  "issuance_notice", "issuance_notification_registration",
                  "resident_access_code", "certificate", "registry_event", "election",
                  "check_in", "voter_roll_build", "voter_roll_build_entry", "receipt",
                  "reception", "certificate_charge"):  # fmt: skip
        assert table in covered
    assert "audit_log" not in covered  # one chain across municipalities: scoped in code


def test_a_query_without_the_tenant_filter_sees_only_its_own_rows(
    web_role: Engine, world: tuple[Municipality, Municipality]
) -> None:
    assert _codes(web_role) == {LG_A, LG_B}  # no tenant set: the CLI's view
    assert _codes(tenant_engine(web_role, LG_B)) == {LG_B}
    assert _codes(tenant_engine(web_role, LG_A)) == {LG_A}
    with tenant_engine(web_role, LG_B).connect() as conn:
        measures = conn.execute(sa.select(support_measure.c.lg_code)).scalars().all()
        assert set(measures) == {LG_B}
        ended = conn.execute(support_measure.update().values(basis="書き換え")).rowcount
        conn.commit()
    assert ended == 1  # only B's measure, though the UPDATE named none
    with web_role.connect() as conn:
        query = sa.select(support_measure.c.lg_code, support_measure.c.basis)
        bases = {code: basis for code, basis in conn.execute(query).all()}
    assert bases[LG_A] == "意見書" and bases[LG_B] == "書き換え"


def test_a_row_of_another_municipality_cannot_be_written(
    web_role: Engine, world: tuple[Municipality, Municipality]
) -> None:
    a, _b = world
    bound = tenant_engine(web_role, LG_B)
    row = {
        "measure_id": str(uuid.uuid4()),
        "lg_code": LG_A,
        "person_id": a.ids["person_id"],
        "other_parties": [],
        "starts_on": datetime(2026, 1, 1, tzinfo=UTC).date(),
        "ends_on": datetime(2027, 1, 1, tzinfo=UTC).date(),
        "basis": "x",
        "version": 1,
        "recorded_by": "x",
        "recorded_at": datetime(2026, 1, 1, tzinfo=UTC),
    }
    refused = pytest.raises(sa.exc.DBAPIError, match="row-level security")
    with refused, bound.begin() as conn:
        conn.execute(support_measure.insert().values(**row))
    moved = pytest.raises(sa.exc.DBAPIError, match="row-level security")
    with moved, bound.begin() as conn:  # moving B's row to A is refused the same way
        conn.execute(support_measure.update().values(lg_code=LG_A))


def test_the_setting_ends_with_its_transaction(
    web_role: Engine, world: tuple[Municipality, Municipality]
) -> None:
    bound = tenant_engine(web_role, LG_B)
    with bound.connect() as conn:
        assert conn.execute(text("SELECT current_setting('jichi.lg_code', true)")).scalar() == LG_B
    with web_role.connect() as conn:  # the same pooled connection (pool_size=1)
        assert conn.execute(text("SELECT current_setting('jichi.lg_code', true)")).scalar() in (
            "",
            None,
        )
    assert _codes(web_role) == {LG_A, LG_B}


def test_the_limit_a_superuser_is_not_subject_to_rls(
    pg: Engine, world: tuple[Municipality, Municipality]
) -> None:
    assert _codes(tenant_engine(pg, LG_B)) == {LG_A, LG_B}  # why the web needs its own role
    assert row_security_bypassed(pg)  # what `jichi serve` warns about


def test_the_ordinary_role_does_not_bypass(web_role: Engine) -> None:
    assert not row_security_bypassed(web_role)


def test_bs_web_app_on_the_ordinary_role_serves_b_and_refuses_a(
    web_role: Engine, world: tuple[Municipality, Municipality]
) -> None:
    a, b = world
    client = TestClient(create_app(web_role, municipality=LG_B, cipher=CIPHER))
    own = client.get(
        f"/api/registry/residents/{b.ids['person_id']}",
        headers={"Authorization": f"Bearer {b.token}"},
    )
    assert own.status_code == 200 and B_SURNAME in own.text
    other = client.get(
        f"/api/registry/residents/{a.ids['person_id']}",
        headers={"Authorization": f"Bearer {b.token}"},
    )
    assert other.status_code == 404
    assert client.get(
        f"/api/registry/residents/{b.ids['person_id']}",
        headers={"Authorization": f"Bearer {a.token}"},
    ).status_code in (401, 403)
