"""A process killed in the middle of a notification leaves no partial change."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import sqlalchemy as sa

from jichi.registry.tables import household, notification, outbox, registry_event, resident
from jichi.store import migrate
from jichi.store.engine import make_engine

SCRIPT = textwrap.dedent(
    """
    import os, sys
    from jichi.registry import repository
    from jichi.registry.service import Registry
    from jichi.security.actor import Actor
    from jichi.security.crypto import FieldCipher
    from jichi.security.keys import Keys
    from jichi.store.engine import make_engine
    from tests.integration.registry.conftest import ELSEWHERE, address, yamada_family

    def die(*args, **kwargs):
        os._exit(9)  # the process dies after events and projections, before the outbox

    repository.insert_outbox = die
    registry = Registry(make_engine(sys.argv[1]), "112011", FieldCipher(Keys.derive(b"c" * 32)))
    registry.apply(registry.parse({
        "kind": "move_in", "effective_date": "2026-11-20", "address": address(),
        "previous_address": ELSEWHERE, "persons": yamada_family()}),
        Actor("clerk", "112011", "clerk"))
    """
)


def test_a_move_in_killed_before_commit_leaves_nothing(empty_db_url: str) -> None:
    url = empty_db_url
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    root = Path(__file__).resolve().parents[3]
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, url], cwd=root, capture_output=True, text=True
    )
    assert result.returncode == 9, result.stderr
    engine = make_engine(url)
    with engine.connect() as conn:
        for table in (registry_event, resident, household, notification, outbox):
            count = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            assert count == 0, table.name
        assert conn.execute(sa.text("SELECT count(*) FROM audit_log")).scalar_one() == 0
    engine.dispose()
