"""The bulk path: 10,000 people in one request, one query per chunk, every answer logged."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from jichi.network.center.identity import parse, record
from jichi.network.center.provisions import count_provisions
from jichi.network.center.tables import center_provision
from jichi.store.engine import write_transaction
from jichi.web.center.app import create_center_app
from tests.integration.network.center.conftest import (
    NOW,
    PENSION_PURPOSE,
    YOKOHAMA,
    Municipality,
    pension_office,
)

PEOPLE = 9_800  # at the center; the request also asks about 200 who are not


def code(i: int) -> str:
    return f"5{i:010d}"


def born(i: int) -> date:
    return date(1940, 1, 1) + timedelta(days=i % 20_000)


@pytest.fixture
def population(engine: Engine) -> None:
    """9,800 people filed through the real handler code, in one transaction."""
    yokohama = Municipality(YOKOHAMA)
    with write_transaction(engine) as conn:
        for i in range(PEOPLE):
            env = yokohama.update(
                "import",
                "2020-01-01",
                code=code(i),
                name=f"髙橋　太郎{i}",
                born=born(i).isoformat(),
                sex="male" if i % 2 else "female",
                address=f"神奈川県横浜市西区高島二丁目{i}番",
                status="removed" if i % 97 == 0 else "active",
            )
            update = parse(env)
            assert update is not None
            record(conn, env, update, now=NOW)


@pytest.fixture
def selects(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """SELECTs of identity rows, on either path (SQLAlchemy, or asyncpg on PostgreSQL)."""
    seen: list[str] = []

    def note(statement: str) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "center_identity" in statement:
            seen.append(statement)

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        note(statement)

    fetch = asyncpg.Connection.fetch

    async def counted_fetch(self: asyncpg.Connection, query: str, *args: Any, **kw: Any) -> Any:
        note(query)
        return await fetch(self, query, *args, **kw)

    monkeypatch.setattr(asyncpg.Connection, "fetch", counted_fetch)
    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


@pytest.mark.slow
def test_ten_thousand_in_one_request_are_answered_correctly_and_each_is_logged(
    engine: Engine, population: None, selects: list[str]
) -> None:
    agency, token = pension_office(engine)
    items: list[dict[str, Any]] = []
    expected: list[tuple[str, str | None]] = []
    for n in range(10_000):
        i = n if n < PEOPLE else PEOPLE + n  # the last 200 are nobody
        sex = "male" if i % 2 else "female"
        if n % 2:  # by code
            items.append({"resident_code": code(i), "ref": f"r{n}"})
        else:  # by basic four, as the agency spells it
            dob = born(i) if n % 10 else born(i) + timedelta(days=1)  # every 10th: wrong DOB
            items.append(
                {
                    "name": f"高橋 太郎{i}",
                    "date_of_birth": dob.isoformat(),
                    "sex": sex,
                    "address": f"神奈川県横浜市西区高島２－{i}",
                    "ref": f"r{n}",
                }
            )
        found = i < PEOPLE and (n % 2 == 1 or n % 10 != 0)
        expected.append(("match", code(i)) if found else ("no_match", None))
    with TestClient(create_center_app(engine)) as client:
        selects.clear()
        response = client.post(
            "/v1/verify/bulk",
            json={"purpose": PENSION_PURPOSE, "items": items},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 200, response.text[:500]
    body = response.json()
    got = [(r["result"], r["resident_code"]) for r in body["results"]]
    assert got == expected
    assert [r["ref"] for r in body["results"]] == [f"r{n}" for n in range(10_000)]
    assert body["matched"] == sum(1 for e in expected if e[0] == "match")
    assert body["results"][1]["identity"]["status"] == "active"
    assert body["results"][97]["identity"]["status"] == "removed"  # a death is news too
    # One SELECT per chunk of 500, not one per person.
    assert 1 <= len(selects) <= 2 * (10_000 // 500)
    with engine.connect() as conn:
        assert count_provisions(conn, request_id=body["request_id"]) == 10_000
        assert count_provisions(conn, agency_id=agency.agency_id) == 10_000
        logged = conn.execute(
            sa.select(
                center_provision.c.item, center_provision.c.resident_code, center_provision.c.result
            )
            .where(center_provision.c.request_id == body["request_id"])
            .order_by(center_provision.c.item)
        ).all()
    for n, (item, logged_code, result) in enumerate(logged):
        assert item == n
        assert result == expected[n][0]
        asked = items[n].get("resident_code")
        assert logged_code == (expected[n][1] or asked)


def test_duplicates_within_one_bulk_request_are_each_answered_and_logged(
    engine: Engine,
) -> None:
    yokohama = Municipality(YOKOHAMA)
    with write_transaction(engine) as conn:
        env = yokohama.update("import", "2020-01-01", code=code(1))
        update = parse(env)
        assert update is not None
        record(conn, env, update, now=NOW)
    _, token = pension_office(engine)
    with TestClient(create_center_app(engine)) as client:
        response = client.post(
            "/v1/verify/bulk",
            json={"purpose": PENSION_PURPOSE, "items": [{"resident_code": code(1)}] * 3},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert [r["result"] for r in response.json()["results"]] == ["match"] * 3
    with engine.connect() as conn:
        assert count_provisions(conn, request_id=response.json()["request_id"]) == 3
    assert uuid.UUID(response.json()["request_id"])
