"""Check an identifier.  POST only: an individual number never travels in a URL."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from jichi.kernel import identifiers

router = APIRouter(prefix="/api/identifiers", tags=["identifiers"])


class CheckRequest(BaseModel):
    kind: identifiers.IdKind
    value: Annotated[str, Field(max_length=64)]


class CheckResult(BaseModel):
    kind: identifiers.IdKind
    value: str
    valid: bool
    warnings: list[str]


@router.post("/check", response_model=CheckResult)
def check(body: CheckRequest) -> CheckResult:
    """Valid input returns 200; invalid input returns problem+json with the ID-xxx code."""
    result = identifiers.validate(body.kind, body.value)
    return CheckResult(
        kind=result.kind, value=result.value, valid=True, warnings=list(result.warnings)
    )
