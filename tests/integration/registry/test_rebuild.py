"""``jichi registry rebuild`` and ``check`` on both databases: the live tables agree with
the log, and each kind of damage done behind the service is found and named by person.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from typer.testing import CliRunner

from jichi.cli.main import app
from jichi.registry import invariants, rebuild, rebuild_workers
from jichi.registry import repository as repo
from jichi.registry.events import NotificationKind
from jichi.registry.invariants import Invariant
from jichi.registry.rebuild import MismatchKind
from jichi.registry.service import Registry
from jichi.registry.tables import household, resident
from jichi.security.crypto import FieldCipher
from jichi.security.keys import load_keys
from jichi.security.tables import audit_log
from jichi.store.engine import write_transaction
from tests.integration.registry.conftest import CLERK, LG, NOW, TODAY, address, person
from tests.integration.security.test_audit_tamper import drop_triggers

runner = CliRunner()


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def keyed(engine: Engine) -> Registry:
    """A registry keyed like the CLI (JICHI_SECRET_KEY), so the audit chain verifies."""
    return Registry(engine, LG, FieldCipher(load_keys(url_of(engine))), clock=lambda: NOW)


@pytest.fixture
def town(keyed: Registry) -> dict[str, str]:
    """Two households, a relocation, a death and a move-out planned for next month."""
    yamada = keyed.apply(keyed.parse(_move_in(_yamada(), "1-2-3")), CLERK).person_ids
    keyed.apply(
        keyed.parse(
            _move_in(
                [
                    person("佐藤", "健", ("サトウ", "ケン"), "1975-05-05", "male", "世帯主"),
                    person("佐藤", "明美", ("サトウ", "アケミ"), "1977-07-07", "female", "妻"),
                ],
                "4-5-6",
            )
        ),
        CLERK,
    )
    who = _by_given_name(keyed.engine)
    keyed.apply(
        keyed.parse(
            {
                "kind": "relocation",
                "effective_date": "2026-11-25",
                "person_ids": yamada,
                "address": address("7-7"),
            }
        ),
        CLERK,
    )
    keyed.apply(
        keyed.parse(
            {
                "kind": "death",
                "person_id": who["明美"],
                "effective_date": "2026-11-26",
                "relationships": {},
            }
        ),
        CLERK,
    )
    keyed.apply(
        keyed.parse(
            {
                "kind": "move_out",
                "person_ids": [who["健"]],
                "planned_date": "2026-12-20",
                "destination": {
                    "prefecture": "東京都",
                    "municipality": "千代田区",
                    "town": "千代田",
                    "block": "1-1",
                    "lg_code": "131016",
                },
            }
        ),
        CLERK,
    )
    names = {"太郎": "head", "花子": "wife", "一郎": "child", "健": "sato", "明美": "dead"}
    return {names[given]: pid for given, pid in who.items()}


def _by_given_name(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(resident.c.person_id, resident.c.record))
        return {row.record["name"]["given"]: row.person_id for row in rows}


def _yamada() -> list[dict[str, object]]:
    return [
        person(
            "山田",
            "太郎",
            ("ヤマダ", "タロウ"),
            "1980-04-02",
            "male",
            "世帯主",
            resident_code="12345678901",
        ),
        person("山田", "花子", ("ヤマダ", "ハナコ"), "1982-09-15", "female", "妻"),
        person("山田", "一郎", ("ヤマダ", "イチロウ"), "2010-01-20", "male", "子"),
    ]


def _move_in(persons: list[dict[str, object]], block: str) -> dict[str, object]:
    return {
        "kind": "move_in",
        "effective_date": "2026-11-20",
        "address": address(block),
        "previous_address": {
            "prefecture": "東京都",
            "municipality": "千代田区",
            "town": "千代田",
            "block": "1-1",
            "lg_code": "131016",
        },
        "persons": persons,
    }


def rebuilt(engine: Engine, today: date = TODAY) -> rebuild.RebuildReport:
    with engine.connect() as conn:
        return rebuild.rebuild(conn, LG, today, batch=2)  # small batches: several rounds


def checked(engine: Engine, keyed: Registry) -> invariants.CheckReport:
    with engine.connect() as conn:
        return invariants.check(conn, LG, keyed.cipher.audit_key)


def test_rebuild_equals_live(engine: Engine, town: dict[str, str]) -> None:
    report = rebuilt(engine)
    assert report.ok, report.mismatches
    assert report.checked == 5 and report.due == []


def test_a_tampered_row_is_reported_by_person(engine: Engine, town: dict[str, str]) -> None:
    with write_transaction(engine) as conn:
        conn.execute(
            resident.update()
            .where(resident.c.person_id == town["child"])
            .values(relationship="世帯主", family_key="x")
        )
        conn.execute(resident.delete().where(resident.c.person_id == town["wife"]))
    report = rebuilt(engine)
    found = {m.person_id: m for m in report.mismatches}
    assert set(found) == {town["child"], town["wife"]}
    assert found[town["child"]].kind is MismatchKind.DIFFERENT
    assert found[town["child"]].fields == ("relationship", "family_key")
    assert found[town["wife"]].kind is MismatchKind.MISSING


def test_a_row_without_events_is_an_orphan(engine: Engine, town: dict[str, str]) -> None:
    forged_id = "00000000-0000-4000-8000-00000000000f"
    with write_transaction(engine) as conn:  # the log is append-only: a row is added instead
        row = conn.execute(sa.select(resident).where(resident.c.person_id == town["child"])).one()
        conn.execute(resident.insert().values({**row._mapping, "person_id": forged_id}))
    (only,) = rebuilt(engine).mismatches
    assert (only.person_id, only.kind) == (forged_id, MismatchKind.ORPHAN)


def test_a_move_out_whose_day_came_is_due_not_a_mismatch(
    engine: Engine, town: dict[str, str]
) -> None:
    report = rebuilt(engine, date(2026, 12, 21))  # the planned day has passed, no roll-forward
    assert report.ok and report.due == [town["sato"]]
    with write_transaction(engine) as conn:  # a forged status is not "due": it is a mismatch
        conn.execute(
            resident.update().where(resident.c.person_id == town["dead"]).values(status="active")
        )
    (only,) = rebuilt(engine, date(2026, 12, 21)).mismatches
    assert only.person_id == town["dead"] and "status" in only.fields


def test_the_invariants_hold_on_a_sound_registry(
    engine: Engine, keyed: Registry, town: dict[str, str]
) -> None:
    report = checked(engine, keyed)
    assert report.ok, report.violations
    assert report.people == 5 and report.audit_rows > 0


def test_two_heads_are_one_head_violation(
    engine: Engine, keyed: Registry, town: dict[str, str]
) -> None:
    with write_transaction(engine) as conn:
        conn.execute(
            resident.update()
            .where(resident.c.person_id == town["wife"])
            .values(relationship="世帯主")
        )
    (only,) = checked(engine, keyed).violations
    assert only.invariant is Invariant.ONE_HEAD
    assert set(only.person_ids) == {town["head"], town["wife"]}


def test_a_member_of_a_dissolved_household_is_found(
    engine: Engine, keyed: Registry, town: dict[str, str]
) -> None:
    with write_transaction(engine) as conn:
        hid = conn.execute(
            sa.select(resident.c.household_id).where(resident.c.person_id == town["head"])
        ).scalar_one()
        conn.execute(household.update().where(household.c.household_id == hid).values(active=False))
    (only,) = checked(engine, keyed).violations
    assert only.invariant is Invariant.NO_HOUSEHOLD and only.household_id == hid
    assert town["head"] in only.person_ids


def test_one_person_current_twice_is_found(
    engine: Engine, keyed: Registry, town: dict[str, str]
) -> None:
    with write_transaction(engine) as conn:
        conn.execute(
            resident.update()
            .where(resident.c.person_id == town["sato"])
            .values(lg_code="131016", resident_code="12345678901")  # 山田太郎, in 千代田 too
        )
    (only,) = checked(engine, keyed).violations
    assert only.invariant is Invariant.TWO_HOUSEHOLDS
    assert set(only.person_ids) == {town["head"], town["sato"]}
    assert "112011" in only.detail and "131016" in only.detail


def test_a_change_to_a_removed_record_is_found(
    engine: Engine, keyed: Registry, town: dict[str, str]
) -> None:
    with engine.connect() as conn:
        (death, *_) = reversed(repo.load_events(conn, [town["dead"]])[town["dead"]])
    forged = replace(
        death,
        event_id="00000000-0000-4000-8000-000000000001",
        kind=death.kind.CHANGED,
        reason=NotificationKind.RELOCATION,
        changes={"address": address("9-9")},
        recorded_at=NOW,
        seq=0,
    )
    with write_transaction(engine) as conn:
        repo.insert_events(conn, [forged])
    (only,) = checked(engine, keyed).violations
    assert only.invariant is Invariant.REMOVED_CHANGED and only.person_ids == (town["dead"],)
    assert forged.event_id in only.detail


def test_a_rewritten_audit_row_breaks_the_chain(
    engine: Engine, keyed: Registry, town: dict[str, str]
) -> None:
    with write_transaction(engine) as conn:
        drop_triggers(conn)  # what an intruder with the database's owner role would do
        conn.execute(audit_log.update().where(audit_log.c.seq == 2).values(action="x.read"))
    (only,) = checked(engine, keyed).violations
    assert only.invariant is Invariant.AUDIT_CHAIN and "seq 2" in only.detail


def test_the_commands_exit_0_then_1_and_name_the_person(
    engine: Engine, keyed: Registry, town: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JICHI_TODAY", TODAY.isoformat())
    args = ["--municipality", LG, "--url", url_of(engine)]
    ok = runner.invoke(app, ["registry", "rebuild", *args])
    assert ok.exit_code == 0, ok.output
    assert "rebuild = live: 5" in ok.output
    assert runner.invoke(app, ["registry", "check", *args]).exit_code == 0
    with write_transaction(engine) as conn:
        conn.execute(
            resident.update().where(resident.c.person_id == town["wife"]).values(sex="male")
        )
    bad = runner.invoke(app, ["registry", "rebuild", *args])
    assert bad.exit_code == 1
    assert f"mismatch: {town['wife']} different sex" in bad.output
    # the person named was audited under that person (and the chain still verifies)
    with engine.connect() as conn:
        actions = conn.execute(
            sa.select(audit_log.c.action).where(audit_log.c.subject_person_id == town["wife"])
        ).scalars()
        assert "registry.rebuild" in list(actions)
    assert runner.invoke(app, ["registry", "check", *args]).exit_code == 0


def test_ranges_of_person_id_cover_every_id_once() -> None:
    ranges = rebuild_workers.id_ranges(100_000, per_range=10_000)
    assert len(ranges) == 10 and ranges[0][0] is None and ranges[-1][1] is None
    ids = ["", "0", "00000000-0000-4000-8000-00000000000f", "7fffff", "800000", "f", "zz"]
    for person_id in ids:
        holding = [
            (low, high)
            for low, high in ranges
            if (low is None or person_id >= low) and (high is None or person_id < high)
        ]
        assert len(holding) == 1, person_id
    assert rebuild_workers.id_ranges(5) == [rebuild.FULL_RANGE]


def test_ranges_share_out_evenly_over_the_workers() -> None:
    """Five ranges on two workers left one core idle at the end; now the count is a
    multiple of the workers, with a few ranges each."""
    for people, workers in [(100_000, 2), (100_000, 3), (3_770_000, 2), (9, 2)]:
        ranges = rebuild_workers.id_ranges(people, workers=workers)
        assert len(ranges) % workers == 0
        assert len(ranges) >= workers * rebuild_workers.RANGES_PER_WORKER
        assert len(ranges) >= people // rebuild_workers.PEOPLE_PER_RANGE
    assert rebuild_workers.id_ranges(5, workers=2) == [rebuild.FULL_RANGE]  # too few to cut


def test_a_rebuild_by_ranges_finds_what_one_pass_finds(
    engine: Engine, town: dict[str, str]
) -> None:
    with write_transaction(engine) as conn:
        conn.execute(
            resident.update().where(resident.c.person_id == town["head"]).values(sex="female")
        )
        conn.execute(resident.delete().where(resident.c.person_id == town["dead"]))
    ranges = rebuild_workers.id_ranges(5, per_range=1)  # five ranges for five people
    with engine.connect() as conn:
        by_range = rebuild.rebuild(conn, LG, TODAY, ranges=ranges, batch=1)
    whole = rebuilt(engine)
    assert by_range.checked == whole.checked == 5
    assert by_range.mismatches == whole.mismatches
    assert {(m.person_id, m.kind) for m in by_range.mismatches} == {
        (town["head"], MismatchKind.DIFFERENT),
        (town["dead"], MismatchKind.MISSING),
    }


def test_worker_processes_report_the_same_people(engine: Engine, town: dict[str, str]) -> None:
    with write_transaction(engine) as conn:
        conn.execute(
            resident.update().where(resident.c.person_id == town["wife"]).values(status="removed")
        )
    report = rebuild_workers.rebuild_in_workers(
        url_of(engine), LG, TODAY, workers=2, per_range=1, batch=2
    )
    assert report.checked == 5
    (only,) = report.mismatches
    assert only.person_id == town["wife"] and only.fields == ("status",)


def test_workers_read_the_coordinators_snapshot(engine: Engine, town: dict[str, str]) -> None:
    """A row changed after the snapshot was exported is not seen by a worker (PostgreSQL)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("exported snapshots are PostgreSQL's")
    rebuild_workers._start_worker(url_of(engine))  # this process plays the worker
    with engine.connect() as coordinator:
        coordinator.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = coordinator.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
        with write_transaction(engine) as conn:  # a write after the snapshot
            conn.execute(
                resident.update().where(resident.c.person_id == town["child"]).values(sex="female")
            )
        as_of_snapshot = rebuild_workers._check(LG, TODAY, rebuild.FULL_RANGE, snapshot, 10)
        as_of_now = rebuild_workers._check(LG, TODAY, rebuild.FULL_RANGE, None, 10)
    assert as_of_snapshot.ok and as_of_snapshot.checked == 5
    assert [m.person_id for m in as_of_now.mismatches] == [town["child"]]
