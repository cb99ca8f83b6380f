"""The public base URL: where residents and agencies reach this jichi, from configuration.

A certificate prints the address at which its verification code can be checked, and a
printed address outlives the request that made it.  Taking it from the request (its
``Host`` header) would let anyone who can send a request choose the address printed on an
official document — a forged header, a proxy's internal name, ``127.0.0.1`` on a counter
PC.  So the address is configured once, ``JICHI_PUBLIC_BASE_URL=https://jichi.example.lg.jp``
(or ``create_app(public_base_url=…)``), checked at start-up, and never read from a request.
Unset, it is the demo's own address, ``http://127.0.0.1:8000``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from jichi.kernel.errors import JichiError, define

ENV_PUBLIC_BASE_URL = "JICHI_PUBLIC_BASE_URL"
DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:8000"

BAD_PUBLIC_BASE_URL = define(
    "WEB-044",
    "公開URL（JICHI_PUBLIC_BASE_URL）「{value}」が正しくありません。"
    "https://jichi.example.lg.jp のように、http(s):// で始まり、"
    "?や#を含まない形で指定してください。",
    "JICHI_PUBLIC_BASE_URL={value!r} is not an http(s) URL without query or fragment",
    params=("value",),
)


def parse_public_base_url(value: str) -> str:
    """``value`` as a base URL without a trailing slash; WEB-044 if it is not one."""
    text = value.strip()
    try:
        parts = urlsplit(text)
        valid = (
            parts.scheme in {"http", "https"}
            and bool(parts.hostname)
            and not parts.query
            and not parts.fragment
            and "@" not in parts.netloc
            and text.isprintable()
            and " " not in text
        )
        parts.port  # noqa: B018 — raises ValueError on a bad port
    except ValueError:
        valid = False
    if not valid:
        raise JichiError(BAD_PUBLIC_BASE_URL, field=ENV_PUBLIC_BASE_URL, value=value)
    return text.rstrip("/")


def public_base_url(env: Mapping[str, str] | None = None) -> str:
    """The configured public base URL (the environment), or the demo's default."""
    configured = (os.environ if env is None else env).get(ENV_PUBLIC_BASE_URL, "")
    if not configured.strip():
        return DEFAULT_PUBLIC_BASE_URL
    return parse_public_base_url(configured)


def verify_url(base: str) -> str:
    """The address printed on certificates for checking their verification code."""
    return base + "/verify"
