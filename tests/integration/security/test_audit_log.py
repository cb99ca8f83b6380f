"""The audit log on real databases (SQLite and PostgreSQL): chain, triggers, locking."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from jichi.kernel.errors import JichiError
from jichi.security.audit import (
    GENESIS_HASH,
    AuditEntry,
    VerifyFailure,
    append,
    entries_for_person,
    verify,
)
from jichi.security.keys import Keys
from jichi.security.tables import audit_log

KEY = Keys.derive(b"a" * 32).audit_key

KAWAGOE = "112011"
CHIYODA = "131016"
HANAKO = "0b7c6f1e-2c3d-4e5f-8a9b-0c1d2e3f4a5b"
TARO = "5d1e7a40-9f3b-4c2a-b6e1-7a8b9c0d1e2f"
START = datetime(2026, 4, 1, 9, 0, 0, 250000, tzinfo=UTC)


def entry(n: int, *, person: str | None = HANAKO, lg_code: str = KAWAGOE) -> AuditEntry:
    return AuditEntry(
        lg_code=lg_code,
        at=START + timedelta(minutes=n),
        actor=f"clerk-{n % 3:04d}",
        actor_role="counter_clerk",
        action="resident.read",
        subject_person_id=person,
        purpose="転入届の受付",
        detail={"n": n, "items": ["basic_four"], "note": "窓口で閲覧"},
    )


def append_many(engine: Engine, count: int, *, start: int = 1) -> None:
    with engine.begin() as connection:
        for n in range(start, start + count):
            append(connection, entry(n), KEY)


def check(engine: Engine) -> tuple[bool, int, int | None, VerifyFailure | None]:
    with engine.connect() as connection:
        result = verify(connection, KEY)
    return result.ok, result.checked, result.first_bad_seq, result.reason


def bypass_triggers(connection: Connection) -> None:
    """What someone with raw database access can do: remove the append-only guard."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
    else:
        connection.execute(text("DROP TRIGGER audit_log_no_update"))
        connection.execute(text("DROP TRIGGER audit_log_no_delete"))


def tamper(engine: Engine, *statements: str) -> None:
    with engine.begin() as connection:
        bypass_triggers(connection)
        for statement in statements:
            connection.exec_driver_sql(statement)


def test_fifty_appended_entries_form_one_chain_that_verifies(engine: Engine) -> None:
    with engine.begin() as connection:
        seqs = [append(connection, entry(n), KEY) for n in range(1, 51)]
    assert seqs == list(range(1, 51))
    with engine.connect() as connection:
        result = verify(connection, KEY)
        first, last = connection.execute(
            select(audit_log.c.prev_hash, audit_log.c.hash).where(audit_log.c.seq.in_([1, 50]))
        ).all()
    assert (result.ok, result.checked, result.first_bad_seq, result.reason) == (
        True,
        50,
        None,
        None,
    )
    assert first.prev_hash == GENESIS_HASH
    assert (result.last_seq, result.last_hash) == (50, last.hash)


def test_an_empty_log_verifies(engine: Engine) -> None:
    with engine.connect() as connection:
        result = verify(connection, KEY)
    assert (result.ok, result.checked, result.last_seq, result.last_hash) == (True, 0, None, None)


def test_a_stored_entry_reads_back_exactly_as_written(engine: Engine) -> None:
    written = entry(7)
    with engine.begin() as connection:
        append(connection, written, KEY)
    with engine.connect() as connection:
        [record] = entries_for_person(connection, HANAKO)
    assert record.seq == 1 and record.prev_hash == GENESIS_HASH
    assert record.entry == written
    assert record.entry.at == START + timedelta(minutes=7)


def test_an_edited_detail_is_caught_at_its_seq(engine: Engine) -> None:
    append_many(engine, 50)
    tamper(engine, """UPDATE audit_log SET detail = '{"n":17}' WHERE seq = 17""")
    assert check(engine) == (False, 17, 17, VerifyFailure.HASH_MISMATCH)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET actor = 'clerk-9999' WHERE seq = 30",
        "UPDATE audit_log SET purpose = NULL WHERE seq = 30",
        "UPDATE audit_log SET subject_person_id = NULL WHERE seq = 30",
        "UPDATE audit_log SET lg_code = '131016' WHERE seq = 30",
        "UPDATE audit_log SET at = (SELECT at FROM audit_log WHERE seq = 29) WHERE seq = 30",
    ],
)
def test_any_edited_field_is_caught(engine: Engine, statement: str) -> None:
    append_many(engine, 40)
    tamper(engine, statement)
    assert check(engine)[2:] == (30, VerifyFailure.HASH_MISMATCH)


def test_a_detail_that_is_no_longer_json_is_caught(engine: Engine) -> None:
    append_many(engine, 40)
    tamper(engine, "UPDATE audit_log SET detail = 'not json' WHERE seq = 30")
    assert check(engine)[2:] == (30, VerifyFailure.DETAIL_NOT_CANONICAL)


def test_an_edited_row_with_a_recomputed_hash_breaks_the_next_link(engine: Engine) -> None:
    append_many(engine, 10)
    tamper(engine, f"UPDATE audit_log SET hash = '{'e' * 64}' WHERE seq = 4")
    assert check(engine)[2:] == (4, VerifyFailure.HASH_MISMATCH)


def test_a_deleted_middle_row_is_caught(engine: Engine) -> None:
    append_many(engine, 50)
    tamper(engine, "DELETE FROM audit_log WHERE seq = 25")
    assert check(engine) == (False, 25, 26, VerifyFailure.SEQ_GAP)


def test_a_deleted_and_renumbered_row_is_caught_by_the_link(engine: Engine) -> None:
    append_many(engine, 10)
    tamper(
        engine,
        "DELETE FROM audit_log WHERE seq = 5",
        "UPDATE audit_log SET seq = seq - 1 WHERE seq > 5",
    )
    assert check(engine)[2:] == (5, VerifyFailure.PREV_HASH_MISMATCH)


def test_the_first_row_deleted_is_caught(engine: Engine) -> None:
    append_many(engine, 5)
    tamper(engine, "DELETE FROM audit_log WHERE seq = 1")
    assert check(engine)[2:] == (2, VerifyFailure.SEQ_GAP)


def test_two_rows_swapped_are_caught(engine: Engine) -> None:
    append_many(engine, 12)
    tamper(
        engine,
        "UPDATE audit_log SET seq = -1 WHERE seq = 6",
        "UPDATE audit_log SET seq = 6 WHERE seq = 7",
        "UPDATE audit_log SET seq = 7 WHERE seq = -1",
    )
    assert check(engine)[2:] == (6, VerifyFailure.PREV_HASH_MISMATCH)


def test_rows_cut_off_the_end_are_caught_only_with_an_anchor(engine: Engine) -> None:
    append_many(engine, 20)
    with engine.connect() as connection:
        head = verify(connection, KEY)
    assert head.last_seq == 20 and head.last_hash is not None
    tamper(engine, "DELETE FROM audit_log WHERE seq > 18")
    with engine.connect() as connection:
        assert verify(connection, KEY).ok  # a chain alone cannot see a shorter tail
        result = verify(connection, KEY, anchor=(20, head.last_hash))
    assert (result.ok, result.first_bad_seq, result.reason) == (
        False,
        20,
        VerifyFailure.ANCHOR_MISSING,
    )
    assert result.last_seq == 18


def test_a_log_rewritten_from_an_anchor_onwards_is_caught(engine: Engine) -> None:
    append_many(engine, 5)
    with engine.connect() as connection:
        head = verify(connection, KEY)
    assert head.last_hash is not None
    tamper(engine, "DELETE FROM audit_log WHERE seq >= 3")
    append_many(engine, 3, start=100)  # a forger appends new rows through the code
    with engine.connect() as connection:
        assert verify(connection, KEY, anchor=(5, head.last_hash)).reason is (
            VerifyFailure.ANCHOR_MISMATCH
        )
        assert verify(connection, KEY, anchor=(2, "0" * 64)).first_bad_seq == 2
        assert verify(connection, KEY, anchor=(5, verify(connection, KEY).last_hash or "")).ok


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET detail = '{}' WHERE seq = 2", "DELETE FROM audit_log WHERE seq = 2"],
)
def test_update_and_delete_through_sql_are_refused_by_the_trigger(
    engine: Engine, statement: str
) -> None:
    append_many(engine, 3)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text(statement))
    assert check(engine) == (True, 3, None, None)


def test_emptying_the_table_is_refused(engine: Engine) -> None:
    # PostgreSQL's TRUNCATE skips row triggers (a statement trigger catches it); SQLite's
    # equivalent, DELETE without WHERE, is not optimised into a truncate when triggers exist.
    statement = (
        "TRUNCATE audit_log" if engine.dialect.name == "postgresql" else "DELETE FROM audit_log"
    )
    append_many(engine, 2)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text(statement))
    assert check(engine)[:2] == (True, 2)


def test_a_second_row_after_the_same_predecessor_is_refused(engine: Engine) -> None:
    append_many(engine, 2)
    with engine.connect() as connection:
        row = connection.execute(select(audit_log).where(audit_log.c.seq == 2)).one()
    forked = {**row._asdict(), "seq": 3, "hash": "f" * 64}
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(audit_log.insert().values(forked))


def test_an_append_in_a_transaction_that_rolls_back_leaves_nothing(engine: Engine) -> None:
    with engine.connect() as connection:
        append(connection, entry(1), KEY)
        append(connection, entry(2), KEY)
        connection.rollback()
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(audit_log)).scalar() == 0
    with engine.begin() as connection:
        assert append(connection, entry(3), KEY) == 1  # seq stays dense after a rollback


def test_an_append_never_commits_by_itself(engine: Engine) -> None:
    with engine.connect() as writer:
        append(writer, entry(1), KEY)
        with engine.connect() as reader:
            assert reader.execute(select(func.count()).select_from(audit_log)).scalar() == 0
        writer.commit()
    assert check(engine)[:2] == (True, 1)


def test_an_individual_number_in_detail_is_refused_and_nothing_is_written(
    engine: Engine,
) -> None:
    bad = AuditEntry(
        lg_code=KAWAGOE,
        actor="clerk-0001",
        actor_role="counter_clerk",
        action="resident.search",
        detail={"query": "123456789018"},
    )
    with pytest.raises(JichiError, match="SEC-002"), engine.begin() as connection:
        append(connection, bad, KEY)
    assert check(engine)[:2] == (True, 0)


def test_concurrent_appenders_keep_one_unbroken_chain(engine: Engine) -> None:
    threads, per_thread = 4, 25
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def work(worker: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                with engine.begin() as connection:
                    append(connection, entry(worker * 1000 + i), KEY)
        except BaseException as error:  # reported below, on the main thread
            errors.append(error)

    workers = [threading.Thread(target=work, args=(w,)) for w in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert errors == []
    assert check(engine) == (True, threads * per_thread, None, None)


def test_a_residents_view_lists_only_their_entries_newest_first(engine: Engine) -> None:
    with engine.begin() as connection:
        append(connection, entry(1, person=HANAKO), KEY)
        append(connection, entry(2, person=TARO), KEY)
        append(connection, entry(3, person=HANAKO, lg_code=CHIYODA), KEY)
        append(connection, entry(4, person=None), KEY)
        append(connection, entry(5, person=HANAKO), KEY)
    with engine.connect() as connection:
        everywhere = entries_for_person(connection, HANAKO)
        in_kawagoe = entries_for_person(connection, HANAKO, KAWAGOE)
        latest = entries_for_person(connection, HANAKO, limit=1)
        nobody = entries_for_person(connection, "00000000-0000-0000-0000-000000000000")
    assert [r.seq for r in everywhere] == [5, 3, 1]
    assert [r.entry.detail["n"] for r in everywhere] == [5, 3, 1]
    assert [r.seq for r in in_kawagoe] == [5, 1]
    assert [r.seq for r in latest] == [5]
    assert nobody == []
