"""Counting and results on both databases: four eyes, 按分, lots, snapshots, exports."""

from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from jichi.elections import election_store
from jichi.elections.apportion import AmbiguousGroup
from jichi.elections.counting import enter_tally, lot_for, record_correction, record_lot
from jichi.elections.model import Candidate, Election, ElectionType
from jichi.elections.results import (
    Observation,
    declare,
    export_csv,
    export_json,
    fold,
    observations,
    snapshot,
)
from jichi.elections.tally import Tally, TallyMismatch
from jichi.kernel.errors import JichiError

NOBEOKA = Election(
    election_id="nobeoka",
    lg_code="452033",
    kind=ElectionType.MAYOR,
    district="延岡市",
    seats=1,
    announced_on=date(2026, 10, 20),
    polling_day=date(2026, 10, 27),
    candidates=(Candidate("taro", "延岡太郎"), Candidate("jiro", "延岡二郎")),
)
T = datetime(2026, 10, 27, 12, 0, tzinfo=UTC)
TALLY = Tally(
    {"taro": 330, "jiro": 130}, {"blank": 4}, (AmbiguousGroup("延岡", 10, ("taro", "jiro")),)
)


def test_two_entries_reconcile_into_exact_apportioned_observations(engine: Engine) -> None:
    with engine.begin() as conn:
        election_store.save(conn, NOBEOKA)
        first = enter_tally(conn, NOBEOKA, "01", "staff-a", TALLY, now=T)
        assert not first.reconciled
        with pytest.raises(JichiError) as same:
            enter_tally(conn, NOBEOKA, "01", "staff-a", TALLY, now=T)
        assert same.value.code == "ELE-022"
        with pytest.raises(TallyMismatch) as mismatch:
            enter_tally(
                conn,
                NOBEOKA,
                "01",
                "staff-b",
                replace(TALLY, votes={"taro": 331, "jiro": 130}),
                now=T,
            )
        assert [d.line for d in mismatch.value.differences] == ["candidate:taro"]
        done = enter_tally(conn, NOBEOKA, "01", "staff-b", TALLY, now=T)
        assert done.reconciled
        with pytest.raises(JichiError) as third:
            enter_tally(conn, NOBEOKA, "01", "staff-c", TALLY, now=T)
        assert third.value.code == "ELE-025"
    with engine.connect() as conn:
        snap = snapshot(conn, "nobeoka", T)
    assert snap.candidate_votes() == {
        "jiro": 130 + Fraction(10 * 130, 460),
        "taro": 330 + Fraction(10 * 330, 460),
    }
    rows = json.loads(export_json(snap))["lines"]
    printed = {(r["counting_district"], r["line"]): r["votes"] for r in rows}
    assert printed[("01", "candidate:taro")] == "337.173"  # facts §3.2, Nobeoka
    assert printed[("合計", "candidate:jiro")] == "132.826"
    assert printed[("01", "invalid:blank")] == "4.000"


def test_a_tie_needs_a_recorded_lot_and_the_lot_decides(engine: Engine) -> None:
    tied = replace(NOBEOKA, election_id="tie")
    with engine.begin() as conn:
        election_store.save(conn, tied)
        for staff in ("a", "b"):
            enter_tally(conn, tied, "01", staff, Tally({"taro": 100, "jiro": 100}), now=T)
        snap = snapshot(conn, "tie", T)
        undecided = declare(tied, snap)
        assert undecided.outcome.elected == () and set(undecided.outcome.lot_candidates) == {
            "taro",
            "jiro",
        }
        with pytest.raises(JichiError) as bad:
            record_lot(conn, "tie", "seat", ["taro", "jiro"], ["taro", "jiro"], recorded_by="chief")
        assert bad.value.code == "ELE-013"
        record_lot(conn, "tie", "seat", ["taro", "jiro"], ["jiro"], recorded_by="chief")
        with pytest.raises(JichiError) as twice:
            record_lot(conn, "tie", "seat", ["taro", "jiro"], ["taro"], recorded_by="chief")
        assert twice.value.code == "ELE-028"
        lot = lot_for(conn, "tie", "seat")
    assert lot == ("jiro",)
    assert declare(tied, snap, lot=lot).outcome.elected == ("jiro",)


def test_thresholds_and_deposits_from_the_snapshot(engine: Engine) -> None:
    three = replace(
        NOBEOKA,
        election_id="three",
        candidates=(*NOBEOKA.candidates, Candidate("x", "X")),
    )
    with engine.begin() as conn:
        election_store.save(conn, three)
        for staff in ("a", "b"):
            enter_tally(conn, three, "01", staff, Tally({"taro": 500, "jiro": 410, "x": 90}), now=T)
        decl = declare(three, snapshot(conn, "three", T))
    assert decl.outcome.elected == ("taro",)  # 500 ≥ 1000/4
    assert decl.forfeited == ("x",)  # 90 < 1000/10
    assert decl.deposit_line == 100


def test_snapshots_see_corrections_only_from_their_time(engine: Engine) -> None:
    with engine.begin() as conn:
        election_store.save(conn, replace(NOBEOKA, election_id="corr"))
        record_correction(conn, "corr", "01", {"candidate:taro": Fraction(10)}, at=T)
        record_correction(
            conn, "corr", "01", {"candidate:taro": Fraction(12)}, at=T + timedelta(hours=1)
        )
        before = snapshot(conn, "corr", T + timedelta(minutes=59))
        after = snapshot(conn, "corr", T + timedelta(hours=2))
        history = observations(conn, "corr")
    assert before.totals() == {"candidate:taro": 10}
    assert after.totals() == {"candidate:taro": 12}
    assert [o.votes for o in history] == [10, 12]  # nothing overwritten


def test_csv_exports_in_utf8_and_cp932_and_refuse_what_cp932_lacks(engine: Engine) -> None:
    with engine.begin() as conn:
        election_store.save(conn, replace(NOBEOKA, election_id="csv"))
        record_correction(conn, "csv", "01", {"candidate:taro": Fraction(7, 3)}, at=T)
        snap = snapshot(conn, "csv", T)
    labels = {"candidate:taro": "延岡太郎"}
    for encoding in ("utf-8", "cp932"):
        text = export_csv(snap, labels, encoding=encoding).decode(encoding)
        rows = list(csv.DictReader(io.StringIO(text)))
        assert rows[0]["label"] == "延岡太郎" and rows[0]["votes"] == "2.333"
        assert rows[0]["votes_exact"] == "7/3"
    with pytest.raises(JichiError) as caught:
        export_csv(snap, {"candidate:taro": "𠮷野"}, encoding="cp932")
    assert caught.value.code == "ELE-026"
    assert "𠮷野" in export_csv(snap, {"candidate:taro": "𠮷野"}).decode("utf-8")


moments = st.integers(0, 6).map(lambda h: T + timedelta(hours=h))
observation_lists = st.lists(
    st.tuples(
        st.sampled_from(["01", "02"]),
        st.sampled_from(["candidate:a", "candidate:b", "invalid:blank"]),
        st.fractions(min_value=0, max_value=10_000, max_denominator=50),
        moments,
    ),
    max_size=25,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(observation_lists, moments)
def test_a_snapshot_as_of_t_equals_folding_the_observations_up_to_t(
    engine: Engine, items: list[tuple[str, str, Fraction, datetime]], as_of: datetime
) -> None:
    eid = uuid.uuid4().hex
    with engine.begin() as conn:
        election_store.save(conn, replace(NOBEOKA, election_id=eid))
        for district, line, votes, at in items:
            record_correction(conn, eid, district, {line: votes}, at=at)
    with engine.connect() as conn:
        snap = snapshot(conn, eid, as_of)
        stored = observations(conn, eid)
    plain = [Observation(d, line, v, at, i) for i, (d, line, v, at) in enumerate(items)]
    assert snap.lines == fold(plain, as_of) == fold(stored, as_of)


def test_an_observation_cannot_be_rewritten(engine: Engine) -> None:
    import sqlalchemy as sa
    from sqlalchemy.exc import DBAPIError

    from jichi.elections.tables import count_observation

    with engine.begin() as conn:
        election_store.save(conn, replace(NOBEOKA, election_id="ro"))
        record_correction(conn, "ro", "01", {"candidate:taro": Fraction(10)}, at=T)
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(sa.update(count_observation).values(votes="11"))
    with engine.connect() as conn:
        assert [o.votes for o in observations(conn, "ro")] == [10]
