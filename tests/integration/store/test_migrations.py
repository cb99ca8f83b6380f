from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import inspect

from jichi.store import migrate
from jichi.store.engine import database_url, make_engine, normalize_url


def test_migrations_upgrade_downgrade_and_upgrade_again(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    assert migrate.is_up_to_date(engine)
    assert "local_government" in inspect(engine).get_table_names()
    migrate.downgrade(engine, "base")
    assert migrate.current_revision(engine) is None
    assert "local_government" not in inspect(engine).get_table_names()
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision(engine)
    engine.dispose()


def test_sqlite_database_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_default_database_is_a_sqlite_file_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JICHI_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert database_url() == f"sqlite:///{tmp_path / 'jichi.db'}"


def test_environment_url_wins_and_postgres_spellings_use_psycopg(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JICHI_DATABASE_URL", "postgres://u@h:5432/d")
    assert database_url() == "postgresql+psycopg://u@h:5432/d"
    assert normalize_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"


def test_0016_recomputes_address_keys_of_existing_residents_and_households(
    empty_db_url: str,
) -> None:
    """A registry filled before 0016 finds 五丁目 by ５丁目 after the upgrade, and back."""
    from jichi.registry import repository as repo
    from jichi.registry.model import Address, ResidentRecord
    from jichi.registry.tables import household, resident
    from tests.integration.registry.test_search import sample_record

    engine = make_engine(empty_db_url)
    migrate.upgrade(engine, "0015")
    record: ResidentRecord = sample_record(town="大字的場五丁目", block="3番地の2")
    address: Address = record.address
    now = datetime(2026, 11, 27, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            household.insert().values(
                household_id=record.household_id,
                lg_code=record.lg_code,
                address=address.model_dump(mode="json"),
                address_key="old",
                active=True,
                version=1,
                updated_at=now,
            )
        )
        row = repo.resident_row(
            record, number_hash=None, number_enc=None, restricted=False, version=1, now=now
        )
        conn.execute(resident.insert().values({**row, "address_key": "old"}))

    migrate.upgrade(engine)
    with engine.connect() as conn:
        keys = {
            conn.execute(sa.select(household.c.address_key)).scalar_one(),
            conn.execute(sa.select(resident.c.address_key)).scalar_one(),
        }
    assert keys == {"大字的場5-3-2"} == {repo.address_key(address)}

    migrate.downgrade(engine, "0015")
    with engine.connect() as conn:
        old = conn.execute(sa.select(resident.c.address_key)).scalar_one()
    assert old == "大字的場五丁目3番地の2"
    engine.dispose()
