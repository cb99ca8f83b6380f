"""What an operator's monitoring reads: Prometheus metrics, liveness and readiness, access logs.

Installed by both factories (the municipality's web app and the center) with one call,
:func:`install`.  Each app has its own :class:`prometheus_client.CollectorRegistry`, so two
apps in one process (the tests, the demo) never share or clash on series.

**No personal data in any label or log line.**  A request is labelled by its *route
template* (``/api/registry/residents/{person_id}``), never its path, and never by query
string; the access log has the same fields.  The queue gauges are counts and ages only.

- ``GET /metrics``: ``jichi_http_requests_total`` and ``jichi_http_request_duration_seconds``
  (histogram) by service, method, route and status; for a municipality's database also the
  outbox (unsent messages and the age of the oldest), the inbox (received, not applied),
  open network tasks and the newest import's progress, read at scrape time.
  With ``JICHI_METRICS_TOKEN`` set, a scrape needs ``Authorization: Bearer <token>``;
  otherwise expose /metrics only to the monitoring network (it holds counts, no persons).
- ``GET /healthz``: the process answers (liveness: restart me if this fails).
- ``GET /readyz``: the database answers and its schema is at the head revision
  (readiness: send me traffic); 503 with the reason otherwise.
- ``JICHI_LOG_FORMAT=json``: one JSON object per request on the ``jichi.access`` logger.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jichi.store import migrate

access_log = logging.getLogger("jichi.access")

#: When set, /metrics needs ``Authorization: Bearer <value>`` (Prometheus ``authorization``).
METRICS_TOKEN_ENV = "JICHI_METRICS_TOKEN"

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """One app's series."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry(auto_describe=True)
        labels = ("service", "method", "route", "status")
        self.requests = Counter(
            "jichi_http_requests", "HTTP requests answered", labels, registry=self.registry
        )
        self.latency = Histogram(
            "jichi_http_request_duration_seconds",
            "Time to answer an HTTP request",
            labels,
            buckets=BUCKETS,
            registry=self.registry,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        values = (self.service, method, route, str(status))
        self.requests.labels(*values).inc()
        self.latency.labels(*values).observe(seconds)


class QueueCollector(Collector):
    """The municipality database's queues, counted when Prometheus scrapes (never cached)."""

    def __init__(self, engine: Engine, now: Callable[[], datetime] | None = None) -> None:
        self.engine = engine
        self.now = now or (lambda: datetime.now(UTC))

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from jichi.network.flows.tables import node_task
        from jichi.network.tables import inbox
        from jichi.registry.tables import outbox

        now = self.now()
        gauges = {
            "outbox": (outbox.c.sent_at, outbox.c.created_at),
            "inbox": (inbox.c.applied_at, inbox.c.received_at),
            "tasks": (node_task.c.closed_at, node_task.c.created_at),
        }
        depth = GaugeMetricFamily(
            "jichi_queue_depth", "Items waiting (outbox unsent, inbox unapplied, open tasks)",
            labels=["queue"],
        )  # fmt: skip
        age = GaugeMetricFamily(
            "jichi_queue_oldest_age_seconds", "Age of the oldest waiting item", labels=["queue"]
        )
        try:
            with self.engine.connect() as conn:
                for name, (done, since) in gauges.items():
                    count, oldest = conn.execute(
                        sa.select(sa.func.count(), sa.func.min(since)).where(done.is_(None))
                    ).one()
                    depth.add_metric([name], float(count))
                    age.add_metric([name], _age(now, oldest))
        except sa.exc.SQLAlchemyError:
            return  # the database is down: /readyz says so; the scrape still answers
        yield depth
        yield age


def _age(now: datetime, oldest: datetime | str | None) -> float:
    if oldest is None:
        return 0.0
    if isinstance(oldest, str):
        oldest = datetime.fromisoformat(oldest)
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return max(0.0, (now - oldest).total_seconds())


class MetricsMiddleware:
    """Times every HTTP request and labels it by its route template (pure ASGI, no buffering)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = str(scope.get("method", ""))
            self.metrics.observe(method, route, status, seconds)
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "request",
                    extra={
                        "fields": {
                            "service": self.metrics.service,
                            "method": method,
                            "route": route,
                            "status": status,
                            "duration_ms": round(seconds * 1000, 3),
                        }
                    },
                )


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message and the record's ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        body.update(getattr(record, "fields", {}) or {})
        if record.exc_info:
            body["exception"] = record.exc_info[0].__name__ if record.exc_info[0] else None
        return json.dumps(body, ensure_ascii=False)


def configure_logging(fmt: str | None) -> None:
    """``json``: JSON lines on stderr; anything else leaves logging be.

    ``jichi.*`` at INFO; every other library (asyncpg's pool reconnecting after a failover,
    asyncio, uvicorn's errors) at WARNING through the same formatter, so a log collector
    never meets a bare multi-line traceback — and none of a library's exception text,
    which may quote a query's values, only the exception's class.
    """
    if fmt != "json":
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    ours = logging.getLogger("jichi")
    ours.handlers = [handler]
    ours.setLevel(logging.INFO)
    ours.propagate = False
    everyone = logging.getLogger()
    everyone.handlers = [handler]
    everyone.setLevel(logging.WARNING)


def install(
    app: FastAPI, *, service: str, engine: Engine, collectors: Iterable[Collector] = ()
) -> Metrics:
    """Add /metrics, /healthz, /readyz and the request timer to ``app``."""
    metrics = Metrics(service)
    for collector in collectors:
        metrics.registry.register(collector)
    app.state.metrics = metrics
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    router = APIRouter(tags=["operations"])
    head = migrate.head_revision(engine)  # the package's migrations: read once

    token = os.environ.get(METRICS_TOKEN_ENV, "").strip()

    @router.get("/metrics", include_in_schema=False)
    def prometheus(request: Request) -> Response:
        if token and not hmac.compare_digest(
            request.headers.get("authorization", "").encode(), f"Bearer {token}".encode()
        ):
            return Response("unauthorized\n", status_code=401, media_type="text/plain")
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @router.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        try:
            current = migrate.current_revision(engine)
        except sa.exc.SQLAlchemyError as error:
            reason = {"status": "unavailable", "reason": type(error).__name__}
            return JSONResponse(reason, status_code=503)
        if current != head:
            body = {"status": "migrating", "revision": current, "head": head}
            return JSONResponse(body, status_code=503)
        return JSONResponse({"status": "ready", "revision": current})

    app.include_router(router)
    return metrics
