"""An insider with database access but not the key tries to rewrite the audit log.

Every tamper here is what such a person can do with raw SQL: drop the append-only
triggers, UPDATE / INSERT / DELETE rows, and then recompute every SHA-256 hash
downstream with the published algorithm, so the plain chain verifies again (it did on
main).  The MAC, which needs the key, and the anchors, which live outside the database,
are what must catch it — with the right reason and seq, on both databases.
"""

from __future__ import annotations

import base64
import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text
from typer.testing import CliRunner

from jichi.cli.main import app
from jichi.kernel.errors import JichiError
from jichi.security import anchors
from jichi.security.audit import (
    GENESIS_HASH,
    AuditEntry,
    VerifyFailure,
    VerifyResult,
    append,
    entry_hash,
    verify,
)
from jichi.security.keys import Keys

SECRET = b"t" * 32
KEY = Keys.derive(SECRET).audit_key
START = datetime(2026, 4, 1, 9, 0, 0, 250000, tzinfo=UTC)
HANAKO = "0b7c6f1e-2c3d-4e5f-8a9b-0c1d2e3f4a5b"
COLUMNS = "lg_code, at, actor, actor_role, action, subject_person_id, purpose, detail"


def entry(n: int) -> AuditEntry:
    return AuditEntry(
        lg_code="112011",
        at=START + timedelta(minutes=n),
        actor=f"clerk-{n % 3:04d}",
        actor_role="clerk",
        action="resident.read",
        subject_person_id=HANAKO,
        purpose="転入届の受付",
        detail={"n": n},
    )


def fill(engine: Engine, count: int, *, start: int = 1) -> None:
    with engine.begin() as connection:
        for n in range(start, start + count):
            append(connection, entry(n), KEY)


def drop_triggers(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("DROP TRIGGER audit_log_no_update_or_delete ON audit_log"))
        connection.execute(text("DROP TRIGGER audit_log_no_truncate ON audit_log"))
    else:
        connection.execute(text("DROP TRIGGER audit_log_no_update"))
        connection.execute(text("DROP TRIGGER audit_log_no_delete"))


def rechain(connection: Connection) -> None:
    """Recompute every prev_hash and SHA-256 hash in seq order, as an insider can."""
    rows = connection.execute(text(f"SELECT seq, {COLUMNS} FROM audit_log ORDER BY seq")).all()
    for row in rows:  # out of UNIQUE(prev_hash)'s way first
        connection.execute(
            text("UPDATE audit_log SET prev_hash = :p WHERE seq = :s"),
            {"p": f"{row.seq:064d}", "s": row.seq},
        )
    prev = GENESIS_HASH
    for row in rows:
        at = row.at if isinstance(row.at, datetime) else datetime.fromisoformat(row.at)
        forged = AuditEntry(
            lg_code=row.lg_code,
            at=at if at.tzinfo else at.replace(tzinfo=UTC),
            actor=row.actor,
            actor_role=row.actor_role,
            action=row.action,
            subject_person_id=row.subject_person_id,
            purpose=row.purpose,
            detail=json.loads(row.detail),
        )
        digest = entry_hash(prev, forged)
        connection.execute(
            text("UPDATE audit_log SET prev_hash = :p, hash = :h WHERE seq = :s"),
            {"p": prev, "h": digest, "s": row.seq},
        )
        prev = digest


def insider(engine: Engine, *statements: str) -> None:
    with engine.begin() as connection:
        drop_triggers(connection)
        for statement in statements:
            connection.execute(text(statement))
        rechain(connection)


def shift(after: int, by: int) -> list[str]:
    """Renumber the rows after ``after`` by ``by`` (in two steps: seq is the key)."""
    return [
        f"UPDATE audit_log SET seq = -seq WHERE seq > {after}",
        f"UPDATE audit_log SET seq = -seq + ({by}) WHERE seq < 0",
    ]


def check(engine: Engine, anchor_file: Path | None = None) -> VerifyResult:
    recorded = anchors.read_anchors(anchor_file, KEY) if anchor_file else []
    with engine.connect() as connection:
        return verify(connection, KEY, anchors=[(a.seq, a.hash) for a in recorded])


def failure(result: VerifyResult) -> tuple[int | None, VerifyFailure | None]:
    assert not result.ok
    return result.first_bad_seq, result.reason


def chain_alone_verifies(engine: Engine) -> bool:
    """What `jichi audit verify` saw on main: the SHA chain recomputed is consistent."""
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT seq, prev_hash, hash FROM audit_log ORDER BY seq"))
        prev = GENESIS_HASH
        for n, row in enumerate(rows, start=1):
            if row.seq != n or row.prev_hash != prev:
                return False
            prev = row.hash
    return True


def test_an_intact_log_verifies_with_every_row_authenticated(engine: Engine) -> None:
    fill(engine, 10)
    result = check(engine)
    assert result.ok and result.checked == 10 and result.legacy == 0


def test_an_edited_row_with_the_chain_recomputed_fails_its_mac(engine: Engine) -> None:
    fill(engine, 20)
    insider(engine, "UPDATE audit_log SET actor = 'clerk-9999' WHERE seq = 7")
    assert chain_alone_verifies(engine)
    assert failure(check(engine)) == (7, VerifyFailure.MAC_MISMATCH)


def test_an_inserted_row_with_the_chain_recomputed_is_caught(engine: Engine) -> None:
    fill(engine, 12)
    insert = (
        f"INSERT INTO audit_log (seq, {COLUMNS}, prev_hash, hash, mac) "
        f"SELECT 6, {COLUMNS}, '{'3' * 64}', '{'1' * 64}', mac FROM audit_log WHERE seq = 5"
    )
    insider(engine, *shift(5, 1), insert)
    assert chain_alone_verifies(engine)
    assert failure(check(engine)) == (6, VerifyFailure.MAC_MISMATCH)


def test_an_inserted_row_without_a_mac_after_authenticated_rows_is_caught(engine: Engine) -> None:
    fill(engine, 8)
    insert = (
        f"INSERT INTO audit_log (seq, {COLUMNS}, prev_hash, hash, mac) "
        f"SELECT 9, {COLUMNS}, '{'4' * 64}', '{'2' * 64}', NULL FROM audit_log WHERE seq = 8"
    )
    insider(engine, insert)
    assert chain_alone_verifies(engine)
    assert failure(check(engine)) == (9, VerifyFailure.MAC_MISSING)


def test_a_deleted_middle_row_with_renumbering_and_the_chain_recomputed_is_caught(
    engine: Engine,
) -> None:
    fill(engine, 15)
    insider(engine, "DELETE FROM audit_log WHERE seq = 4", *shift(4, -1))
    assert chain_alone_verifies(engine)
    assert failure(check(engine)) == (4, VerifyFailure.MAC_MISMATCH)


def test_two_rows_reordered_with_the_chain_recomputed_are_caught(engine: Engine) -> None:
    fill(engine, 10)
    insider(
        engine,
        "UPDATE audit_log SET seq = -1 WHERE seq = 5",
        "UPDATE audit_log SET seq = 5 WHERE seq = 6",
        "UPDATE audit_log SET seq = 6 WHERE seq = -1",
    )
    assert chain_alone_verifies(engine)
    assert failure(check(engine)) == (5, VerifyFailure.MAC_MISMATCH)


def test_macs_removed_and_history_rewritten_before_an_anchor_are_caught(
    engine: Engine, tmp_path: Path
) -> None:
    """Without anchors a log stripped of MACs would pass as legacy; the anchor sees it."""
    fill(engine, 10)
    anchor_file = tmp_path / "anchors.jsonl"
    anchors.write_anchor(engine, KEY, anchor_file)
    insider(
        engine,
        "UPDATE audit_log SET mac = NULL",
        "UPDATE audit_log SET purpose = 'なし' WHERE seq = 3",
    )
    assert check(engine).ok and check(engine).legacy == 10  # the chain alone is fooled
    assert failure(check(engine, anchor_file)) == (10, VerifyFailure.ANCHOR_MISMATCH)


def test_rows_cut_off_the_tail_are_caught_by_the_anchor_file(
    engine: Engine, tmp_path: Path
) -> None:
    anchor_file = tmp_path / "anchors.jsonl"
    anchors.write_anchor(engine, KEY, anchor_file)  # the empty log: seq 0
    fill(engine, 5)
    anchors.write_anchor(engine, KEY, anchor_file)
    fill(engine, 5, start=6)
    anchors.write_anchor(engine, KEY, anchor_file)
    assert [a.seq for a in anchors.read_anchors(anchor_file, KEY)] == [0, 5, 10]
    assert check(engine, anchor_file).ok
    insider(engine, "DELETE FROM audit_log WHERE seq > 7")
    assert check(engine).ok  # a shorter log is still a valid chain
    assert failure(check(engine, anchor_file)) == (10, VerifyFailure.ANCHOR_MISSING)


def test_a_rewritten_tail_after_an_anchor_is_caught(engine: Engine, tmp_path: Path) -> None:
    fill(engine, 6)
    anchor_file = tmp_path / "anchors.jsonl"
    anchors.write_anchor(engine, KEY, anchor_file)
    fill(engine, 4, start=7)
    insider(engine, "UPDATE audit_log SET actor = 'clerk-9999' WHERE seq = 9")
    assert failure(check(engine, anchor_file)) == (9, VerifyFailure.MAC_MISMATCH)


@pytest.mark.parametrize("stored", ['{"n":3,"n":4}', '{"n": 3}', '{"n":3} '])
def test_a_detail_that_is_not_its_canonical_text_is_caught(engine: Engine, stored: str) -> None:
    """A duplicated key would show one value to a reader and verify another."""
    fill(engine, 5)
    with engine.begin() as connection:
        drop_triggers(connection)
        connection.execute(text("UPDATE audit_log SET detail = :d WHERE seq = 3"), {"d": stored})
    assert failure(check(engine)) == (3, VerifyFailure.DETAIL_NOT_CANONICAL)


def test_a_forged_anchor_line_is_refused(engine: Engine, tmp_path: Path) -> None:
    fill(engine, 3)
    anchor_file = tmp_path / "anchors.jsonl"
    anchors.write_anchor(engine, KEY, anchor_file)
    line = json.loads(anchor_file.read_text())
    line["seq"] = 2
    anchor_file.write_text(anchor_file.read_text() + json.dumps(line) + "\n")
    with pytest.raises(JichiError) as raised:
        anchors.read_anchors(anchor_file, KEY)
    assert raised.value.code == "SEC-021" and "2 行目" in raised.value.message_ja


def test_an_anchor_of_a_forged_head_is_refused(engine: Engine, tmp_path: Path) -> None:
    fill(engine, 4)
    insider(engine, "UPDATE audit_log SET actor = 'clerk-9999' WHERE seq = 4")
    with pytest.raises(JichiError) as raised:
        anchors.write_anchor(engine, KEY, tmp_path / "anchors.jsonl")
    assert raised.value.code == "SEC-022"
    assert not (tmp_path / "anchors.jsonl").exists()


def test_legacy_rows_before_the_first_mac_are_reported_not_failed(engine: Engine) -> None:
    fill(engine, 6)
    with engine.begin() as connection:
        drop_triggers(connection)
        connection.execute(text("UPDATE audit_log SET mac = NULL WHERE seq <= 3"))
    result = check(engine)
    assert result.ok and result.legacy == 3
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_log SET mac = NULL WHERE seq = 5"))
    assert failure(check(engine)) == (5, VerifyFailure.MAC_MISSING)


def test_the_cli_exits_one_in_japanese_for_a_recomputed_chain(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JICHI_SECRET_KEY", base64.urlsafe_b64encode(SECRET).decode("ascii"))
    url = engine.url.render_as_string(hide_password=False)
    fill(engine, 8)
    anchor_file = tmp_path / "anchors.jsonl"
    runner = CliRunner()
    written = runner.invoke(app, ["audit", "anchor", "--url", url, "--to", str(anchor_file)])
    assert written.exit_code == 0, written.output
    assert "アンカーを記録しました: 8:" in written.stdout
    ok = runner.invoke(app, ["audit", "verify", "--url", url, "--anchors", str(anchor_file)])
    assert ok.exit_code == 0, ok.output
    insider(engine, "UPDATE audit_log SET action = 'resident.search' WHERE seq = 2")
    result = runner.invoke(app, ["audit", "verify", "--url", url, "--anchors", str(anchor_file)])
    assert result.exit_code == 1
    assert "監査ログの seq 2 に問題があります: 行の認証符号が一致しません" in result.stderr
    assert "(mac_mismatch)" in result.stderr


def test_the_server_schedule_writes_anchors_and_a_last_one_when_it_stops(
    engine: Engine, tmp_path: Path
) -> None:
    """What `jichi serve` runs when JICHI_AUDIT_ANCHOR_FILE is set (interval shortened)."""
    anchor_file = tmp_path / "anchors.jsonl"
    environ = {anchors.ENV_FILE: str(anchor_file), anchors.ENV_INTERVAL: "0.05"}
    assert anchors.AnchorSchedule.from_environment(engine, KEY, {}) is None
    schedule = anchors.AnchorSchedule.from_environment(engine, KEY, environ)
    assert schedule is not None and schedule.interval == 0.05
    fill(engine, 3)
    schedule.start()
    deadline = datetime.now(UTC) + timedelta(seconds=10)
    while not anchor_file.exists() and datetime.now(UTC) < deadline:
        threading.Event().wait(0.02)
    fill(engine, 2, start=4)
    schedule.stop()
    written = anchors.read_anchors(anchor_file, KEY)
    assert written[0].seq >= 3 and written[-1].seq == 5  # the last one is the head at stop
    assert not schedule._thread.is_alive()
    assert check(engine, anchor_file).ok


def test_the_cli_reports_legacy_rows_and_strict_refuses_them(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JICHI_SECRET_KEY", base64.urlsafe_b64encode(SECRET).decode("ascii"))
    url = engine.url.render_as_string(hide_password=False)
    fill(engine, 4)
    with engine.begin() as connection:
        drop_triggers(connection)
        connection.execute(text("UPDATE audit_log SET mac = NULL WHERE seq <= 2"))
    runner = CliRunner()
    lenient = runner.invoke(app, ["audit", "verify", "--url", url])
    assert lenient.exit_code == 0, lenient.output
    assert "先頭の 2 件は認証符号のない旧形式の行です" in lenient.stderr
    strict = runner.invoke(app, ["audit", "verify", "--url", url, "--strict"])
    assert strict.exit_code == 1 and "--strict" in strict.stderr
