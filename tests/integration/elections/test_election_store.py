"""Elections persisted on both databases: round trip, refusal of a second save."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from jichi.elections import election_store
from jichi.elections.errors import ElectionInvalid
from jichi.elections.model import Candidate, Election, ElectionType
from jichi.kernel.errors import JichiError

HOC_PR = Election(
    election_id="hoc-2028",
    lg_code="000000",
    kind=ElectionType.HOC_PR,
    district="全国",
    seats=50,
    announced_on=date(2028, 7, 1),
    polling_day=date(2028, 7, 18),
    parties=("Q", "R"),
    candidates=(
        Candidate("q0", "特定枠候補", "Q", priority_order=1),
        Candidate("q1", "Q1", "Q"),
        Candidate("r1", "R1", "R"),
    ),
)


def test_an_election_round_trips_and_is_not_saved_twice(engine: Engine) -> None:
    with engine.begin() as conn:
        election_store.save(conn, HOC_PR)
    with engine.connect() as conn:
        assert election_store.load(conn, "hoc-2028") == HOC_PR
    with engine.begin() as conn, pytest.raises(JichiError) as twice:
        election_store.save(conn, HOC_PR)
    assert twice.value.code == "ELE-028"
    with engine.connect() as conn, pytest.raises(JichiError) as missing:
        election_store.load(conn, "nope")
    assert missing.value.code == "ELE-018" and missing.value.http_status == 404


def test_an_invalid_election_is_not_stored(engine: Engine) -> None:
    bad = Election("bad", "1", ElectionType.GOVERNOR, "", 3, date(2028, 1, 2), date(2028, 1, 1))
    with engine.begin() as conn, pytest.raises(ElectionInvalid) as caught:
        election_store.save(conn, bad)
    assert len(caught.value.errors) == 4
    with engine.connect() as conn, pytest.raises(JichiError):
        election_store.load(conn, "bad")
