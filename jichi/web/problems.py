"""RFC 9457 problem+json for every error: the one mapping from domain errors to HTTP."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from jichi.kernel.errors import INVALID_INPUT, JichiError

PROBLEM_JSON = "application/problem+json"


def problem_response(error: JichiError) -> JSONResponse:
    return JSONResponse(error.to_dict(), status_code=error.http_status, media_type=PROBLEM_JSON)


def install(app: FastAPI) -> None:
    @app.exception_handler(JichiError)
    async def _jichi_error(_request: Request, error: JichiError) -> JSONResponse:
        return problem_response(error)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        location = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
        body = JichiError(INVALID_INPUT, field=location or "request").to_dict()
        body["errors"] = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg")} for e in error.errors()
        ]
        return JSONResponse(body, status_code=422, media_type=PROBLEM_JSON)
