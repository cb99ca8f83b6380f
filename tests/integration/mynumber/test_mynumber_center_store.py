"""The center's numbers on both databases: unique, stable, never reissued, never logged."""

from __future__ import annotations

import logging
from datetime import date

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.kernel.identifiers import IdKind, validate
from jichi.mynumber import events as ev
from jichi.mynumber.center_store import NumberCenter
from jichi.mynumber.numbers import NumberKey, candidate
from jichi.mynumber.outbox import events_of
from jichi.mynumber.tables import individual_number_issued
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys

CIPHER = FieldCipher(Keys.derive(b"s" * 32))
KEY = NumberKey(b"n" * 32)
CODES = ["12345678901", "23456789012", "34567890123"]


def center(engine: Engine) -> NumberCenter:
    return NumberCenter(engine, key=KEY, cipher=CIPHER)


def test_issue_gives_valid_numbers_and_the_same_number_again(engine: Engine) -> None:
    c = center(engine)
    first = c.issue(CODES, by="system:test")
    assert [i.resident_code for i in first] == CODES and all(i.new for i in first)
    for item in first:
        assert validate(IdKind.INDIVIDUAL_NUMBER, item.individual_number).value
        assert item.individual_number == candidate(KEY, item.resident_code, 0)
    again = c.issue([CODES[1], "45678901234"], by="system:test")
    assert again[0].individual_number == first[1].individual_number and not again[0].new
    assert again[1].new
    assert c.number_of(CODES[2]) == first[2].individual_number


def test_numbers_are_stored_encrypted_and_codes_only_as_blind_indexes(engine: Engine) -> None:
    c = center(engine)
    issued = c.issue(CODES, by="system:test")
    with engine.connect() as conn:
        dump = " ".join(
            str(tuple(row)) for row in conn.execute(sa.select(individual_number_issued))
        )
    for item in issued:
        assert item.individual_number not in dump and item.resident_code not in dump
    assert repr(issued[0]) == "Issued(new=True)"


def test_a_collision_takes_the_next_candidate(engine: Engine) -> None:
    c = center(engine)
    # Occupy code B's first candidate as if another code had been given it.
    taken = candidate(KEY, "99999999999", 0)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(individual_number_issued).values(
                number_hash=c.number_hash(taken),
                number_enc=CIPHER.encrypt(taken, context="individual_number"),
                code_hash=c.code_hash("00000000000"),
                counter=0,
                status="superseded",
                issued_at=sa.func.now(),
                issued_by="test",
            )
        )
    (item,) = c.issue(["99999999999"], by="system:test")
    assert item.individual_number == candidate(KEY, "99999999999", 1)


def test_change_supersedes_keeps_history_never_reissues_and_emits(engine: Engine) -> None:
    c = center(engine)
    (old,) = c.issue([CODES[0]], by="system:test")
    new = c.change(
        CODES[0], origin="request", reason="漏えい", by="system:test", on=date(2026, 5, 1)
    )
    assert new != old.individual_number and c.number_of(CODES[0]) == new
    assert c.ever_issued(old.individual_number) and c.ever_issued(new)
    newer = c.change(
        CODES[0], origin="ex_officio", reason="再度の漏えい", by="x", on=date(2026, 6, 1)
    )
    assert newer not in (new, old.individual_number)
    history = c.changes_of(CODES[0])
    assert [h.origin.value for h in history] == ["request", "ex_officio"]
    assert history[0].new_hash == history[1].old_hash
    # issuing again gives the current number, never an old one
    assert c.issue([CODES[0]], by="x")[0].individual_number == newer
    with engine.connect() as conn:
        changed = [e for e in events_of(conn, None) if e.topic == ev.NUMBER_CHANGED]
        statuses = list(conn.execute(sa.select(individual_number_issued.c.status)).scalars())
    assert len(changed) == 2 and sorted(statuses) == ["active", "superseded", "superseded"]
    assert changed[0].payload["origin"] == "request"
    sealed = changed[1].payload["new_number_enc"]
    assert CIPHER.decrypt(sealed, context="individual_number") == newer
    assert newer not in str(changed[1].payload)


def test_change_refusals(engine: Engine) -> None:
    c = center(engine)
    c.issue([CODES[0]], by="x")
    for kwargs, code in (
        ({"origin": "whim", "reason": "x"}, "MYN-005"),
        ({"origin": "request", "reason": "  "}, "MYN-006"),
    ):
        with pytest.raises(JichiError) as caught:
            c.change(CODES[0], by="x", on=date(2026, 1, 1), **kwargs)
        assert caught.value.code == code
    with pytest.raises(JichiError) as caught:
        c.change(CODES[1], origin="request", reason="x", by="x", on=date(2026, 1, 1))
    assert caught.value.code == "MYN-004"


def test_no_number_reaches_the_logs(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    c = center(engine)
    issued = c.issue(CODES, by="x")
    new = c.change(CODES[0], origin="request", reason="漏えい", by="x", on=date(2026, 1, 1))
    numbers = [i.individual_number for i in issued] + [new]
    for record in caplog.records:
        text = record.getMessage() + str(record.args)
        assert not any(n in text for n in numbers)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(codes=st.lists(st.text("0123456789", min_size=11, max_size=11), min_size=1, max_size=40))
def test_random_codes_get_unique_numbers(engine: Engine, codes: list[str]) -> None:
    c = center(engine)
    issued = c.issue(codes, by="x")
    by_code = {i.resident_code: i.individual_number for i in issued}
    assert len(set(by_code.values())) == len(by_code)  # different codes, different numbers
    with engine.connect() as conn:
        active = conn.execute(
            sa.select(sa.func.count()).select_from(individual_number_issued)
        ).scalar_one()
        hashes = list(conn.execute(sa.select(individual_number_issued.c.number_hash)).scalars())
    assert len(hashes) == len(set(hashes)) == active
    assert {c.number_of(code) for code in by_code} == set(by_code.values())
