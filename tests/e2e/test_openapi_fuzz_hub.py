"""schemathesis against the exchange hub's OpenAPI document, with every check: no 500, no
answer the schema does not describe, no bad input accepted.

Every operation is fuzzed with a valid agency credential (so requests reach the handlers),
on a hub with the illustrative catalogue, PIA records and one person's tokens.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks

from jichi.mynumber.hub.catalogue import ILLUSTRATIVE, read
from jichi.mynumber.hub.keys import HubKey
from jichi.mynumber.hub.service import ExchangeHub
from jichi.store import migrate
from jichi.store.engine import make_engine
from jichi.web.hub.app import create_hub_app

CREDENTIAL: dict[str, str] = {}


def build_app() -> FastAPI:
    """Built when the module is collected: schemathesis needs the schema to parametrize."""
    path = Path(tempfile.mkdtemp(prefix="jichi-hub-fuzz-")) / "hub.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    hub = ExchangeHub(engine, key=HubKey(b"z" * 32))
    hub.load_catalogue(read(ILLUSTRATIVE), by="fuzz")
    for agency, kind, scope in (("nenkin", "affair", "pension-exemption"),
                                ("lg-112011", "item", "resident_tax_income")):  # fmt: skip
        hub.record_pia(agency, kind, scope, evaluated_on=date(2020, 1, 1),
                       valid_until=date(2099, 1, 1))  # fmt: skip
    credential = hub.issue_credential("nenkin")
    number = hub.issue_request_number(resident_code="00000000019", agency_id="nenkin",
                                      lg_code="112011")  # fmt: skip
    hub.agencies.redeem(credential, number)
    CREDENTIAL["Authorization"] = f"Bearer {credential}"
    return create_hub_app(hub)


schema = schemathesis.openapi.from_asgi("/openapi.json", build_app())
load_all_checks()
# As in test_openapi_fuzz: the hub's rules (the catalogue, PIA, one-time numbers, the
# caller's own tokens) live past the schema, so a schema-valid request is often rightly 4xx.
NOT_APPLICABLE = {"positive_data_acceptance", "max_response_time"}
ALL_CHECKS = [c for c in CHECKS.get_all() if c.__name__ not in NOT_APPLICABLE]


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_makes_the_hub_api_fail_with_a_500(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=CREDENTIAL, checks=ALL_CHECKS)
