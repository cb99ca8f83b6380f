"""The two HTTP servers ``python -m bench checkins`` puts under load, as uvicorn factories.

Both are started the same way (:func:`bench.network_center.served`: its own process, one
uvicorn worker, warnings only, no access log) on the database named by
:data:`URL_VAR`, and both reach it through :func:`jichi.store.engine.make_engine` —
psycopg, SQLAlchemy's default pool (5 + 10 overflow), pre-ping — from a synchronous
endpoint run in Starlette's thread pool:

* :func:`jichi_desk` — the real web app, :func:`jichi.web.app.create_app` for the served
  municipality with the bench cipher, as ``jichi serve --municipality`` builds it.  Its
  ``POST /api/elections/{id}/stations/{sid}/checkins`` does everything a station laptop
  relies on: the staff bearer token (tenant and role ``election``), the election loaded
  for the municipality, the station, the ticket's HMAC, the voter's line in the newest
  roll build, the one INSERT whose primary key refuses a second check-in (the winner read
  back), the station's offline state.
* :func:`bare` — the floor: one ``INSERT … ON CONFLICT DO NOTHING`` into
  ``bare_check_in`` (``CREATE TABLE … (LIKE check_in INCLUDING ALL)``: the same columns
  and primary key), the voter id taken as sent, no auth, no roll, no ticket check.
  ``accepted`` is whether the row went in, so a repeat is refused here too.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

URL_VAR = "JICHI_BENCH_CHECKIN_URL"
BARE_TABLE = "CREATE TABLE bare_check_in (LIKE check_in INCLUDING ALL)"
BARE_SQL = sa.text(
    "INSERT INTO bare_check_in (election_id, voter_id, station_id, kind, clerk_id,"
    " checked_in_at, hour_slot, polling_district, sex, age_band, offline, recorded_at)"
    " VALUES (:e, :v, :s, 'early', 'bench', :at, :slot, '1', 'female', '40-49', false, :at)"
    " ON CONFLICT DO NOTHING"
)


def jichi_desk() -> FastAPI:
    from bench.common import LG, cipher
    from jichi.store.engine import make_engine
    from jichi.web.app import create_app

    return create_app(make_engine(os.environ[URL_VAR]), municipality=LG, cipher=cipher())


class BareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=200)


def bare() -> FastAPI:
    from jichi.store.engine import make_engine

    engine = make_engine(os.environ[URL_VAR])
    app = FastAPI(title="bare check-in (bench floor)")

    @app.post("/api/elections/{election_id}/stations/{station_id}/checkins")
    def check_in(election_id: str, station_id: str, body: BareIn) -> dict[str, Any]:
        now = datetime.now(UTC)
        params = {"e": election_id, "v": body.code, "s": station_id, "at": now}
        params["slot"] = now.strftime("%Y-%m-%dT%H")
        with engine.begin() as conn:
            inserted = conn.execute(BARE_SQL, params).rowcount
        return {"accepted": inserted == 1, "voter": {"voter_id": body.code}}

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
