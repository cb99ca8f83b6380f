"""What the commission's pages share: the signed-in page for an action, its election."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request
from starlette.datastructures import FormData

from jichi.elections import election_store
from jichi.elections.model import Election
from jichi.kernel.errors import JichiError
from jichi.security.actor import Actor
from jichi.security.policy import roles_for
from jichi.web.pages.common import Page, counter_page

BASE = "/counter/elections"


def commission(request: Request, action: str, form: FormData | None = None) -> tuple[Page, Actor]:
    """The signed-in commission page for ``action`` (sign-in redirect, AUTH-002)."""
    page = counter_page(request, form)
    return page, page.require(action, *roles_for(action))


def election_of(page: Page, actor: Actor, election_id: str) -> Election:
    with page.registry.engine.connect() as conn:
        return election_store.load_for(conn, actor.lg_code, election_id)


def now() -> datetime:
    return datetime.now(UTC)


def field_errors(error: JichiError) -> dict[str, str]:
    """Every error of a refusal by field (ELE-017 and a tally mismatch carry several)."""
    inner = getattr(error, "errors", None)
    if isinstance(inner, list) and inner:
        return {(e.field or "form"): e.message_ja for e in inner}
    return {(error.field or "form"): error.message_ja}
