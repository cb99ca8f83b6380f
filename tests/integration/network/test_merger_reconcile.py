"""After a merger the center's identity info follows, and the network reconciles (ADR 0027).

One database holds both registries and the center (the embedded deployment).  The
center applies every ``center.identity`` message in the outbox, before and after the
merger; each time the reconciliation finds nothing: nobody doubled or lost, and the
center names the holder 川越市 from the day with the rewritten address.
"""

from __future__ import annotations

from datetime import UTC

import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.network.center.identity import apply_identity
from jichi.network.center.tables import center_identity
from jichi.network.messages import Envelope
from jichi.network.reconcile import load_center, read_node, reconcile
from jichi.registry.merger import execute
from jichi.registry.tables import outbox
from jichi.store.engine import write_transaction
from tests.integration.registry.test_merger import (  # noqa: F401 (fixture)
    CIPHER,
    KAWAGOE,
    KAWAJIMA,
    SUPERVISOR,
    TODAY,
    clock,
    plan,
    records,
    two_towns,
)


def deliver(engine: Engine, *, since: int = 0) -> int:
    """Apply every identity message after outbox seq ``since`` at the center; the last seq."""
    last = since
    with write_transaction(engine) as conn:
        rows = conn.execute(
            sa.select(outbox)
            .where(outbox.c.seq > since, outbox.c.topic == "center.identity")
            .order_by(outbox.c.seq)
        ).all()
        for row in rows:
            apply_identity(
                conn,
                Envelope(
                    message_id=row.message_id,
                    topic=row.topic,
                    ordering_key=row.ordering_key,
                    sender=row.lg_code,
                    seq=row.seq,
                    payload=row.payload,
                    created_at=row.created_at.replace(tzinfo=row.created_at.tzinfo or UTC),
                ),
            )
            last = row.seq
    return last


def check(engine: Engine, codes: tuple[str, ...]) -> None:
    with engine.connect() as conn:
        nodes = [read_node(conn, code) for code in codes]
    report = reconcile(nodes, load_center(engine), today=TODAY)
    assert report.ok, report.findings


def test_the_center_follows_the_merger_and_the_network_agrees(two_towns: Engine) -> None:  # noqa: F811
    seen = deliver(two_towns)
    check(two_towns, (KAWAGOE, KAWAJIMA))
    moved = [r for r in records(two_towns, KAWAJIMA) if r.is_active and r.resident_code]
    execute(two_towns, plan(two_towns), SUPERVISOR, CIPHER, clock=clock)
    assert deliver(two_towns, since=seen) > seen
    check(two_towns, (KAWAGOE, KAWAJIMA))
    with two_towns.connect() as conn:
        rows = {
            r.resident_code: r
            for r in conn.execute(
                sa.select(center_identity).where(
                    center_identity.c.resident_code.in_([m.resident_code for m in moved])
                )
            )
        }
    assert len(rows) == len(moved)
    for person in moved:
        row = rows[person.resident_code]._mapping
        assert row["lg_code"] == KAWAGOE
        assert "川越市川島" in row["address"]
