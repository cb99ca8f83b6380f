"""Which flow handles which message: a registry the flows fill and the node reads.

The node used to import every flow to build its table of handlers, and every flow
imported the node for its type, a circle.  Now each flow registers its handlers here
(:func:`handles`, by the last token of ``municipality.<lg_code>.<kind>``) and its daily
jobs (:func:`daily`), and types the node it is given as :class:`NodeContext`, the
protocol of what a handler may use.  The node imports this module only; importing
:mod:`jichi.network.flows` (which this does) registers every flow.  The import-linter
contract "Flows never import the node" in ``pyproject.toml`` keeps it so.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Protocol, TypeVar

from sqlalchemy import Connection, Engine

from jichi.kernel.deadlines import Calendar
from jichi.network.flows.settings import FlowSettings
from jichi.network.messages import Envelope
from jichi.registry.service import Registry
from jichi.security.actor import Actor


class NodeContext(Protocol):
    """What a flow may use of the municipality node that runs it."""

    engine: Engine
    lg_code: str
    registry: Registry
    settings: FlowSettings
    calendar: Calendar
    system: Actor  # the node's own actor (system:network): its changes are audited so
    clock: Callable[[], datetime]

    def today(self) -> date: ...


Handler = Callable[[NodeContext, Connection, Envelope], None]
"""Applies one message inside the inbox transaction (``conn`` open, never committed)."""

DailyJob = Callable[[NodeContext, Connection, date], list[str]]
"""A job of the daily sweep, in the sweep's transaction: the keys of what it opened."""

H = TypeVar("H", bound=Handler)
J = TypeVar("J", bound=DailyJob)

_HANDLERS: dict[str, Handler] = {}
_DAILY: dict[str, DailyJob] = {}


def handles(kind: str) -> Callable[[H], H]:
    """Register the decorated function as the handler of messages of ``kind``."""

    def register(handler: H) -> H:
        if _HANDLERS.setdefault(kind, handler) is not handler:
            raise ValueError(f"two handlers for the message kind {kind!r}")
        return handler

    return register


def daily(name: str) -> Callable[[J], J]:
    """Register the decorated function as a job of the node's daily sweep."""

    def register(job: J) -> J:
        if _DAILY.setdefault(name, job) is not job:
            raise ValueError(f"two daily jobs named {name!r}")
        return job

    return register


def handler_for(kind: str) -> Handler | None:
    return _HANDLERS.get(kind)


def kinds() -> list[str]:
    """The message kinds a node can apply, sorted."""
    return sorted(_HANDLERS)


def daily_jobs() -> list[tuple[str, DailyJob]]:
    return sorted(_DAILY.items())
