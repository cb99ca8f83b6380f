"""Bounded work per request, before any parsing: a body-size cap and a clean URL.

A form or JSON parser given a 100 MB body spends the CPU and memory before any check of
ours can run, and a NUL byte in a query string reaches PostgreSQL (which refuses it in
``text``, failing the whole request).  So this ASGI middleware, the outermost layer of
both apps, refuses (413 WEB-022) a body longer than the limit — by its Content-Length
when given, and by counting while it streams otherwise — and (400 WEB-023) a path or
query string carrying a control character or invalid UTF-8.  The limit comes from
``JICHI_MAX_BODY_BYTES`` (default 1 MiB: the card reader's upload is 64 kB, the center's
largest bulk request of 10,000 people well under; the center uses its own default).
"""

from __future__ import annotations

import os
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote_to_bytes

from jichi.kernel.errors import INVALID_INPUT, JichiError, define
from jichi.web.problems import problem_response

BODY_TOO_LARGE = define(
    "WEB-022",
    "送信された内容が大きすぎます（{limit}バイトまで）。",
    "request body larger than {limit} bytes",
    http_status=413,
    params=("limit",),
)
BAD_JSON_TEXT = define(
    "WEB-025",
    "送信された内容に使えない文字（NUL または壊れた文字）が含まれています。",
    "the JSON body is not UTF-8 or contains a NUL character or a lone surrogate",
    http_status=422,
)
BAD_URL = define(
    "WEB-023",
    "アドレス（URL）に使えない文字が含まれています。",
    "the URL contains a control character or invalid UTF-8",
    http_status=400,
)

DEFAULT_MAX_BODY = 1 << 20
ENV_MAX_BODY = "JICHI_MAX_BODY_BYTES"
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# In a JSON body: a NUL (raw or escaped) or a lone surrogate escape — text neither
# database driver can store (PostgreSQL refuses NUL, UTF-8 has no surrogates).
_HIGH = rb"\\u[dD][89abAB][0-9a-fA-F]{2}"
_LOW = rb"\\u[dD][c-fC-F][0-9a-fA-F]{2}"
_BAD_JSON = re.compile(
    rb"\x00|\\u0000|" + _HIGH + rb"(?!" + _LOW + rb")|(?<!" + _HIGH + rb")" + _LOW
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def max_body_from_env(default: int = DEFAULT_MAX_BODY) -> int:
    raw = os.environ.get(ENV_MAX_BODY, "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() else default


def json_is_storable(body: bytes) -> bool:
    """Whether a JSON body is UTF-8 free of NUL and lone surrogates (see ``_BAD_JSON``)."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return _BAD_JSON.search(body) is None


def url_is_clean(path: str, query: bytes) -> bool:
    """Whether the path and the decoded query are UTF-8 text without control characters."""
    for raw in (path.encode("utf-8", "surrogatepass"), unquote_to_bytes(query.replace(b"+", b" "))):
        if _CONTROL.search(raw):
            return False
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return False
    return True


class BodyTooLarge(JichiError):
    """Raised from ``receive`` when a streamed body passes the limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(BODY_TOO_LARGE, field="body", limit=limit)


class LimitsMiddleware:
    """413 for a body over ``max_body`` bytes, 400 for a URL with control characters."""

    def __init__(self, app: ASGIApp, max_body: int = DEFAULT_MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not url_is_clean(scope.get("path", ""), scope.get("query_string", b"")):
            await problem_response(JichiError(BAD_URL, field="url"))(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body:
            await problem_response(BodyTooLarge(self.max_body))(scope, receive, send)
            return
        if _is_json(scope):
            await self._json(scope, receive, send)
            return
        seen = 0
        limit = self.max_body

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)

    async def _json(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Read the whole (bounded) JSON body, check it, then hand it on unchanged."""
        chunks: list[bytes] = []
        seen = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_body:
                await problem_response(BodyTooLarge(self.max_body))(scope, receive, send)
                return
            chunks.append(chunk)
            more = bool(message.get("more_body", False))
        body = b"".join(chunks)
        if not _utf8(body):  # as a JSON parse error: GEN-001, the same as b"{"
            await problem_response(JichiError(INVALID_INPUT, field="body"))(scope, receive, send)
            return
        if not json_is_storable(body):
            error = JichiError(BAD_JSON_TEXT, field="body")
            await problem_response(error)(scope, receive, send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            kind = value.split(b";", 1)[0].strip().lower()
            return bool(kind == b"application/json" or kind.endswith(b"+json"))
    return False


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None
    return None
