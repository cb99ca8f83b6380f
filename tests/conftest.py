"""Shared fixtures: real databases (SQLite and PostgreSQL) built by the migrations.

Every integration test that takes ``engine`` runs twice, once per backend.  Under
``CI=true`` (or ``JICHI_REQUIRE_SERVICES=1``) a service that cannot be reached is a
failure, never a skip: a green run must mean the real thing was exercised.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine, create_engine, text

from jichi.store import migrate
from jichi.store.engine import make_engine

PG_ADMIN_URL = os.environ.get(
    "JICHI_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
NATS_URL = os.environ.get("JICHI_NATS_URL", "nats://127.0.0.1:4222")
BACKENDS = ("sqlite", "postgresql")
# No per-example deadline and no "generation is slow" health check: on a shared 2-core
# machine running the suite in several workers, wall time says nothing about the code
# (timing is bench/'s job, never a unit test's).  A test's own settings still win.
settings.register_profile("jichi", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("jichi")

BROWSER_TESTS = Path(__file__).resolve().parent / "e2e" / "browser"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``--dist loadgroup``) the browser tests share one worker.

    Their server and Chromium are package-scoped: spread over the workers, each would
    launch its own browser, and interleaved with other folders the package would be set
    up and torn down again and again.  One group keeps one Chromium for the folder.
    """
    for item in items:
        if BROWSER_TESTS in item.path.parents:
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(autouse=True)
def test_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixed test key: no test may create a key file in the working tree."""
    monkeypatch.setenv("JICHI_SECRET_KEY", "dGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQ")


def services_required() -> bool:
    return (
        os.environ.get("CI", "").lower() == "true"
        or os.environ.get("JICHI_REQUIRE_SERVICES") == "1"
    )


def missing_service(what: str) -> None:
    message = f"{what} is not reachable"
    if services_required():
        pytest.fail(f"{message} (required under CI)", pytrace=False)
    pytest.skip(message)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    if not port_open("127.0.0.1", 5432):
        missing_service("PostgreSQL at 127.0.0.1:5432")
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


class PgDatabases:
    """Creates throw-away databases; dropped at the end of the session."""

    def __init__(self, admin: Engine) -> None:
        self.admin = admin
        self.created: list[str] = []
        self.template: str | None = None

    def url(self, name: str) -> str:
        return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name

    def create(self, template: str | None = None) -> str:
        name = f"jichi_test_{uuid.uuid4().hex[:12]}"
        clause = f" TEMPLATE {template}" if template else ""
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        self.created.append(name)
        return name

    def migrated(self) -> str:
        """A fresh database at head, copied from a template migrated once."""
        if self.template is None:
            self.template = self.create()
            engine = make_engine(self.url(self.template))
            migrate.upgrade(engine)
            engine.dispose()
        return self.create(template=self.template)

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for name in reversed(self.created):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def pg_databases(pg_admin: Engine) -> Iterator[PgDatabases]:
    databases = PgDatabases(pg_admin)
    yield databases
    databases.drop_all()


@pytest.fixture(params=BACKENDS)
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'jichi-test.db'}"
    databases: PgDatabases = request.getfixturevalue("pg_databases")
    return databases.url(databases.create())


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per session (per xdist worker).

    Running the whole migration chain costs seconds per test; copying the migrated file
    costs milliseconds and gives each test the same fresh, private database, just as
    PostgreSQL tests get a copy of a migrated template database.
    """
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    built = make_engine(f"sqlite:///{path}")
    migrate.upgrade(built)
    with built.connect() as conn:  # everything in the main file, nothing left in a WAL
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    built.dispose()
    return path


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database at the head migration, on each backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "jichi-test.db"
        shutil.copyfile(template, target)
        built = make_engine(f"sqlite:///{target}")
    else:
        databases: PgDatabases = request.getfixturevalue("pg_databases")
        built = make_engine(databases.url(databases.migrated()))
    yield built
    built.dispose()


@pytest.fixture(scope="session")
def nats_url() -> str:
    host_port = NATS_URL.rsplit("//", 1)[-1]
    host, _, port = host_port.partition(":")
    if not port_open(host, int(port or 4222)):
        missing_service(f"NATS at {NATS_URL}")
    return NATS_URL
