"""A node's database backed up, the network going on, the node restored and caught up.

On both databases (SQLite: the backup API; PostgreSQL: pg_dump / pg_restore), through
the ``jichi backup`` / ``jichi restore`` commands: the restored node is back at the
backup, its outbox holds again what it had sent since; the relay sends it again, the
receivers' inboxes drop what they had applied (the transport's own de-duplication is
off here, as once JetStream's duplicate window has passed), and the 突合 agrees.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from jichi.cli.main import app
from jichi.network.demo import DemoOptions, NetworkDemo
from jichi.network.tables import inbox
from jichi.network.transport import InProcessTransport
from jichi.registry.tables import outbox, resident
from tests.conftest import BACKENDS, PgDatabases

runner = CliRunner()


def count(engine: Engine, query: sa.Select[tuple[int]]) -> int:
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def unsent(engine: Engine) -> int:
    return count(
        engine,
        sa.select(sa.func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None)),
    )


def applied(engine: Engine) -> int:
    return count(
        engine,
        sa.select(sa.func.count()).select_from(inbox).where(inbox.c.applied_at.is_not(None)),
    )


@pytest.fixture(params=BACKENDS)
def demo(request: pytest.FixtureRequest, tmp_path: Path) -> NetworkDemo:
    options = DemoOptions(municipalities=3, residents=15, moves=0, directory=tmp_path, seed=21)
    built = NetworkDemo(options)
    if request.param == "postgresql":
        databases: PgDatabases = request.getfixturevalue("pg_databases")
        prefix = f"jichi_test_bk{uuid.uuid4().hex[:8]}"
        with databases.admin.connect() as conn:
            for name in ["center", *built.pick_municipalities()]:
                conn.execute(text(f'CREATE DATABASE "{prefix}_{name}"'))
                databases.created.append(f"{prefix}_{name}")
        built.options.database_url_template = databases.url(prefix + "_{name}")
    return built


def test_a_restored_node_replays_its_outbox_and_the_network_agrees(
    demo: NetworkDemo, tmp_path: Path
) -> None:
    transport = demo.transport
    assert isinstance(transport, InProcessTransport)
    saved = tmp_path / "node.backup"

    async def main() -> None:
        demo.build()
        await demo.settle()
        await demo.run_moves(4)
        node, *others = demo.lg_codes
        engine, url = demo.engines[node], demo.urls[node]
        transport.available = False  # the link is down: the node's work waits in its outbox
        demo.new_day(10)
        assert demo.birth(node) != "none" or demo.death(node) != "none"
        queued = unsent(engine)
        assert queued > 0
        done = runner.invoke(app, ["backup", "--to", str(saved), "--url", url])
        assert done.exit_code == 0, done.output
        transport.available = True
        await demo.settle()  # the queue goes out and is applied at the center
        assert unsent(engine) == 0
        for day in range(11, 14):  # the network goes on without the node
            demo.new_day(day)
            movers = demo.movers(others[0])
            assert movers is not None
            demo.paper_move(others[0], others[1], *movers)
            await demo.settle()
        center_applied = applied(demo.engines["center"])
        population = count(engine, sa.select(sa.func.count()).select_from(resident))
        with engine.begin() as conn:  # what the backup does not hold, to see it go
            conn.execute(outbox.update().values(topic="lost"))
        engine.dispose()  # the node is stopped for the restore
        done = runner.invoke(app, ["restore", str(saved), "--url", url, "--yes"])
        assert done.exit_code == 0, done.output
        assert f"{queued:,}" in done.output
        assert unsent(engine) == queued  # back at the backup: sent again on start
        assert count(engine, sa.select(sa.func.count()).select_from(resident)) == population
        assert (
            count(
                engine,
                sa.select(sa.func.count()).select_from(outbox).where(outbox.c.topic == "lost"),
            )
            == 0
        )
        transport.deduplicate = False  # past the broker's duplicate window: inboxes decide
        await demo.settle()  # the relay replays the outbox
        assert unsent(engine) == 0
        assert applied(demo.engines["center"]) == center_applied  # nothing applied twice

    try:
        asyncio.run(main())
        report = demo.reconcile()
        assert report.ok, report.findings
        assert report.figures.moves_pending == 0
    finally:
        demo.dispose()


def test_a_missing_backup_file_is_a_typed_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'node.db'}"
    done = runner.invoke(app, ["restore", str(tmp_path / "none.backup"), "--url", url, "--yes"])
    assert done.exit_code != 0
    assert "BAK-003" in done.output
