"""The edge's input rules, written into the OpenAPI document the API publishes.

The limits middleware (:mod:`jichi.web.limits`, ADR 0015) refuses, before any route runs,
a path or query string that carries a control character (400 WEB-023) and a JSON body
with a NUL or a lone surrogate anywhere, keys included (422 WEB-025): text neither
database can store.  A schema that promised "any string" would describe requests the
server never takes, so every string without a pattern, enum or format of its own gets the
pattern that says what the edge accepts — path and query parameters the URL rule, body
schemas (and the keys of open objects) the body rule.  A client generator, a fuzzer
(``schemathesis --checks all``, whose positive_data_acceptance holds the server to the
schema) and a reader then see the same contract.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

# The characters jichi.web.limits._CONTROL refuses, as a JSON Schema (ECMA) pattern.
NO_CONTROL_CHARACTERS = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$"
# What jichi.web.limits._BAD_JSON refuses: NUL, and surrogates (only lone ones can occur).
NO_NUL_OR_SURROGATE = "^[^\\u0000\\ud800-\\udfff]*$"


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
                        _add_pattern(parameter.get("schema", {}), NO_CONTROL_CHARACTERS)
                body = operation.get("requestBody", {}) if isinstance(operation, dict) else {}
                for media in body.get("content", {}).values():
                    _body_rule(media.get("schema", {}))
        for component in schema.get("components", {}).get("schemas", {}).values():
            _body_rule(component)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _add_pattern(schema: dict[str, Any], pattern: str) -> None:
    """``pattern`` on a free string schema (or each string branch of an anyOf)."""
    for branch in schema.get("anyOf", [schema]):
        free = not any(k in branch for k in ("pattern", "enum", "const", "format"))
        if branch.get("type") == "string" and free:
            branch["pattern"] = pattern


def _body_rule(node: Any) -> None:
    """The body rule on every free string of a schema, and on the keys of open objects."""
    if isinstance(node, list):
        for item in node:
            _body_rule(item)
        return
    if not isinstance(node, dict):
        return
    _add_pattern(node, NO_NUL_OR_SURROGATE)
    if node.get("type") == "object" and node.get("additionalProperties") is not False:
        node.setdefault("propertyNames", {"pattern": NO_NUL_OR_SURROGATE})
    for key, value in node.items():
        if key not in {"propertyNames", "pattern", "enum", "const", "examples", "default"}:
            _body_rule(value)
