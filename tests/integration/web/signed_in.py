"""A counter app with the Yamada family moved in and a supervisor signed in (input tests)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote_plus

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import Engine

from jichi.registry.service import Registry
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from jichi.security.staff import create_staff, issue_token
from jichi.store.engine import write_transaction
from jichi.web.app import create_app
from tests.integration.registry.conftest import CLERK, ELSEWHERE, LG, address, yamada_family

PASSWORD = "madoguchi-2026"
STAFF = "kakaricho-ito"


@dataclass
class Counter:
    client: TestClient
    registry: Registry
    person_id: str
    household_id: str
    bearer: dict[str, str]


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def sign_in(client: TestClient) -> str:
    token = csrf(client.get("/counter/login").text)
    response = client.post(
        "/counter/login",
        data={"csrf_token": token, "staff_id": STAFF, "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf(client.get("/counter/").text)


def counter(engine: Engine) -> Counter:
    cipher = FieldCipher(Keys.derive(b"i" * 32))
    registry = Registry(engine, LG, cipher)
    with write_transaction(engine) as conn:
        create_staff(conn, STAFF, LG, "supervisor", "伊藤", password=PASSWORD)
        create_staff(conn, CLERK.staff_id, LG, "supervisor", "鈴木")
        bearer = {"Authorization": "Bearer " + issue_token(conn, CLERK.staff_id)}
    applied = registry.apply(
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
    app = create_app(engine, municipality=LG, cipher=cipher)
    return Counter(
        TestClient(app),
        registry,
        applied.person_ids[0],
        applied.result["household_id"],
        bearer,
    )


def post_pairs(client: TestClient, url: str, pairs: list[tuple[str, str | bytes]]) -> Response:
    """POST a urlencoded form as given: repeated names, raw bytes (surrogates) and all."""
    body = "&".join(f"{quote_plus(name)}={quote_plus(value)}" for name, value in pairs).encode(
        "ascii"
    )
    headers = {"content-type": "application/x-www-form-urlencoded"}
    return client.post(url, content=body, headers=headers)
