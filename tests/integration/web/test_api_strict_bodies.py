"""A request body with a key the API does not know is refused, not silently ignored.

Before, the search and support-measure bodies ignored unknown keys: ``{"nmae": "山田"}``
searched for nothing and a misspelt ``expected_verison`` was dropped.  schemathesis's
positive_data_acceptance found it (the schema allowed any extra key).
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.integration.web.signed_in import Counter, counter


@pytest.fixture
def app(engine: Engine) -> Counter:
    return counter(engine)


def test_a_search_with_a_misspelt_key_is_a_422_naming_it(app: Counter) -> None:
    response = app.client.post(
        "/api/registry/residents/search", json={"nmae": "山田"}, headers=app.bearer
    )
    assert response.status_code == 422
    assert response.json()["code"] == "GEN-001"
    assert any("nmae" in (e["field"] or "") for e in response.json()["errors"])


def test_a_support_measure_body_with_an_unknown_key_is_a_422(app: Counter) -> None:
    body = {"other_parties": [{"name": "加害　次郎", "nickname": "x"}], "basis": "意見書"}
    response = app.client.post(
        f"/api/registry/residents/{app.person_id}/support-measures", json=body, headers=app.bearer
    )
    assert response.status_code == 422
    assert any("nickname" in (e["field"] or "") for e in response.json()["errors"])


def test_the_schema_says_the_bodies_take_no_other_keys(app: Counter) -> None:
    schemas = app.client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("SearchIn", "SupportMeasureIn", "OtherPartyIn", "VersionIn"):
        assert schemas[name]["additionalProperties"] is False, name
