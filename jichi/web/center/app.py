"""The center's FastAPI app: agencies verify identities; municipalities forward residents.

A separate factory from :func:`jichi.web.app.create_app`: the center runs on its own
machine with its own database, and shares no routes, pages or sessions with a
municipality.  Every body is JSON over POST — a resident code or a name never goes into
a URL (URLs end up in proxy and access logs).  Errors are problem+json with ``CEN-xxx``
codes; bad input is a 4xx, never a 500.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import quote, urlencode

import orjson
import sqlalchemy as sa
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Engine

from jichi import __version__
from jichi.kernel.clock import now as clock_now
from jichi.kernel.errors import JichiError
from jichi.kernel.identifiers import IdKind, validate
from jichi.network.center import errors as e
from jichi.network.center.agencies import Agency, authenticate
from jichi.network.center.hotpath import BATCH_WORKERS, BatchFailed, CenterPool
from jichi.network.center.policy import CenterPolicy
from jichi.network.center.provisions import Provision, log_provisions, provisions_for
from jichi.network.center.tables import center_identity
from jichi.network.center.verify import MAX_BULK, Answer, Asked, Query, Result, verify
from jichi.store.engine import write_transaction
from jichi.web import operations, problems
from jichi.web.limits import LimitsMiddleware, max_body_from_env

# The largest bulk request (10,000 people of about 300 bytes each) with room to spare.
CENTER_MAX_BODY = 8 << 20
DEFAULT_POOL_SIZE = 20  # asyncpg connections per process: enough for the requests in flight
DISCLOSURE_PURPOSE = "本人開示（提供状況の開示請求）"

bearer = HTTPBearer(
    auto_error=False, description="jichi_center_… token from `jichi center agency token`"
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


class VerifyItem(BaseModel):
    """One person: a resident code, or all of the basic four, or both (both must agree)."""

    model_config = ConfigDict(extra="forbid")

    resident_code: Annotated[str | None, Field(max_length=20)] = None
    name: Annotated[str | None, Field(max_length=200)] = None
    date_of_birth: date | None = None
    sex: Literal["male", "female"] | None = None
    address: Annotated[str | None, Field(max_length=500)] = None
    ref: Annotated[str | None, Field(max_length=100)] = None  # the agency's own key, echoed

    def query(self) -> Query:
        return Query(
            self.resident_code,
            self.name,
            self.date_of_birth,
            self.sex,
            self.address,
            self.ref,
        )


class VerifyIn(VerifyItem):
    purpose: Annotated[str, Field(min_length=1, max_length=100)]


class BulkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purpose: Annotated[str, Field(min_length=1, max_length=100)]
    items: list[VerifyItem]


class AnswerOut(BaseModel):
    result: str
    resident_code: str | None
    identity: dict[str, Any] | None
    ref: str | None = None


class VerifyOut(AnswerOut):
    request_id: str


class BulkOut(BaseModel):
    request_id: str
    count: int
    matched: int
    results: list[AnswerOut]


class ResidentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resident_code: Annotated[str, Field(max_length=20)]


class ProvisionOut(BaseModel):
    provided_at: datetime
    agency: str
    legal_ground: str
    purpose: str
    query_kind: str
    result: str


class ResidentOut(BaseModel):
    resident_code: str
    provisions: list[ProvisionOut]


router = APIRouter(prefix="/v1", tags=["center"])
_Model = TypeVar("_Model", bound=BaseModel)


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _token(credentials: HTTPAuthorizationCredentials | None) -> str | None:
    return None if credentials is None else credentials.credentials


def _answer(answer: Answer) -> dict[str, Any]:
    return {
        "result": answer.result,  # a StrEnum: orjson writes its value
        "resident_code": answer.resident_code,
        "identity": answer.identity,
        "ref": answer.ref,
    }


def _json(document: dict[str, Any]) -> Response:
    """Encoded once, here: the documented response models are not re-validated per answer."""
    return Response(orjson.dumps(document), media_type="application/json")


def _hot(request: Request) -> CenterPool | None:
    hot: CenterPool | None = request.app.state.hot
    return hot


def _verify_sync(
    engine: Engine,
    token: str | None,
    purpose: str,
    queries: Sequence[Asked],
    request_id: str,
    *,
    bulk: bool,
    policy: CenterPolicy | None = None,
) -> list[Answer]:
    """SQLite (or no hot path): the read and its log rows in one SQLAlchemy transaction."""
    with write_transaction(engine) as conn:
        agency = authenticate(conn, token)
        return verify(
            conn, agency, purpose, queries, request_id=request_id, bulk=bulk, policy=policy
        )


_REF = "#/components/schemas/{model}"
_BEARER: dict[str, Any] = {"security": [{"HTTPBearer": []}]}


def _verify_body() -> dict[str, Any]:
    schema = VerifyIn.model_json_schema()
    content = {"application/json": {"schema": schema}}
    return {"requestBody": {"required": True, "content": content}, **_BEARER}


def _bulk_body() -> dict[str, Any]:
    schema = BulkIn.model_json_schema(ref_template=_REF)
    schema.pop("$defs", None)  # VerifyItem: added to the components by create_center_app
    content = {"application/json": {"schema": schema}}
    return {"requestBody": {"required": True, "content": content}, **_BEARER}


def _bearer(request: Request) -> str | None:
    """The bearer token, read as :data:`bearer` reads it (without a dependency to solve)."""
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


async def _authenticated(request: Request) -> Agency:
    """The agency of the bearer token (CEN-002), checked before the body is read.

    A body of 100,000 items costs its parse whoever sends it; only an agency may make us
    pay that.  The hot path answers from its token cache; SQLite asks the database.
    """
    token = _bearer(request)
    hot = _hot(request)
    if hot is not None:
        return await hot.agency_for(token)
    return await run_in_threadpool(_authenticate_sync, _engine(request), token)


def _authenticate_sync(engine: Engine, token: str | None) -> Agency:
    with engine.connect() as conn:
        return authenticate(conn, token)


async def _parse(request: Request, model: type[_Model]) -> _Model:
    """The JSON body validated by pydantic-core in one pass; errors as FastAPI words them."""
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as error:
        raise RequestValidationError(error.errors(include_input=False)) from None


@router.post("/verify", response_model=VerifyOut, openapi_extra=_verify_body())
async def verify_one(request: Request) -> Response:
    """本人確認情報の提供: one person.  The answer and its log row commit together."""
    await _authenticated(request)
    body = await _parse(request, VerifyIn)
    request_id = str(uuid.uuid4())
    token, query = _bearer(request), body  # a VerifyIn is shaped like a verify.Query
    hot = _hot(request)
    if hot is not None:
        answer = await hot.verify_one(token, body.purpose, query, request_id)
    else:
        (answer,) = await run_in_threadpool(
            _verify_sync,
            _engine(request),
            token,
            body.purpose,
            [query],
            request_id,
            bulk=False,
            policy=request.app.state.policy,
        )
    document = _answer(answer)
    document["request_id"] = request_id
    return _json(document)


@router.post("/verify/bulk", response_model=BulkOut, openapi_extra=_bulk_body())
async def verify_bulk(request: Request) -> Response:
    """Many people at once (e.g. the yearly pension check); every one is logged."""
    await _authenticated(request)
    body = await _parse(request, BulkIn)
    request_id = str(uuid.uuid4())
    limit: int = request.app.state.max_bulk
    if len(body.items) > limit:
        raise JichiError(e.TOO_MANY, field="items", maximum=limit, actual=len(body.items))
    token, queries = _bearer(request), body.items  # each shaped like a verify.Query
    hot = _hot(request)
    if hot is not None:
        answers = await hot.verify_many(token, body.purpose, queries, request_id)
    else:
        answers = await run_in_threadpool(
            _verify_sync,
            _engine(request),
            token,
            body.purpose,
            queries,
            request_id,
            bulk=True,
            policy=request.app.state.policy,
        )
    match = Result.MATCH
    matched = sum(1 for a in answers if a.result is match)
    results = [  # _answer(), inlined: ten thousand per request
        {"result": result, "resident_code": code, "identity": identity, "ref": ref}
        for result, code, identity, ref in answers
    ]
    return _json(
        {"request_id": request_id, "count": len(answers), "matched": matched, "results": results}
    )


@router.post("/resident/provisions", response_model=ResidentOut)
def resident_provisions(
    body: ResidentIn, request: Request, credentials: Credentials
) -> ResidentOut:
    """Who read this person's identity info: a municipality forwards its resident's request.

    The municipality has identified the resident at its counter (or by card); the
    center answers only for people that municipality holds, and logs the disclosure
    itself as a provision, so it too appears in the resident's list next time.
    """
    code = validate(IdKind.RESIDENT_CODE, body.resident_code, field="resident_code").value
    with write_transaction(_engine(request)) as conn:
        agency = authenticate(conn, _token(credentials))
        _require_holder(conn, agency, code)
        views = provisions_for(conn, code)
        log_provisions(
            conn,
            request_id=str(uuid.uuid4()),
            agency_id=agency.agency_id,
            purpose=DISCLOSURE_PURPOSE,
            provided_at=clock_now(),
            provisions=[Provision(0, "disclosure", code, "match")],
        )
    return ResidentOut(
        resident_code=code,
        provisions=[ProvisionOut(**view.__dict__) for view in views],
    )


async def _batch_failed(_request: Request, error: Exception) -> Response:
    """A group-commit batch failed: nothing of it was logged or answered; the agency may retry."""
    response = problems.problem_response(JichiError(e.BATCH_FAILED))
    response.headers["Retry-After"] = "1"
    return response


def asyncpg_dsn(engine: Engine) -> str:
    """The engine's PostgreSQL URL as asyncpg takes it (no SQLAlchemy driver name).

    A replicated center names several servers, SQLAlchemy's way, as repeated ``host=H:P``
    query items with ``target_session_attrs=read-write``; asyncpg wants them in the
    authority part (``postgresql://user@H1:P1,H2:P2/db``), so they are moved there.
    """
    url = engine.url.set(drivername="postgresql")
    hosts = url.query.get("host")
    if not hosts or url.host:
        return url.render_as_string(hide_password=False)
    listed = (hosts,) if isinstance(hosts, str) else tuple(hosts)
    rest = {k: v for k, v in url.query.items() if k != "host"}
    user = quote(url.username or "", safe="")
    if url.password:
        user += ":" + quote(str(url.password), safe="")
    query = urlencode(rest, doseq=True)
    return f"postgresql://{user}@{','.join(listed)}/{url.database or ''}" + (
        f"?{query}" if query else ""
    )


def _require_holder(conn: sa.Connection, agency: Agency, code: str) -> None:
    if agency.kind != "municipality":
        raise JichiError(e.WRONG_KIND, field="token", allowed="市区町村", allowed_en="municipality")
    c = center_identity.c
    held = conn.execute(sa.select(c.lg_code).where(c.resident_code == code)).scalar()
    if held is None or held != agency.lg_code:
        raise JichiError(e.NOT_HELD, field="resident_code")


def create_center_app(
    engine: Engine,
    *,
    max_bulk: int = MAX_BULK,
    hot_path: bool = True,
    pool_size: int = DEFAULT_POOL_SIZE,
    batch_workers: int = BATCH_WORKERS,
    batch_wait: float = 0.0,
    policy: CenterPolicy | None = None,
) -> FastAPI:
    """Build the center's app around an engine made by the caller (nothing at import time).

    On PostgreSQL the two verification endpoints use the asyncpg hot path
    (:mod:`jichi.network.center.hotpath`, ADR 0007), a pool of ``pool_size`` connections
    opened at startup and closed at shutdown; ``hot_path=False`` keeps them on the
    SQLAlchemy path that SQLite always uses.  Both give the same answers and log the same rows.
    On the hot path, single requests are group-committed: up to ``batch_workers`` statements
    in flight, each for the requests already waiting (after ``batch_wait`` seconds if not 0).
    ``policy`` (default: from the environment, :mod:`jichi.network.center.policy`) says
    which purposes a municipality may use and when a protected person's address is given.
    """
    rules = policy or CenterPolicy.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if hot_path and engine.dialect.name == "postgresql":
            app.state.hot = await CenterPool.open(
                asyncpg_dsn(engine),
                size=pool_size,
                batch_workers=batch_workers,
                batch_wait=batch_wait,
            )
            app.state.hot.policy = rules
        try:
            yield
        finally:
            hot, app.state.hot = app.state.hot, None
            if hot is not None:
                await hot.close()

    app = FastAPI(
        title="jichi center API",
        version=__version__,
        description="住基ネット 全国センター: 本人確認情報の提供と提供状況の開示",
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.policy = rules
    app.state.hot = None
    app.state.max_bulk = min(max_bulk, MAX_BULK)
    problems.install(app)
    app.add_middleware(LimitsMiddleware, max_body=max_body_from_env(CENTER_MAX_BODY))
    # The timer wraps the limits, so a refused body is counted too.
    operations.install(app, service="center", engine=engine)
    app.add_exception_handler(BatchFailed, _batch_failed)
    app.include_router(router)
    openapi = app.openapi

    def openapi_with_bodies() -> dict[str, Any]:
        """FastAPI's schema, plus the request models the hot endpoints validate themselves."""
        if app.openapi_schema is None:
            schema = openapi()
            defs = BulkIn.model_json_schema(ref_template=_REF).get("$defs", {})
            schema.setdefault("components", {}).setdefault("schemas", {}).update(defs)
        return app.openapi_schema or openapi()

    app.openapi = openapi_with_bodies  # type: ignore[method-assign]

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
