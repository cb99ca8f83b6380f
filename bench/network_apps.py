"""The two HTTP servers ``python -m bench network`` puts under load, as uvicorn factories.

Both are started the same way, each in its own process (``uvicorn --factory``, one
worker, asyncio + h11: whatever uvicorn picks in this environment), on the database
named by ``JICHI_BENCH_CENTER_URL``:

* :func:`jichi_center` — the real center app, :func:`jichi.web.center.app.create_center_app`
  on :func:`jichi.store.engine.make_engine`, exactly as ``jichi center serve`` builds it:
  bearer-token agency auth, purpose check, the provision log row in the same
  transaction as the read.
* :func:`bare` — the floor: FastAPI with one ``async`` endpoint reading the same row of
  the same table through an asyncpg pool, with no auth, no purpose check and no log.
  Same request body, same framework, same server; only jichi's work is missing.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from pydantic import BaseModel, ConfigDict

URL_VAR = "JICHI_BENCH_CENTER_URL"
POOL_SIZE = 15  # SQLAlchemy's default pool (5) + overflow (10): what the jichi side may use
BARE_SQL = "SELECT * FROM center_identity WHERE resident_code = $1"


def jichi_center() -> FastAPI:
    from jichi.store.engine import make_engine
    from jichi.web.center.app import create_center_app

    return create_center_app(make_engine(os.environ[URL_VAR]))


class BareIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    resident_code: str


def bare() -> FastAPI:
    import asyncpg

    url = os.environ[URL_VAR].replace("postgresql+psycopg://", "postgresql://", 1)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(url, min_size=5, max_size=POOL_SIZE)
        try:
            yield
        finally:
            await app.state.pool.close()

    app = FastAPI(title="bare identity lookup (bench floor)", lifespan=lifespan)

    @app.post("/v1/verify")
    async def verify(body: BareIn, request: Request) -> dict[str, Any]:
        row = await request.app.state.pool.fetchrow(BARE_SQL, body.resident_code)
        if row is None:
            return {"result": "no_match", "resident_code": None, "identity": None}
        return {
            "result": "match",
            "resident_code": row["resident_code"],
            "identity": {
                "name": row["name"],
                "date_of_birth": row["date_of_birth"].isoformat(),
                "sex": row["sex"],
                "address": row["address"],
                "status": row["status"],
                "change": {
                    "reason": row["reason"],
                    "effective_date": row["effective_date"].isoformat(),
                },
            },
        }

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
