"""RFC 9457 problem+json for every error: the one mapping from domain errors to HTTP."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from jichi.kernel.errors import INVALID_INPUT, JichiError, member_dict

PROBLEM_JSON = "application/problem+json"

# Every operation may answer with these, always as problem+json (RFC 9457): documented once
# for the whole API so the schema says what a client will really receive.
_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "message_ja": {"type": "string"},
        "message_en": {"type": "string"},
        "field": {"type": ["string", "null"]},
    },
    "required": ["type", "title", "status", "code"],
}
_STATUSES = {
    400: "不正な要求 / bad request (a URL with control characters)",
    401: "認証が必要 / not signed in",
    403: "権限がない / not permitted",
    404: "見つからない / not found",
    409: "競合 / conflict (a household changed meanwhile)",
    413: "本文が大きすぎる / body too large",
    422: "入力の誤り / invalid input",
    429: "試行・要求が多すぎる / too many attempts or requests (Retry-After says when)",
}
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": text, "content": {PROBLEM_JSON: {"schema": _PROBLEM_SCHEMA}}}
    for status, text in _STATUSES.items()
}


def problem_response(error: JichiError) -> JSONResponse:
    """The problem body; ``errors`` always lists every error (one, or a group's members)."""
    body = error.to_dict()
    body.setdefault("errors", [member_dict(error)])
    headers = {}
    wait = error.params.get("seconds")
    if error.http_status == 429 and isinstance(wait, int):
        headers["Retry-After"] = str(wait)  # RFC 9110 §10.2.3, for clients that back off
    return JSONResponse(
        body, status_code=error.http_status, media_type=PROBLEM_JSON, headers=headers
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(JichiError)
    async def _jichi_error(_request: Request, error: JichiError) -> JSONResponse:
        return problem_response(error)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        location = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
        body = JichiError(INVALID_INPUT, field=location or "request").to_dict()
        body["errors"] = [_member(e) for e in error.errors()]
        return JSONResponse(body, status_code=422, media_type=PROBLEM_JSON)


def _member(item: Any) -> dict[str, Any]:
    """One pydantic error as a member of ``errors``: its field and a Japanese message
    (so a blank submit lists every required field), keeping ``loc`` and ``msg``."""
    loc = [str(p) for p in item.get("loc", ())]
    field = ".".join(p for p in loc if p != "body") or "request"
    member = member_dict(JichiError(INVALID_INPUT, field=field))
    if item.get("type") == "missing":
        member["message_ja"] = f"{field}を入力してください。"
    return {**member, "loc": loc, "msg": item.get("msg")}
