"""政治資金の公開検索 over HTTP: the published donor and payer lines, totals, top givers.

Public, no sign-in: everything here is what the law publishes (:mod:`jichi.funds.disclosure`
— a private donor's street address is never stored in the public lines).  Reads only.

Rate-limited (:mod:`jichi.security.rate_limit`): without a key, per client address; with an
``X-API-Key`` the authority issued (:mod:`jichi.funds.api_keys`), at that key's own rate.
Every answer says what is left (``X-RateLimit-Limit``, ``X-RateLimit-Remaining``,
``X-RateLimit-Reset``); over the limit, 429 SEC-031 with ``Retry-After``.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from pydantic import BaseModel

from jichi.funds import api_keys
from jichi.funds.bulk import export_year
from jichi.funds.public_search import Search, search, top_donors, totals
from jichi.kernel.errors import NOT_FOUND, JichiError
from jichi.security.rate_limit import take
from jichi.security.throttle import key_of

QUOTA_SCOPE = "funds_public"


def public_quota(
    request: Request,
    response: Response,
    x_api_key: Annotated[str | None, Header(max_length=100)] = None,
) -> None:
    """Count this request against its key or its client address (SEC-031 when over)."""
    with request.app.state.engine.begin() as conn:
        if x_api_key is not None:
            key = api_keys.authenticate(conn, x_api_key)
            caller, limit = "key:" + key.key_hash, key.per_minute
        else:  # behind a proxy, uvicorn's --proxy-headers makes this the real client
            client = request.client
            caller = key_of("client", client.host if client else "")
            limit = api_keys.public_per_minute()
        # Wall time, not the training clock (JICHI_TODAY): a minute is a real minute.
        usage = take(conn, QUOTA_SCOPE, key_of(caller), limit=limit, now=datetime.now(UTC))
    response.headers["X-RateLimit-Limit"] = str(usage.limit)
    response.headers["X-RateLimit-Remaining"] = str(usage.remaining)
    response.headers["X-RateLimit-Reset"] = str(usage.reset_seconds)


router = APIRouter(prefix="/api/funds/public", tags=["funds"], dependencies=[Depends(public_quota)])


class PublicLineOut(BaseModel):
    organization_id: str
    organization_name: str
    year: int
    seq: int
    kind: str
    donor_kind: str
    name: str
    address: str
    occupation: str
    amount: int
    on: date


class LinesOut(BaseModel):
    lines: list[PublicLineOut]
    next_cursor: str | None


class TotalOut(BaseModel):
    organization_id: str
    organization_name: str
    year: int
    version: int
    income_total: int
    donations: int
    donations_listed: int
    donations_unlisted: int
    anonymous: int
    party_tickets_listed: int
    expenditure_total: int
    lines: int


class GiverOut(BaseModel):
    name: str
    donor_kind: str
    total: int


Text = Annotated[str | None, Query(max_length=100)]
Amount = Annotated[int | None, Query(ge=0, le=10**12)]
Year = Annotated[int | None, Query(ge=1948, le=2200)]


def query_of(
    name: Text = None,
    organization_id: Text = None,
    year: Year = None,
    kind: Annotated[str | None, Query(max_length=20, description="寄附 / パーティー対価")] = None,
    donor_kind: Annotated[str | None, Query(max_length=20)] = None,
    min_amount: Amount = None,
    max_amount: Amount = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> Search:
    return Search(
        name=name,
        organization_id=organization_id,
        year=year,
        kind=kind,
        donor_kind=donor_kind,
        min_amount=min_amount,
        max_amount=max_amount,
        limit=limit,
        cursor=cursor,
    )


@router.get("/lines", response_model=LinesOut)
def lines(
    request: Request,
    name: Text = None,
    organization_id: Text = None,
    year: Year = None,
    kind: Annotated[str | None, Query(max_length=20, description="寄附 / パーティー対価")] = None,
    donor_kind: Annotated[str | None, Query(max_length=20)] = None,
    min_amount: Amount = None,
    max_amount: Amount = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> LinesOut:
    """Published lines, largest first; page on with ``cursor`` (FND-070 if tampered)."""
    query = query_of(
        name, organization_id, year, kind, donor_kind, min_amount, max_amount, limit, cursor
    )
    with request.app.state.engine.connect() as conn:
        found = search(conn, query)
    return LinesOut(
        lines=[
            PublicLineOut(**{f: getattr(x, f) for f in PublicLineOut.model_fields})
            for x in found.lines
        ],
        next_cursor=found.next_cursor,
    )


@router.get("/totals", response_model=list[TotalOut])
def organization_totals(
    request: Request, organization_id: Text = None, year: Year = None
) -> list[TotalOut]:
    """Totals per organisation and year as of each one's latest filing."""
    with request.app.state.engine.connect() as conn:
        found = totals(conn, organization_id=organization_id, year=year)
    return [TotalOut(**vars(t)) for t in found]


@router.get("/top", response_model=list[GiverOut])
def top(
    request: Request, year: Year = None, limit: Annotated[int, Query(ge=1, le=50)] = 10
) -> list[GiverOut]:
    """The largest published givers by total (names folded for the grouping)."""
    with request.app.state.engine.connect() as conn:
        rows = top_donors(conn, year=year, limit=limit)
    return [GiverOut(name=r.name, donor_kind=r.donor_kind, total=int(r[3])) for r in rows]


DOWNLOAD_TYPES = {
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
    "_cp932.csv": "text/csv; charset=shift_jis",
    "SHA256SUMS": "text/plain; charset=utf-8",
}


@router.get("/download/{year}/{name}", response_class=Response)
def download(
    request: Request,
    year: Annotated[int, Path(ge=1948, le=2200)],
    name: Annotated[str, Path(max_length=60)],
) -> Response:
    """A year's bulk file (JSON, CSV UTF-8, CSV CP932) or its SHA256SUMS; unknown → 404."""
    with request.app.state.engine.connect() as conn:
        files = export_year(conn, year)
    body = files.get(name)
    if body is None:
        raise JichiError(NOT_FOUND, field="name", what=f"{year}年分のファイル {name[:60]}")
    kind = next(
        t
        for suffix, t in sorted(DOWNLOAD_TYPES.items(), key=lambda x: -len(x[0]))
        if name.endswith(suffix)
    )
    digest = hashlib.sha256(body).hexdigest()
    headers = {
        "ETag": f'"{digest}"',
        "Content-Disposition": f'attachment; filename="{name}"',
        "X-Checksum-SHA256": digest,
    }
    return Response(body, media_type=kind, headers=headers)
