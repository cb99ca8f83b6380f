"""Tenant isolation: the one place that binds who acts to the municipality being served.

Several municipalities can share one database, each served by its own
``jichi serve --municipality CODE``.  A credential proves *who* someone is; it must not
also decide *whose* data they touch.  So the served municipality (:class:`Tenant`) is
fixed when the process starts and every sign-in, token and session is checked against it
here (:func:`admit`), before any handler runs.  Stores then take the tenant once and put
``lg_code = tenant`` into every query (see :mod:`jichi.registry.service` and friends),
and on PostgreSQL row-level security (migration 0017, :func:`jichi.store.engine.tenant_engine`)
is a second wall under both.
"""

from __future__ import annotations

from dataclasses import dataclass

from jichi.kernel.errors import JichiError, define
from jichi.security.actor import Actor

OTHER_MUNICIPALITY = define(
    "AUTH-010",
    "この端末は団体 {served} のものです。他の団体の職員の資格情報では利用できません。",
    "a credential of municipality {own} is not valid on the server of municipality {served}",
    http_status=403,
    params=("own", "served"),
)
NO_MUNICIPALITY = define(
    "AUTH-011",
    "このサーバーはどの団体も担当していないため、職員としてログインできません"
    "（jichi serve --municipality を指定してください）。",
    "this server serves no municipality, so no staff credential is accepted "
    "(start it with --municipality)",
    http_status=403,
)


@dataclass(frozen=True)
class Tenant:
    """The municipality a process serves (its 6-digit 団体コード), fixed at start-up."""

    lg_code: str

    def __post_init__(self) -> None:
        if not (len(self.lg_code) == 6 and self.lg_code.isascii() and self.lg_code.isdigit()):
            raise ValueError("Tenant.lg_code must be 6 ASCII digits")

    def __str__(self) -> str:
        return self.lg_code


def served_code(served: Tenant | str | None) -> str | None:
    """The lg_code of ``served`` (a :class:`Tenant` or a bare code), or None."""
    if served is None:
        return None
    return served.lg_code if isinstance(served, Tenant) else served


def admit(actor: Actor, served: Tenant | str | None) -> Actor:
    """The actor, if they belong to the served municipality; AUTH-010 / AUTH-011 if not.

    Why refuse rather than "switch" the actor to the served municipality: staff of A are
    nobody on B's server, whatever their role at home (an A admin must not administer B).
    """
    code = served_code(served)
    if not code:
        raise JichiError(NO_MUNICIPALITY, field="municipality")
    if actor.lg_code != code:
        raise JichiError(OTHER_MUNICIPALITY, field="municipality", own=actor.lg_code, served=code)
    return actor
