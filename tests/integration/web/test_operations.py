"""Metrics, liveness, readiness and the JSON access log, on both databases."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from jichi.registry.tables import outbox
from jichi.store import migrate
from jichi.store.engine import make_engine
from jichi.web.app import create_app
from jichi.web.center.app import create_center_app
from jichi.web.operations import JsonFormatter, QueueCollector, configure_logging


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def test_requests_are_counted_by_route_template_never_by_path(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    secret = "131016"
    assert client.get(f"/api/places/{secret}").status_code == 200
    assert client.get("/api/places/999999").status_code == 422  # bad check digit
    text = client.get("/metrics").text
    counted = samples(text, "jichi_http_requests_total")
    key = (
        ("method", "GET"),
        ("route", "/api/places/{code}"),
        ("service", "web"),
        ("status", "200"),
    )
    assert counted[key] == 1.0
    assert counted[(*key[:3], ("status", "422"))] == 1.0
    assert secret not in text and "999999" not in text
    assert samples(text, "jichi_http_request_duration_seconds_count")[key] == 1.0


def test_queue_depth_and_age_come_from_the_database_at_scrape_time(engine: Engine) -> None:
    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    with engine.begin() as conn:
        for minutes, sent in ((30, None), (5, None), (60, now)):
            conn.execute(
                outbox.insert().values(
                    message_id=str(uuid.uuid4()),
                    lg_code="112011",
                    topic="t",
                    ordering_key="k",
                    payload={},
                    created_at=now - timedelta(minutes=minutes),
                    sent_at=sent,
                )
            )
    families = {f.name: f for f in QueueCollector(engine, now=lambda: now).collect()}
    depth = {s.labels["queue"]: s.value for s in families["jichi_queue_depth"].samples}
    age = {s.labels["queue"]: s.value for s in families["jichi_queue_oldest_age_seconds"].samples}
    assert depth == {"outbox": 2.0, "inbox": 0.0, "tasks": 0.0}
    assert age["outbox"] == pytest.approx(1800.0) and age["inbox"] == 0.0
    scraped = TestClient(create_app(engine)).get("/metrics").text
    assert samples(scraped, "jichi_queue_depth")[(("queue", "outbox"),)] == 2.0


def test_healthz_and_readyz_say_live_ready_or_why_not(engine: Engine, tmp_path: Path) -> None:
    client = TestClient(create_app(engine))
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["revision"] == migrate.head_revision(engine)
    stale = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(stale, "0016")
    answer = TestClient(create_app(stale)).get("/readyz")
    assert answer.status_code == 503 and answer.json()["status"] == "migrating"
    stale.dispose()


def test_readyz_is_503_when_the_database_is_gone() -> None:
    broken = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    gone = TestClient(create_app(broken))
    answer = gone.get("/readyz")
    assert answer.status_code == 503 and answer.json()["status"] == "unavailable"
    assert gone.get("/healthz").status_code == 200
    broken.dispose()


def test_the_center_has_the_same_operations_endpoints(engine: Engine) -> None:
    with TestClient(create_center_app(engine, hot_path=False)) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200
        client.post("/v1/verify", json={})
        text = client.get("/metrics").text
    assert any(
        dict(k).get("service") == "center" for k in samples(text, "jichi_http_requests_total")
    )


def test_the_json_access_log_has_no_path_or_query(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    client = TestClient(create_app(engine))
    with caplog.at_level(logging.INFO, logger="jichi.access"):
        client.get("/api/places/131016", params={"as_of": "2003-03-31"})
    (record,) = [r for r in caplog.records if r.name == "jichi.access"]
    line = json.loads(JsonFormatter().format(record))
    assert line["route"] == "/api/places/{code}" and line["status"] == 200
    assert "131016" not in json.dumps(line) and "2003" not in json.dumps(line)
    before = list(logging.getLogger("jichi").handlers)
    configure_logging("text")  # anything but json leaves logging alone
    assert logging.getLogger("jichi").handlers == before


def test_metrics_need_the_token_when_one_is_configured(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JICHI_METRICS_TOKEN", "s3cret-scrape")
    client = TestClient(create_app(engine))
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    good = client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape"})
    assert good.status_code == 200 and "jichi_http_requests_total" in good.text
