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

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
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


class JichiErrors(JichiError):
    """Every rejection of one input at once (a form, a notification).

    A clerk who fixes one field only to meet the next error on the next submit loses
    the resident's time, so checks that do not depend on each other are collected and
    raised together.  The group *is* a :class:`JichiError` (its first member's kind,
    field and messages), so every edge that maps one error still works; the problem
    body adds an ``errors`` array with each member's own problem object.
    """

    def __init__(self, errors: Sequence[JichiError]) -> None:
        if not errors:
            raise ValueError("an error group needs at least one error")
        members: list[JichiError] = []
        for error in errors:
            members.extend(error.errors if isinstance(error, JichiErrors) else [error])
        first = members[0]
        super().__init__(first.kind, field=first.field, **first.params)
        self.errors: list[JichiError] = members

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["errors"] = [member_dict(e) for e in self.errors]
        return body


def member_dict(error: JichiError) -> dict[str, Any]:
    """One member of a problem's ``errors`` array: code, field and both messages."""
    return {
        "code": error.code,
        "field": error.field,
        "message_ja": error.message_ja,
        "message_en": error.message_en,
    }


class Collector:
    """Gathers the errors of independent checks, then raises them as one group.

    ``with collector.check(): ...`` runs one check and keeps its error instead of
    stopping; ``raise_if_any`` raises the single error as is (so callers that match one
    code keep working) or a :class:`JichiErrors` for several.
    """

    def __init__(self) -> None:
        self.errors: list[JichiError] = []

    @contextmanager
    def check(self) -> Iterator[None]:
        try:
            yield
        except JichiError as error:
            self.add(error)

    def add(self, error: JichiError) -> None:
        self.errors.extend(error.errors if isinstance(error, JichiErrors) else [error])

    def raise_if_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise JichiErrors(self.errors)


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
