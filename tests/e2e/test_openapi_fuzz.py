"""schemathesis against the served OpenAPI document: no input a user can send is a 500.

Every operation is fuzzed with a valid staff token (so requests reach the handlers, not
just the auth check), on a registry that already holds a family.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from jichi.registry.service import Registry
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from jichi.security.staff import create_staff, issue_token
from jichi.store import migrate
from jichi.store.engine import make_engine, write_transaction
from jichi.web.app import create_app
from tests.integration.registry.conftest import CLERK, ELSEWHERE, LG, address, yamada_family

TOKEN: dict[str, str] = {}


def build_app() -> FastAPI:
    """Built when the module is collected: schemathesis needs the schema to parametrize."""
    path = Path(tempfile.mkdtemp(prefix="jichi-fuzz-")) / "fuzz.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    cipher = FieldCipher(Keys.derive(b"f" * 32))
    registry = Registry(engine, LG, cipher)
    with write_transaction(engine) as conn:
        create_staff(conn, CLERK.staff_id, LG, "supervisor", "fuzzer")
        TOKEN["Authorization"] = "Bearer " + issue_token(conn, CLERK.staff_id)
    registry.apply(
        registry.parse(
            {
                "kind": "move_in",
                "effective_date": "2026-11-20",
                "address": address(),
                "previous_address": ELSEWHERE,
                "persons": yamada_family(),
            }
        ),
        CLERK,
    )
    return create_app(engine, municipality=LG, cipher=cipher)


schema = schemathesis.openapi.from_asgi("/openapi.json", build_app())


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_makes_the_api_fail_with_a_500(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=TOKEN, checks=[not_a_server_error])
