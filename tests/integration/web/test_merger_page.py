"""The supervisor's merger page: dry run first (nothing written), then the merger."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.security.staff import create_staff
from jichi.store.engine import write_transaction
from jichi.web.app import create_app
from tests.integration.registry.test_merger import (  # noqa: F401 (fixture)
    CIPHER,
    KAWAGOE,
    KAWAJIMA,
    dump,
    records,
    renames,
    two_towns,
)
from tests.integration.web.signed_in import csrf

PASSWORD = "gappei-2026-11"


def _signed_in(engine: Engine, role: str) -> tuple[TestClient, str]:
    with write_transaction(engine) as conn:
        create_staff(conn, f"{role}-kawagoe", KAWAGOE, role, "合併担当", password=PASSWORD)
    client = TestClient(create_app(engine, municipality=KAWAGOE, cipher=CIPHER))
    token = csrf(client.get("/counter/login").text)
    response = client.post(
        "/counter/login",
        data={"csrf_token": token, "staff_id": f"{role}-kawagoe", "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client, csrf(client.get("/counter/merger").text)


def test_dry_run_then_merge_from_the_page(two_towns: Engine) -> None:  # noqa: F811
    client, token = _signed_in(two_towns, "supervisor")
    form = {
        "csrf_token": token,
        "kind": "absorption",
        "effective_date": "R8.11.1",
        "successor": KAWAGOE,
        "parties": f"{KAWAGOE},{KAWAJIMA}",
        "mapping": "".join(f"{r.lg_code},{r.town},{r.new_town}\n" for r in renames(two_towns)),
        "basis": "令和8年総務省告示第0号",
    }
    before = dump(two_towns)
    dry = client.post("/counter/merger", data={**form, "action": "dry_run"})
    assert dry.status_code == 200, dry.text
    assert "まだ何も書き込んでいません" in dry.text and 'value="execute"' in dry.text
    assert dump(two_towns) == before
    done = client.post("/counter/merger", data={**form, "action": "execute"})
    assert done.status_code == 200, done.text
    assert "合併を実行しました" in done.text
    assert records(two_towns, KAWAJIMA) == []


def test_every_input_error_is_shown_next_to_its_input(two_towns: Engine) -> None:  # noqa: F811
    client, token = _signed_in(two_towns, "supervisor")
    bad = client.post(
        "/counter/merger",
        data={"csrf_token": token, "kind": "split", "effective_date": "いつか", "parties": ""},
    )
    assert bad.status_code == 422
    invalid = set(re.findall(r'id="([\w-]+)"[^>]*aria-invalid="true"', bad.text))
    assert {"f-kind", "f-effective_date", "f-successor", "f-parties"} <= invalid


def test_a_clerk_may_not_merge(two_towns: Engine) -> None:  # noqa: F811
    with write_transaction(two_towns) as conn:
        create_staff(conn, "madoguchi", KAWAGOE, "clerk", "窓口", password=PASSWORD)
    client = TestClient(create_app(two_towns, municipality=KAWAGOE, cipher=CIPHER))
    token = csrf(client.get("/counter/login").text)
    client.post(
        "/counter/login",
        data={"csrf_token": token, "staff_id": "madoguchi", "password": PASSWORD},
    )
    assert client.get("/counter/merger").status_code == 403
