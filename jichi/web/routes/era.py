"""和暦 ↔ 西暦 over HTTP (the same conversion as ``jichi era``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from jichi.kernel.era import convert

router = APIRouter(prefix="/api/era", tags=["era"])


class ConversionOut(BaseModel):
    input: str
    western: str
    wareki: str
    wareki_numeric: str
    era: str
    era_year: int
    is_wareki_input: bool


@router.get("", response_model=ConversionOut)
def convert_date(
    value: Annotated[
        str, Query(max_length=40, description="2024-04-01、令和6年4月1日、R6.4.1 など")
    ],
) -> ConversionOut:
    return ConversionOut(**asdict(convert(value)))
