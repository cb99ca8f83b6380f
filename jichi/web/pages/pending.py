"""The pending notification between 確認 and 記録: sealed in the page, never trusted.

The 確認 page carries what the clerk typed (to go back with 「修正する」) and the command
it decoded to (to record with 「記録する」) in one hidden input, encrypted and
authenticated with the registry's field cipher (AES-GCM).  Its associated context binds
it to the municipality, the staff member, their session (the CSRF token, new at every
sign-in) and the form's path, and it carries the moment it was sealed: an edited,
replayed-elsewhere or stale payload is refused with WEB-030, and nothing is recorded.
Sealed rather than only signed, because a 個人番号 typed on a form must not sit in
clear in the page's source.  The payload also carries an idempotency key, so a double
「記録する」 (two clicks, a reload, a retried request) records once.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from jichi.kernel.errors import JichiError, define
from jichi.security.actor import Actor
from jichi.web.pages.common import Page

FIELD = "pending"
MAX_AGE = 30 * 60  # seconds: a 確認 page left open longer is typed again
MAX_SIZE = 200_000  # characters of a sealed payload (a family of 8 is far below)

PENDING_REFUSED = define(
    "WEB-030",
    "確認画面の内容を受け付けられません（書き換えられたか、別の画面のものか、30分の有効期限を過ぎています）。"
    "届出の画面からもう一度入力してください。",
    "the pending notification was altered, belongs to another session or form, or expired",
    http_status=400,
)


@dataclass(frozen=True)
class Pending:
    """What the 確認 page holds: the command, the typed values, the idempotency key."""

    data: dict[str, Any]
    values: dict[str, Any]
    key: str


def _context(page: Page, actor: Actor) -> str:
    return (
        f"jichi.web.pending.v1:{page.registry.lg_code}:{actor.staff_id}:"
        f"{page.session.csrf}:{page.request.url.path}"
    )


def seal(page: Page, actor: Actor, data: dict[str, Any], values: dict[str, Any]) -> str:
    typed = {k: v for k, v in values.items() if k not in {"card", "step", FIELD}}
    body = {"data": data, "values": typed, "key": str(uuid.uuid4()), "at": int(time.time())}
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return page.registry.cipher.encrypt(text, context=_context(page, actor))


def unseal(page: Page, actor: Actor, token: Any) -> Pending:
    """The pending notification, or WEB-030 (altered, another session or form, expired)."""
    if not isinstance(token, str) or not token or len(token) > MAX_SIZE:
        raise JichiError(PENDING_REFUSED, field=FIELD)
    try:
        body = json.loads(page.registry.cipher.decrypt(token, context=_context(page, actor)))
    except (JichiError, ValueError):
        raise JichiError(PENDING_REFUSED, field=FIELD) from None
    at = body.get("at") if isinstance(body, dict) else None
    if not isinstance(at, int) or not 0 <= time.time() - at <= MAX_AGE:
        raise JichiError(PENDING_REFUSED, field=FIELD)
    data, values, key = body.get("data"), body.get("values"), body.get("key")
    if not (isinstance(data, dict) and isinstance(values, dict) and isinstance(key, str)):
        raise JichiError(PENDING_REFUSED, field=FIELD)
    return Pending(data=data, values=values, key=key)
