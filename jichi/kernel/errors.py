"""One typed error for every rejection jichi makes.

A clerk must read why the system refused something in Japanese, an operator must
grep the logs in English, and a program must branch on a code that never changes.
So every rejection names an :class:`ErrorKind` from one catalogue (``CATALOGUE``),
and the web and CLI edges turn a :class:`JichiError` into RFC 9457 problem+json or
an exit code in exactly one place each.  Messages are templates with named fields;
callers pass the values, never a pre-formatted string, so no personal value (an
individual number, say) slips into a message by accident: only the fields a kind
declares are interpolated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ErrorKind:
    """A stable kind of rejection: its code never changes once released."""

    code: str
    message_ja: str
    message_en: str
    http_status: int = 422
    params: tuple[str, ...] = field(default=())

    def render(self, params: dict[str, Any]) -> tuple[str, str]:
        values = {name: params.get(name, "?") for name in self.params}
        return self.message_ja.format(**values), self.message_en.format(**values)


CATALOGUE: dict[str, ErrorKind] = {}


def define(
    code: str,
    message_ja: str,
    message_en: str,
    *,
    http_status: int = 422,
    params: tuple[str, ...] = (),
) -> ErrorKind:
    """Register a kind in the catalogue; a duplicate code is a programming error."""
    if code in CATALOGUE:
        raise ValueError(f"error code {code} defined twice")
    kind = ErrorKind(code, message_ja, message_en, http_status, params)
    CATALOGUE[code] = kind
    return kind


class JichiError(Exception):
    """A rejection of input or of a request, with everything each reader needs."""

    def __init__(self, kind: ErrorKind, /, *, field: str | None = None, **params: Any) -> None:
        self.kind = kind
        self.field = field
        self.params = params
        self.message_ja, self.message_en = kind.render({"field": field, **params})
        super().__init__(f"{kind.code}: {self.message_en}")

    @property
    def code(self) -> str:
        return self.kind.code

    @property
    def http_status(self) -> int:
        return self.kind.http_status

    def to_dict(self) -> dict[str, Any]:
        """The problem+json body (RFC 9457) with jichi's extension members."""
        return {
            "type": f"urn:jichi:error:{self.code}",
            "title": self.message_en,
            "status": self.http_status,
            "detail": self.message_ja,
            "code": self.code,
            "message_ja": self.message_ja,
            "message_en": self.message_en,
            "field": self.field,
        }


# Generic kinds used at the edges.
INVALID_INPUT = define(
    "GEN-001",
    "{field}の入力内容が正しくありません。",
    "invalid input for {field}",
    params=("field",),
)
NOT_FOUND = define(
    "GEN-002",
    "{what}が見つかりません。",
    "{what} not found",
    http_status=404,
    params=("what",),
)
