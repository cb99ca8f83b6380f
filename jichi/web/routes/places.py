"""全国地方公共団体コード over HTTP: one local government, or a filtered list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from jichi.places import default_catalog
from jichi.places.schemas import LocalGovernmentOut

router = APIRouter(prefix="/api/places", tags=["places"])


@router.get("/{code}", response_model=LocalGovernmentOut)
def show(code: str) -> LocalGovernmentOut:
    """A 6-digit code (or 5 digits without the check digit); unknown → 404 PLC-001."""
    return LocalGovernmentOut.of(default_catalog().get(code))


@router.get("", response_model=list[LocalGovernmentOut])
def list_places(
    prefecture: Annotated[str | None, Query(max_length=20)] = None,
    kind: Annotated[str | None, Query(max_length=30)] = None,
    q: Annotated[str | None, Query(max_length=50, description="名称の一部または読みの先頭")] = None,
) -> list[LocalGovernmentOut]:
    """Filter by prefecture (code or name) and kind (``municipality`` = the 1,741 市区町村)."""
    catalog = default_catalog()
    found = catalog.search(q) if q else catalog.list(prefecture=prefecture, kind=kind)
    if q and (prefecture or kind):
        allowed = {lg.code for lg in catalog.list(prefecture=prefecture, kind=kind)}
        found = [lg for lg in found if lg.code in allowed]
    return [LocalGovernmentOut.of(lg) for lg in found]
