"""``jichi audit verify`` on both databases."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from jichi.cli import audit as audit_cli
from jichi.cli.main import app
from jichi.security.audit import AuditEntry, append
from jichi.security.keys import Keys

runner = CliRunner()
SECRET = base64.urlsafe_b64encode(b"s" * 32).decode("ascii")
KEY = Keys.derive(b"s" * 32).audit_key


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI derives the audit key from the master secret, as the server does."""
    monkeypatch.setenv("JICHI_SECRET_KEY", SECRET)


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def fill(engine: Engine, count: int) -> None:
    with engine.begin() as connection:
        for n in range(count):
            append(
                connection,
                AuditEntry(
                    lg_code="112011",
                    at=datetime(2026, 4, 1, 9, n % 60, tzinfo=UTC),
                    actor="clerk-0001",
                    actor_role="counter_clerk",
                    action="resident.read",
                    subject_person_id="0b7c6f1e-2c3d-4e5f-8a9b-0c1d2e3f4a5b",
                    detail={"n": n},
                ),
                KEY,
            )


def tamper(engine: Engine, statement: str) -> None:
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
        else:
            connection.exec_driver_sql("DROP TRIGGER audit_log_no_update")
            connection.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
        connection.exec_driver_sql(statement)


def test_an_intact_log_verifies_and_exits_zero(engine: Engine) -> None:
    fill(engine, 3)
    result = runner.invoke(app, ["audit", "verify", "--url", url_of(engine)])
    assert result.exit_code == 0, result.output
    assert "監査ログは改ざんされていません（3 件を検証）" in result.stdout
    assert "最新の行: 3:" in result.stdout


def test_an_empty_log_verifies_with_zero_rows(engine: Engine) -> None:
    result = runner.invoke(app, ["audit", "verify", "--url", url_of(engine)])
    assert result.exit_code == 0, result.output
    assert "（0 件を検証）" in result.stdout
    assert "最新の行" not in result.stdout


def test_the_database_url_comes_from_the_environment(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(engine, 2)
    monkeypatch.setenv("JICHI_DATABASE_URL", url_of(engine))
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "2 件を検証" in result.stdout


def test_an_edited_row_exits_one_naming_its_seq_and_reason(engine: Engine) -> None:
    fill(engine, 5)
    tamper(engine, "UPDATE audit_log SET actor = 'clerk-9999' WHERE seq = 4")
    result = runner.invoke(app, ["audit", "verify", "--url", url_of(engine)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "seq 4 に問題があります" in result.stderr
    assert "項目が書き換えられています" in result.stderr
    assert "broken at seq 4 (hash_mismatch)" in result.stderr


def test_rows_cut_off_the_end_are_caught_with_the_recorded_head(engine: Engine) -> None:
    fill(engine, 4)
    first = runner.invoke(app, ["audit", "verify", "--url", url_of(engine)])
    head = first.stdout.split("最新の行: ")[1].strip()
    tamper(engine, "DELETE FROM audit_log WHERE seq = 4")
    assert runner.invoke(app, ["audit", "verify", "--url", url_of(engine)]).exit_code == 0
    result = runner.invoke(app, ["audit", "verify", "--url", url_of(engine), "--anchor", head])
    assert result.exit_code == 1
    assert "(anchor_missing)" in result.stderr


def test_a_malformed_anchor_is_a_usage_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    result = runner.invoke(app, ["audit", "verify", "--url", url, "--anchor", "12:abc"])
    assert result.exit_code == 2
    assert "SEQ:HASH" in result.output


def test_a_database_without_the_table_asks_for_an_upgrade(tmp_path: Path) -> None:
    result = runner.invoke(app, ["audit", "verify", "--url", f"sqlite:///{tmp_path / 'new.db'}"])
    assert result.exit_code == 1
    assert "jichi db upgrade" in result.stderr


def test_a_large_log_shows_a_progress_bar_and_still_verifies(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit_cli, "PROGRESS_FROM", 1)
    monkeypatch.setattr("jichi.security.audit._BATCH", 2)
    fill(engine, 5)
    result = runner.invoke(app, ["audit", "verify", "--url", url_of(engine)])
    assert result.exit_code == 0, result.output
    assert "5 件を検証" in result.stdout
