"""The errors a browser sees: Japanese pages in the design system, never a stack trace.

The API keeps answering problem+json (:mod:`jichi.web.problems`); a person who follows a
stale link, types a wrong address or meets a bug gets a page in the same look as the rest
of jichi, in Japanese, with the stable code to quote to the help desk.  Which answer a
request gets depends on its path alone: the JSON API lives under :data:`API_PREFIXES`, the
pages everywhere else, so a fuzzer or a script that asks for JSON on a page still gets
the page (what a browser would) and an API client never gets HTML.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import Request, Response
from fastapi.templating import Jinja2Templates

from jichi import __version__
from jichi.kernel.errors import JichiError, define

API_PREFIXES = ("/api/", "/jpki/", "/openapi.json", "/docs", "/redoc")

PAGE_NOT_FOUND = define(
    "WEB-040",
    "お探しのページは見つかりません。アドレスをご確認ください。",
    "no page or resource at this address",
    http_status=404,
)
METHOD_NOT_ALLOWED = define(
    "WEB-041",
    "この操作はこのページでは受け付けていません。画面のボタンやリンクからお進みください。",
    "this method is not allowed here",
    http_status=405,
)
SERVER_ERROR = define(
    "WEB-042",
    "システムで問題が発生し、処理を完了できませんでした。時間をおいてもう一度お試しください。"
    "続くときはエラーコードを添えて担当者にお知らせください。",
    "internal error; the request was not completed (details in the server log)",
    http_status=500,
)
HTTP_ERROR = define(
    "WEB-043",
    "要求を処理できませんでした（HTTP {status}）。",
    "the request could not be handled (HTTP {status})",
    http_status=400,
    params=("status",),
)

_templates = Jinja2Templates(directory=str(files("jichi.web") / "templates"))
TITLES = {
    404: "ページが見つかりません",
    405: "この操作はできません",
    422: "入力内容に誤りがあります",
    500: "システムエラー",
}


def is_page(request: Request) -> bool:
    """True when the request is for a page (HTML errors), not for the JSON API."""
    path = request.url.path
    return not (path == "/api" or path.startswith(API_PREFIXES))


def error_page(request: Request, error: JichiError, status: int, messages: list[str]) -> Response:
    """The page for ``error`` with its HTTP status; ``messages`` lists each problem."""
    response = _templates.TemplateResponse(
        request,
        "error.html",
        {
            "version": __version__,
            "municipality": getattr(request.app.state, "municipality", None),
            "title": TITLES.get(status, "処理できませんでした"),
            "status": status,
            "error": error,
            "messages": [m for m in messages if m != error.message_ja],
        },
        status_code=status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
