"""The throttle hook of the two sign-in pages (staff password, resident access code).

Kept out of the handlers so each stays a few lines: :func:`attempt` refuses (SEC-030,
429) a key that failed too often, runs the attempt, and counts its failure or clears the
keys on success.  The count is in the database (``jichi.security.throttle``), so it holds
across processes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from jichi.kernel.errors import JichiError
from jichi.security.throttle import Throttle, key_of
from jichi.store.engine import write_transaction
from jichi.web.pages.common import Page

T = TypeVar("T")


def client_key(page: Page) -> str:
    client = page.request.client
    return key_of("client", client.host if client else "")


def attempt(page: Page, scope: str, keys: list[str], run: Callable[[], T]) -> T:
    """``run()``, unless ``keys`` are throttled; a JichiError from ``run`` counts as a failure."""
    throttle = Throttle(scope)
    everyone = key_of("lg", page.registry.lg_code)
    engine = page.registry.engine
    now = page.registry.clock()
    with engine.connect() as conn:
        throttle.check(conn, keys, everyone=everyone, now=now)
    try:
        result = run()
    except JichiError:
        with write_transaction(engine) as conn:
            throttle.failed(conn, keys, everyone=everyone, now=now)
        raise
    with write_transaction(engine) as conn:
        throttle.succeeded(conn, keys)
    return result
