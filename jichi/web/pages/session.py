"""Signed session cookies and CSRF tokens for the server-rendered pages.

Two audiences, two cookies that never mix: ``jichi_counter`` (path ``/counter``) holds a
staff member's API token, issued at sign-in and revoked at sign-out, so the pages and the
JSON API authenticate the same way (:func:`jichi.security.staff.authenticate`) and a
deactivated account stops working on the next request; ``jichi_me`` (path ``/me``) holds
the person id of a resident who signed in with a one-time code.

Both are signed with :mod:`itsdangerous` (HMAC-SHA1 over a key derived per salt) and
carry their creation time, so a cookie older than its lifetime is refused even if the
browser kept it.  The signing secret is derived from the municipality's key material
through :meth:`FieldCipher.lookup_hash` with its own context, so operators configure one
secret (``JICHI_SECRET_KEY``) and the cookie key reveals nothing about the others.

Every POST form carries ``csrf_token`` (fetch calls send ``X-CSRF-Token``), compared in
constant time with the one in the signed cookie; the cookies are also ``SameSite=Strict``
and ``HttpOnly``.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from jichi.kernel.errors import JichiError, define

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

CSRF_FAILED = define(
    "WEB-001",
    "画面の有効期限が切れたか、別の画面から送信されました。画面を読み込み直して、もう一度操作してください。",
    "CSRF token missing or wrong: reload the page and submit again",
    http_status=403,
)


@dataclass(frozen=True)
class Audience:
    cookie: str
    path: str
    salt: str
    max_age: int  # seconds


COUNTER = Audience("jichi_counter", "/counter", "jichi.web.counter.v1", 8 * 3600)
RESIDENT = Audience("jichi_me", "/me", "jichi.web.resident.v1", 30 * 60)


@dataclass
class Session:
    audience: Audience
    data: dict[str, Any] = field(default_factory=dict)
    dirty: bool = False
    cleared: bool = False

    @property
    def csrf(self) -> str:
        token = self.data.get("csrf")
        if not isinstance(token, str):
            token = secrets.token_urlsafe(24)
            self.data["csrf"] = token
            self.dirty = True
        return token

    def get(self, key: str) -> Any:
        return self.data.get(key)

    def start(self, **values: Any) -> None:
        """A new session (after sign-in): a fresh CSRF token, nothing carried over."""
        self.data = {"csrf": secrets.token_urlsafe(24), **values}
        self.dirty = True

    def clear(self) -> None:
        self.data = {}
        self.cleared = True

    def check_csrf(self, submitted: str | None) -> None:
        expected = self.data.get("csrf")
        if not submitted or not isinstance(expected, str):
            raise JichiError(CSRF_FAILED, field=CSRF_FIELD)
        if not hmac.compare_digest(submitted.encode(), expected.encode()):
            raise JichiError(CSRF_FAILED, field=CSRF_FIELD)


def secret_of(request: Request) -> str:
    """The cookie-signing secret of this app (derived once, kept on app.state).

    It is derived per served municipality (its lg_code is part of the derivation), so
    two servers sharing one ``JICHI_SECRET_KEY`` (two municipalities in one database)
    still sign different cookies: a cookie from A's server is not valid on B's.
    """
    secret: str | None = getattr(request.app.state, "page_secret", None)
    if secret is None:
        registry = request.app.state.registry
        secret = registry.cipher.lookup_hash(
            f"cookie-signing:{registry.lg_code}", context="jichi.web.session"
        )
        request.app.state.page_secret = secret
    return secret


def _serializer(request: Request, audience: Audience) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_of(request), salt=audience.salt)


def load(request: Request, audience: Audience) -> Session:
    raw = request.cookies.get(audience.cookie)
    if raw:
        try:
            data = _serializer(request, audience).loads(raw, max_age=audience.max_age)
            if isinstance(data, dict):
                return Session(audience, data)
        except BadSignature:
            pass
    return Session(audience)


def save(request: Request, session: Session, response: Response) -> Response:
    audience = session.audience
    if session.cleared:
        response.delete_cookie(audience.cookie, path=audience.path)
    elif session.dirty:
        response.set_cookie(
            audience.cookie,
            _serializer(request, audience).dumps(session.data),
            max_age=audience.max_age,
            path=audience.path,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
    return response
