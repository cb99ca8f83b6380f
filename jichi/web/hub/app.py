"""The exchange hub's FastAPI app: agencies redeem request numbers, request, offer, read.

A separate factory from the municipality's and the center's apps: the hub is the
Digital Agency's system, on its own machine and database.  Every route is a thin call
into :class:`jichi.mynumber.hub.agency_api.AgencyApi` — the one surface an agency has,
in which nothing maps one agency's token to another's.  The agency authenticates with
its credential (``Authorization: Bearer jichi_hub_…`` from ``jichi hub credential``).
Tokens and request numbers travel in JSON bodies only, never in a URL (URLs end up in
proxy and access logs).  The portal (マイナポータル) has one route of its own,
``POST /v1/portal/history``, under its own credential (ADR 0032): the person's
resident code in the body, the hub's records about them back, 不開示 ones left out.
Errors are problem+json with ``HUB-0xx`` codes, never a 500.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, JsonValue

from jichi import __version__
from jichi.mynumber.hub.agency_api import AgencyApi
from jichi.mynumber.hub.service import ExchangeHub
from jichi.web import problems
from jichi.web.limits import LimitsMiddleware, max_body_from_env

HUB_MAX_BODY = 1 << 20
Token = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[0-9a-f]+$")]
Slug = Annotated[str, Field(min_length=1, max_length=64)]

bearer = HTTPBearer(auto_error=False, description="jichi_hub_… credential (jichi hub credential)")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


class RequestNumberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resident_code: Annotated[str, Field(min_length=1, max_length=20)]
    agency: Slug


class RequestNumberOut(BaseModel):
    request_number: str


class RedeemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    request_number: Annotated[str, Field(min_length=1, max_length=40)]


class RedeemOut(BaseModel):
    agency_token: str


class ExchangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agency_token: Token
    affair: Slug
    item: Slug
    provider: Slug
    withhold: bool = False


class ExchangeOut(BaseModel):
    exchange_id: str
    result: str
    value: JsonValue
    requested_at: datetime
    provided_at: datetime | None
    withhold: bool


class OfferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agency_token: Token
    item: Slug
    value: JsonValue


class LogRecord(BaseModel):
    exchange_id: str
    side: str
    requester_id: str
    provider_id: str
    affair_id: str
    item_id: str
    agency_token: str
    requested_at: datetime
    provided_at: datetime | None
    result: str
    withhold: bool


class LogIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    limit: Annotated[int, Field(ge=1, le=1000)] = 100


class LogOut(BaseModel):
    records: list[LogRecord]


class HistoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resident_code: Annotated[str, Field(min_length=1, max_length=20)]
    limit: Annotated[int, Field(ge=1, le=1000)] = 500


class HistoryRecord(BaseModel):
    exchange_id: str
    requested_at: datetime
    provided_at: datetime | None
    requester_id: str
    requester_name: str
    provider_id: str
    provider_name: str
    affair_id: str
    affair_name: str
    item_id: str
    item_name: str
    result: str


class HistoryOut(BaseModel):
    records: list[HistoryRecord]


router = APIRouter(prefix="/v1", tags=["hub"], responses=problems.PROBLEM_RESPONSES)


def _api(request: Request) -> AgencyApi:
    hub: ExchangeHub = request.app.state.hub
    return hub.agencies


def _credential(credentials: HTTPAuthorizationCredentials | None) -> str | None:
    return None if credentials is None else credentials.credentials


@router.post("/request-numbers", response_model=RequestNumberOut)
def issue_request_number(
    body: RequestNumberIn, request: Request, credentials: Credentials
) -> dict[str, str]:
    """市区町村（団体内統合宛名）: 住民票コードから、指定した機関あての処理通番を発行します."""
    number = _api(request).issue_request_number(
        _credential(credentials), resident_code=body.resident_code, agency=body.agency
    )
    return {"request_number": number}


@router.post("/tokens", response_model=RedeemOut)
def redeem(body: RedeemIn, request: Request, credentials: Credentials) -> dict[str, str]:
    """処理通番（一度だけ有効）と引き換えに、この機関の機関別符号を返します."""
    token = _api(request).redeem(_credential(credentials), body.request_number)
    return {"agency_token": token}


@router.post("/exchanges", response_model=ExchangeOut)
def exchange(body: ExchangeIn, request: Request, credentials: Credentials) -> dict[str, Any]:
    """情報照会: カタログと双方の特定個人情報保護評価を確認し、提供者の副本を返します."""
    outcome = _api(request).request(
        _credential(credentials),
        agency_token=body.agency_token,
        affair=body.affair,
        item=body.item,
        provider=body.provider,
        withhold=body.withhold,
    )
    return {
        "exchange_id": outcome.exchange_id,
        "result": outcome.result,
        "value": outcome.value,
        "requested_at": outcome.requested_at,
        "provided_at": outcome.provided_at,
        "withhold": outcome.withhold,
    }


@router.post("/copies", status_code=204)
def offer(body: OfferIn, request: Request, credentials: Credentials) -> None:
    """情報提供者が、自らの機関別符号のもとに副本を登録（置き換え）します."""
    _api(request).offer(
        _credential(credentials), agency_token=body.agency_token, item=body.item, value=body.value
    )


@router.post("/log", response_model=LogOut)
def read_log(body: LogIn, request: Request, credentials: Credentials) -> dict[str, Any]:
    """この機関の情報提供等の記録（自らの機関別符号のみ）を新しい順に返します."""
    return {"records": _api(request).log(_credential(credentials), limit=body.limit)}


@router.post("/portal/history", response_model=HistoryOut)
def portal_history(body: HistoryIn, request: Request, credentials: Credentials) -> dict[str, Any]:
    """マイナポータル: 本人に関する情報提供等の記録（不開示のものを除く）を新しい順に返します."""
    hub: ExchangeHub = request.app.state.hub
    entries = hub.portal_history(_credential(credentials), body.resident_code, limit=body.limit)
    return {"records": [asdict(entry) for entry in entries]}


def create_hub_app(hub: ExchangeHub) -> FastAPI:
    """The hub's app around an :class:`ExchangeHub` built by the caller."""
    app = FastAPI(
        title="jichi exchange hub API",
        version=__version__,
        description="情報提供ネットワークシステム: 機関別符号の取得、情報照会・提供、記録",
    )
    app.state.hub = hub
    problems.install(app)
    app.add_middleware(LimitsMiddleware, max_body=max_body_from_env(HUB_MAX_BODY))
    app.include_router(router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
