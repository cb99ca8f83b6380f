"""Fixtures of the row-security tests: PostgreSQL only, and an ordinary role like the web's."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from jichi.store.engine import make_engine


@pytest.fixture
def pg(engine: Engine) -> Engine:
    if engine.dialect.name != "postgresql":
        pytest.skip("row-level security is PostgreSQL's (SQLite: the stores' filters only)")
    return engine


@pytest.fixture
def web_role(pg: Engine, pg_admin: Engine) -> Iterator[Engine]:
    """An engine on the test database as a fresh non-superuser role, like the web's."""
    role = f"jichi_web_{uuid.uuid4().hex[:8]}"
    with pg.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS"))
        conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
        rights = "SELECT, INSERT, UPDATE, DELETE"
        conn.execute(text(f"GRANT {rights} ON ALL TABLES IN SCHEMA public TO {role}"))
        conn.execute(text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}"))
        conn.commit()
    url = pg.url.set(username=role, password=None)
    built = make_engine(url.render_as_string(hide_password=False), pool_size=1, max_overflow=0)
    yield built
    built.dispose()
    with pg.connect() as conn:
        conn.execute(text(f"DROP OWNED BY {role}"))
        conn.commit()
    with pg_admin.connect() as conn:
        conn.execute(text(f"DROP ROLE {role}"))
