"""Group commit on the hot path: single requests that arrive together share one statement.

PostgreSQL only (the hot path).  Every answer must still be the one its own query asks for,
with exactly one provision row committed for it; a batch that fails answers and logs
nothing for any request in it (decided: the whole batch fails, nothing is retried).
"""

from __future__ import annotations

import asyncio
import collections
from typing import Any

import httpx2
import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.network.center.hotpath import BatchFailed, CenterPool
from jichi.network.center.tables import center_provision
from jichi.network.center.verify import Query
from jichi.web.center.app import asyncpg_dsn, create_center_app
from tests.integration.network.center.conftest import (
    CODE,
    PENSION_PURPOSE,
    YOKOHAMA,
    Municipality,
    deliver,
    pension_office,
)

TWIN = "98765432109"  # same basic four as CODE, another resident code
ABSENT = "12345678914"
FOUR = {
    "name": "高橋 一郎",
    "date_of_birth": "1970-05-06",
    "sex": "male",
    "address": "神奈川県横浜市西区高島２－５",
}
# (query, result, answered code, logged code, query kind)
CASES: list[tuple[dict[str, Any], str, str | None, str | None, str]] = [
    ({"resident_code": CODE}, "match", CODE, CODE, "code"),
    ({"resident_code": TWIN}, "match", TWIN, TWIN, "code"),
    ({"resident_code": ABSENT}, "no_match", None, ABSENT, "code"),
    (FOUR, "ambiguous", None, None, "basic_four"),
    ({**FOUR, "resident_code": CODE}, "match", CODE, CODE, "code_and_basic_four"),
    ({**FOUR, "sex": "female"}, "no_match", None, None, "basic_four"),
]


@pytest.fixture
def pg(engine: Engine) -> Engine:
    if engine.dialect.name != "postgresql":
        pytest.skip("the hot path (group commit) is PostgreSQL only")
    yokohama = Municipality(YOKOHAMA)
    deliver(
        engine,
        [
            yokohama.update("move_in", "2025-04-01"),
            yokohama.update("move_in", "2025-04-01", code=TWIN),
        ],
    )
    return engine


def logged(engine: Engine) -> list[tuple[Any, ...]]:
    p = center_provision.c
    query = sa.select(p.request_id, p.item, p.query_kind, p.resident_code, p.result, p.provided_at)
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def test_two_hundred_concurrent_requests_each_get_their_answer_and_one_provision_row(
    pg: Engine,
) -> None:
    _, token = pension_office(pg)
    app = create_center_app(pg)

    async def fire() -> list[tuple[int, int, dict[str, Any]]]:
        async with app.router.lifespan_context(app):
            assert app.state.hot is not None
            transport = httpx2.ASGITransport(app=app)
            async with httpx2.AsyncClient(transport=transport, base_url="http://center") as client:

                async def one(n: int) -> tuple[int, int, dict[str, Any]]:
                    query, *_ = CASES[n % len(CASES)]
                    response = await client.post(
                        "/v1/verify",
                        json={"purpose": PENSION_PURPOSE, "ref": f"r{n}", **query},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    return n, response.status_code, response.json()

                return await asyncio.gather(*(one(n) for n in range(200)))

    answers = asyncio.run(fire())
    rows = {row[0]: row for row in logged(pg)}
    assert len(rows) == len(logged(pg)) == 200  # one row per answer, no request id twice
    for n, status, body in answers:
        _, result, answered, logged_code, kind = CASES[n % len(CASES)]
        assert status == 200, body
        assert (body["result"], body["resident_code"], body["ref"]) == (result, answered, f"r{n}")
        assert (body["identity"] is not None) == (result == "match")
        if answered:
            assert body["identity"]["name"] == "髙橋　一郎"
        assert rows[body["request_id"]][:5] == (body["request_id"], 0, kind, logged_code, result)
    # Requests shared commits: a batch's rows carry its one transaction's now().
    commits = collections.Counter(row[5] for row in rows.values())
    assert len(commits) < 200
    assert max(commits.values()) > 1


def test_a_failing_batch_fails_every_request_in_it_and_logs_nothing(pg: Engine) -> None:
    _, token = pension_office(pg)
    query = Query(resident_code=CODE)

    async def run() -> list[Any]:
        # One worker that waits 0.2 s after the first request: all four share one batch.
        hot = await CenterPool.open(asyncpg_dsn(pg), size=2, batch_workers=1, batch_wait=0.2)
        try:
            await hot.verify_one(token, PENSION_PURPOSE, query, "warm-up")  # agency cached
            poisoned = "x" * 37  # longer than center_provision.request_id: the INSERT fails
            ids = ["a", "b", poisoned, "c"]
            outcomes: list[Any] = await asyncio.gather(
                *(hot.verify_one(token, PENSION_PURPOSE, query, i) for i in ids),
                return_exceptions=True,
            )
            after = await hot.verify_one(token, PENSION_PURPOSE, query, "after")
            return [*outcomes, after]
        finally:
            await hot.close()

    *failed, after = asyncio.run(run())
    assert all(isinstance(outcome, BatchFailed) for outcome in failed), failed
    assert after.result.value == "match"  # the worker goes on with the next batch
    assert sorted(row[0] for row in logged(pg)) == ["after", "warm-up"]


def test_a_request_whose_caller_left_before_its_batch_is_neither_read_nor_logged(
    pg: Engine,
) -> None:
    _, token = pension_office(pg)
    query = Query(resident_code=CODE)

    async def run() -> None:
        hot = await CenterPool.open(asyncpg_dsn(pg), size=2, batch_workers=1, batch_wait=0.2)
        try:
            await hot.verify_one(token, PENSION_PURPOSE, query, "warm-up")
            kept = asyncio.create_task(hot.verify_one(token, PENSION_PURPOSE, query, "kept"))
            gone = asyncio.create_task(hot.verify_one(token, PENSION_PURPOSE, query, "gone"))
            await asyncio.sleep(0.05)  # both queued; the worker is waiting for more
            gone.cancel()
            assert (await kept).result.value == "match"
            with pytest.raises(asyncio.CancelledError):
                await gone
        finally:
            await hot.close()

    asyncio.run(run())
    assert sorted(row[0] for row in logged(pg)) == ["kept", "warm-up"]


def test_a_failed_batch_is_a_503_problem_over_http(
    pg: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, token = pension_office(pg)
    app = create_center_app(pg)

    async def fail(*_args: Any, **_kwargs: Any) -> Any:
        raise BatchFailed("verification batch failed: test")

    async def run() -> httpx2.Response:
        async with app.router.lifespan_context(app):
            monkeypatch.setattr(app.state.hot._batcher, "submit", fail)
            transport = httpx2.ASGITransport(app=app)
            async with httpx2.AsyncClient(transport=transport, base_url="http://center") as client:
                return await client.post(
                    "/v1/verify",
                    json={"purpose": PENSION_PURPOSE, "resident_code": CODE},
                    headers={"Authorization": f"Bearer {token}"},
                )

    response = asyncio.run(run())
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 503
    assert response.json()["code"] == "CEN-012"
    assert response.headers["retry-after"] == "1"
    assert logged(pg) == []
