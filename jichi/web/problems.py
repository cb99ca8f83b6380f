"""RFC 9457 problem+json for every error: the one mapping from domain errors to HTTP.

With ``pages=True`` (the municipality's app) a request for a page gets the same error as
a Japanese page instead (:mod:`jichi.web.error_pages`); the API keeps problem+json.  A
framework error (no such route, wrong method) gets a stable code too, and an unexpected
exception a 500 with WEB-042, its traceback in the server log and never in the answer.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jichi.kernel.errors import INVALID_INPUT, JichiError, member_dict
from jichi.web import error_pages
from jichi.web.error_pages import HTTP_ERROR, METHOD_NOT_ALLOWED, PAGE_NOT_FOUND, SERVER_ERROR

log = logging.getLogger("jichi.web")

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
    500: "内部エラー / internal error (WEB-042; never expected)",
}
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": text, "content": {PROBLEM_JSON: {"schema": _PROBLEM_SCHEMA}}}
    for status, text in _STATUSES.items()
}


def problem_response(error: JichiError, status: int | None = None) -> JSONResponse:
    """The problem body; ``errors`` always lists every error (one, or a group's members)."""
    body = error.to_dict()
    body.setdefault("errors", [member_dict(error)])
    if status is not None:
        body["status"] = status
    headers = {}
    wait = error.params.get("seconds")
    if (status or error.http_status) == 429 and isinstance(wait, int):
        headers["Retry-After"] = str(wait)  # RFC 9110 §10.2.3, for clients that back off
    return JSONResponse(
        body,
        status_code=status or error.http_status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def http_error(status: int) -> JichiError:
    """The typed error of a framework answer (404 no route, 405 wrong method, …)."""
    if status == 404:
        return JichiError(PAGE_NOT_FOUND)
    if status == 405:
        return JichiError(METHOD_NOT_ALLOWED)
    return JichiError(HTTP_ERROR, status=status)


def install(app: FastAPI, *, pages: bool = False) -> None:
    """Map every error to problem+json, or (``pages``) to a page for page requests."""

    def as_page(request: Request) -> bool:
        return pages and error_pages.is_page(request)

    @app.exception_handler(JichiError)
    async def _jichi_error(request: Request, error: JichiError) -> Response:
        if as_page(request):
            members = getattr(error, "errors", [error])
            messages = [m.message_ja for m in members]
            return error_pages.error_page(request, error, error.http_status, messages)
        return problem_response(error)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        error = http_error(exc.status_code)
        if as_page(request):
            response = error_pages.error_page(request, error, exc.status_code, [])
        else:
            response = problem_response(error, exc.status_code)
        for name, value in (exc.headers or {}).items():  # Allow: of a 405
            response.headers[name] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, error: RequestValidationError) -> Response:
        first = error.errors()[0] if error.errors() else {}
        location = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
        problem = JichiError(INVALID_INPUT, field=location or "request")
        members = [_member(e) for e in error.errors()]
        if as_page(request):
            messages = [str(m["message_ja"]) for m in members]
            return error_pages.error_page(request, problem, 422, messages)
        body = problem.to_dict()
        body["errors"] = members
        return JSONResponse(body, status_code=422, media_type=PROBLEM_JSON)

    async def server_error(request: Request, exc: Exception) -> Response:
        # The type and the frames only: an exception's message may quote the input.
        frames = "".join(traceback.format_tb(exc.__traceback__))
        log.error(
            "unhandled %s on %s %s\n%s", type(exc).__name__, request.method, _route(request), frames
        )
        error = JichiError(SERVER_ERROR)
        if as_page(request):
            return error_pages.error_page(request, error, 500, [])
        return problem_response(error)

    app.add_middleware(CatchAll, answer=server_error)


Answer = Callable[[Request, Exception], Awaitable[Response]]


class CatchAll:
    """The 500 answer, given here so the exception goes no further.

    Starlette's own last-resort handler answers and then re-raises, and the server logs
    the re-raised exception with its message — which may quote a person's input.  This
    middleware answers with WEB-042 and keeps the exception (its frames logged by
    ``answer``); once a response has started it can only let the exception go.
    """

    def __init__(self, app: ASGIApp, answer: Answer) -> None:
        self.app = app
        self.answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if started:
                raise
            response = await self.answer(Request(scope), exc)
            await response(scope, receive, send)


def _route(request: Request) -> str:
    """The route template, not the path (a path may hold a person's id)."""
    route = request.scope.get("route")
    return str(getattr(route, "path", "?"))


def _member(item: Any) -> dict[str, Any]:
    """One pydantic error as a member of ``errors``: its field and a Japanese message
    (so a blank submit lists every required field), keeping ``loc`` and ``msg``."""
    loc = [str(p) for p in item.get("loc", ())]
    field = ".".join(p for p in loc if p != "body") or "request"
    member = member_dict(JichiError(INVALID_INPUT, field=field))
    if item.get("type") == "missing":
        member["message_ja"] = f"{field}を入力してください。"
    return {**member, "loc": loc, "msg": item.get("msg")}
