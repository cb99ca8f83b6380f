"""全国地方公共団体コード over HTTP: one local government, or a filtered list.

``as_of`` (ISO date) answers from the bundled change history instead of today's list: which
municipality held the code on that day, and the list of that day, in the same shape.
One code's answer also sees the mergers this deployment carried out itself (ADR 0027).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request

from jichi.places import default_catalog
from jichi.places.catalog import normalize_code
from jichi.places.change_store import places_in_time
from jichi.places.history import default_history
from jichi.places.schemas import LocalGovernmentOut

router = APIRouter(prefix="/api/places", tags=["places"])

AsOf = Annotated[
    date | None,
    Query(description="この日現在（1970-04-20 以降）。省略時は令和6年1月1日現在の一覧"),
]


@router.get("/{code}", response_model=LocalGovernmentOut)
def show(request: Request, code: str, as_of: AsOf = None) -> LocalGovernmentOut:
    """A 6-digit code (or 5 digits without the check digit); unknown → 404 PLC-001.

    With ``as_of``: the municipality holding the code that day; none → 404 PLC-010,
    a day before the history → 422 PLC-011.
    """
    if as_of is not None:
        engine = getattr(request.app.state, "engine", None)
        if engine is None:
            return LocalGovernmentOut.of(default_history().as_of(code, as_of).place)
        with engine.connect() as conn:
            places = places_in_time(conn)
        return LocalGovernmentOut.of(places.as_of(normalize_code(code), as_of))
    return LocalGovernmentOut.of(default_catalog().get(code))


@router.get("", response_model=list[LocalGovernmentOut])
def list_places(
    prefecture: Annotated[str | None, Query(max_length=20)] = None,
    kind: Annotated[str | None, Query(max_length=30)] = None,
    q: Annotated[str | None, Query(max_length=50, description="名称の一部または読みの先頭")] = None,
    as_of: AsOf = None,
) -> list[LocalGovernmentOut]:
    """Filter by prefecture (code or name) and kind (``municipality`` = the 1,741 市区町村)."""
    if as_of is not None:
        history = default_history()
        found = history.list_as_of(as_of, prefecture=prefecture, kind=kind)
        if q:
            found = history.search(q, found)
        return [LocalGovernmentOut.of(lg) for lg in found]
    catalog = default_catalog()
    found = catalog.search(q) if q else catalog.list(prefecture=prefecture, kind=kind)
    if q and (prefecture or kind):
        allowed = {lg.code for lg in catalog.list(prefecture=prefecture, kind=kind)}
        found = [lg for lg in found if lg.code in allowed]
    return [LocalGovernmentOut.of(lg) for lg in found]
