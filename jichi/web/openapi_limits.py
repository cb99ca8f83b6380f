"""The edge's URL rule, written into the OpenAPI document the API publishes.

The limits middleware (:mod:`jichi.web.limits`, ADR 0015) refuses a path or query string
that carries a control character (400 WEB-023) before any route runs.  A schema that
promised "any string" for an id in the path would describe requests the server never
takes, so every string parameter of the path and the query without a pattern of its own
gets the pattern that says what the edge accepts.  A client generator, a fuzzer
(``schemathesis --checks all``) and a reader then see the same contract.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

# The characters jichi.web.limits._CONTROL refuses, as a JSON Schema (ECMA) pattern.
NO_CONTROL_CHARACTERS = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$"


def describe_url_limits(app: FastAPI) -> None:
    """Wrap ``app.openapi`` so its string path and query parameters carry the URL rule."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                for parameter in (
                    operation.get("parameters", []) if isinstance(operation, dict) else []
                ):
                    if parameter.get("in") in {"path", "query"}:
                        _add_pattern(parameter.get("schema", {}))
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _add_pattern(schema: dict[str, Any]) -> None:
    """The URL rule on a string schema (or each string branch of an anyOf)."""
    for branch in schema.get("anyOf", [schema]):
        if branch.get("type") == "string" and "pattern" not in branch and "enum" not in branch:
            branch["pattern"] = NO_CONTROL_CHARACTERS
