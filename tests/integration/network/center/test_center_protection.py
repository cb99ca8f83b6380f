"""Issue 9 at the center: a protected person's address, and what a municipality may ask.

Both paths (SQLAlchemy on SQLite and PostgreSQL; the asyncpg hot path on PostgreSQL),
single and bulk requests: the answers must agree byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.network.center.agencies import add_agency, issue_token
from jichi.network.center.policy import CenterPolicy
from jichi.store.engine import write_transaction
from jichi.web.center.app import create_center_app
from tests.integration.network.center.conftest import (
    CODE,
    KAWAGOE,
    PENSION_PURPOSE,
    YOKOHAMA,
    Municipality,
    deliver,
    holder,
    pension_office,
)

COURT = "裁判所の調査嘱託"
POLICY = CenterPolicy(protected_address_purposes=frozenset({COURT}))


@pytest.fixture(params=["hot", "sqlalchemy"])
def client(request: pytest.FixtureRequest, engine: Engine) -> Iterator[TestClient]:
    hot = request.param == "hot"
    if hot and engine.dialect.name != "postgresql":
        pytest.skip("the hot path is PostgreSQL only")
    app = create_center_app(engine, hot_path=hot, policy=POLICY)
    with TestClient(app) as test_client:
        yield test_client


def ask(client: TestClient, token: str, purpose: str, bulk: bool = False) -> Any:
    query = {"resident_code": CODE}
    body = {"purpose": purpose, "items": [query]} if bulk else {"purpose": purpose, **query}
    response = client.post(
        "/v1/verify/bulk" if bulk else "/v1/verify",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    )
    return response


def identity_of(response: Any, bulk: bool) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    answer = body["results"][0] if bulk else body
    assert answer["result"] == "match"
    return dict(answer["identity"])


def test_the_flag_reaches_the_center_and_stays_until_an_update_says_otherwise(
    engine: Engine,
) -> None:
    yokohama = Municipality(YOKOHAMA)
    deliver(engine, [yokohama.update("move_in", "2025-04-01")])
    row = holder(engine)
    assert row is not None and row.protected is False
    deliver(engine, [yokohama.update("support_measure", "2025-05-01", protected=True)])
    deliver(engine, [yokohama.update("address_change", "2025-06-01")])  # says nothing
    row = holder(engine)
    assert row is not None and row.protected is True
    deliver(engine, [yokohama.update("support_measure", "2026-05-01", protected=False)])
    row = holder(engine)
    assert row is not None and row.protected is False


@pytest.mark.parametrize("bulk", [False, True], ids=["single", "bulk"])
def test_a_protected_persons_address_is_withheld_unless_the_purpose_is_allowed(
    client: TestClient, engine: Engine, bulk: bool
) -> None:
    yokohama = Municipality(YOKOHAMA)
    deliver(engine, [yokohama.update("move_in", "2025-04-01")])
    with write_transaction(engine) as conn:
        agency = add_agency(
            conn, "年金と裁判所", legal_ground="別表第一", purposes=[PENSION_PURPOSE, COURT]
        )
        token = issue_token(conn, agency.agency_id)
    plain = identity_of(ask(client, token, PENSION_PURPOSE, bulk), bulk)
    assert plain["address"] == "神奈川県横浜市西区高島二丁目5番"
    deliver(engine, [yokohama.update("support_measure", "2025-05-01", protected=True)])
    masked = identity_of(ask(client, token, PENSION_PURPOSE, bulk), bulk)
    assert "address" not in masked and "高島" not in str(masked)
    assert masked["name"] == "髙橋　一郎"  # the match and the other items are given
    allowed = identity_of(ask(client, token, COURT, bulk), bulk)
    assert allowed["address"] == "神奈川県横浜市西区高島二丁目5番"


def test_an_agency_with_only_the_address_item_gets_valid_json(
    client: TestClient, engine: Engine
) -> None:
    yokohama = Municipality(YOKOHAMA)
    deliver(engine, [yokohama.update("move_in", "2025-04-01", protected=True)])
    with write_transaction(engine) as conn:
        agency = add_agency(
            conn, "住所だけ", legal_ground="別表第一", purposes=[PENSION_PURPOSE], items=["address"]
        )
        token = issue_token(conn, agency.agency_id)
    for bulk in (False, True):
        assert identity_of(ask(client, token, PENSION_PURPOSE, bulk), bulk) == {}


def test_a_municipality_account_reads_only_for_the_network_purposes(
    client: TestClient, engine: Engine
) -> None:
    deliver(engine, [Municipality(YOKOHAMA).update("move_in", "2025-04-01")])
    with write_transaction(engine) as conn:
        town = add_agency(
            conn,
            "川越市",
            legal_ground="住民基本台帳法30条の10",
            purposes=["本人確認", "税務調査"],  # registered, but not a network purpose
            kind="municipality",
            lg_code=KAWAGOE,
        )
        token = issue_token(conn, town.agency_id)
    refused = ask(client, token, "税務調査")
    assert refused.status_code == 403 and refused.json()["code"] == "CEN-020"
    assert ask(client, token, "本人確認").status_code == 200
    _, agency_token = pension_office(engine)  # agencies keep their own purposes
    assert ask(client, agency_token, PENSION_PURPOSE).status_code == 200


def test_the_policy_is_read_from_the_environment() -> None:
    policy = CenterPolicy.from_env(
        {
            "JICHI_CENTER_PROTECTED_ADDRESS_PURPOSES": f"{COURT}, 警察の捜査",
            "JICHI_CENTER_MUNICIPALITY_PURPOSES": "転入",
        }
    )
    assert policy.protected_address_purposes == {COURT, "警察の捜査"}
    assert policy.municipality_purposes == {"転入"}
    default = CenterPolicy.from_env({})
    assert default.protected_address_purposes == frozenset()
    assert default.municipality_purposes == {"転入", "広域交付", "本人確認"}
