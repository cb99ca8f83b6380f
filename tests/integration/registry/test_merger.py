"""A merger of two demo registries in one database (issue 15 item 2), on both backends.

川島町 (113468) is absorbed into 川越市 (112011): every resident keeps their code and their
whole history, the successor reads and counts them, a dry run writes nothing and a merger
killed halfway leaves both registries as they were.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from jichi.cli import places as places_cli
from jichi.kernel.errors import JichiError, JichiErrors
from jichi.places.catalog import default_catalog
from jichi.places.change_store import places_in_time
from jichi.places.changes import MergerKind
from jichi.registry.certificates import (
    CertificateKind,
    CertificateRequest,
    issue,
    municipality_settings,
)
from jichi.registry.demo import populate
from jichi.registry.events import NotificationKind
from jichi.registry.merger import MergerPlan, TownRename, dry_run, execute, parse_mapping
from jichi.registry.model import ResidentRecord
from jichi.registry.protection import Protection
from jichi.registry.restrictions import Requester, RequesterType
from jichi.registry.service import Registry
from jichi.registry.snapshot import electors_snapshot
from jichi.registry.statistics_source import statistics_source
from jichi.registry.tables import outbox, registry_event, resident
from jichi.security.actor import Actor
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from jichi.security.staff import create_staff, issue_token, staff
from jichi.store.engine import tenant_engine, write_transaction
from jichi.store.metadata import metadata
from jichi.web.app import create_app
from tests.integration.security.conftest import pg, web_role  # noqa: F401 (fixtures)

KAWAGOE = "112011"  # 埼玉県川越市: absorbs
KAWAJIMA = "113468"  # 埼玉県比企郡川島町: absorbed
NOW = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
TODAY = date(2026, 11, 27)
DAY = date(2026, 11, 1)  # the merger's day (before today: it is run on or after it)
CIPHER = FieldCipher(Keys.derive(b"m" * 32))
SUPERVISOR = Actor("kakaricho", KAWAGOE, "supervisor")
CLERK = Actor("demo", KAWAGOE, "clerk")


def clock() -> datetime:
    return NOW


def registry(engine: Engine, code: str) -> Registry:
    return Registry(engine, code, CIPHER, clock=clock)


@pytest.fixture
def two_towns(engine: Engine) -> Engine:
    for code, seed in ((KAWAGOE, 1), (KAWAJIMA, 2)):
        summary = populate(registry(engine, code), Actor("demo", code, "admin"), 25, seed)
        assert summary.rejections == []
    with engine.begin() as conn:
        conn.execute(
            staff.insert(),
            [
                {
                    "staff_id": "kawajima-clerk",
                    "lg_code": KAWAJIMA,
                    "display_name": "川島　職員",
                    "role": "clerk",
                    "password_hash": None,
                    "active": True,
                    "created_at": NOW,
                }
            ],
        )
        conn.execute(sa.text("UPDATE outbox SET sent_at = :now"), {"now": NOW})
    return engine


def records(engine: Engine, code: str) -> list[ResidentRecord]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(resident.c.record).where(resident.c.lg_code == code))
        return [ResidentRecord.model_validate(r.record) for r in rows]


def renames(engine: Engine) -> tuple[TownRename, ...]:
    """Every 町字 of 川島町 gets its former town's name in front (川島中山), as often done."""
    towns = {r.address.town for r in records(engine, KAWAJIMA) if r.is_active}
    lines = "lg_code,town,new_town\n" + "".join(
        f"{KAWAJIMA},{t},川島{t.removeprefix('大字')}\n" for t in sorted(towns)
    )
    return tuple(parse_mapping(lines))


def plan(engine: Engine, **changes: Any) -> MergerPlan:
    values: dict[str, Any] = {
        "kind": MergerKind.ABSORPTION,
        "effective_date": DAY,
        "successor": default_catalog().get(KAWAGOE),
        "parties": (KAWAGOE, KAWAJIMA),
        "renames": renames(engine),
        "basis": "令和8年総務省告示第0号",
    }
    values.update(changes)
    return MergerPlan(**values)


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, for "nothing changed" comparisons."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
        for table in metadata.sorted_tables:
            if table.name in names:
                out[table.name] = sorted(
                    (tuple(str(v) for v in row) for row in conn.execute(sa.select(table))),
                )
    return out


def test_dry_run_reports_every_change_and_writes_nothing(two_towns: Engine) -> None:
    before = dump(two_towns)
    report = dry_run(two_towns, plan(two_towns), SUPERVISOR, clock=clock)
    assert dump(two_towns) == before
    kawajima = records(two_towns, KAWAJIMA)
    assert report.records[KAWAJIMA] == {
        "active": sum(r.is_active for r in kawajima),
        "removed": sum(not r.is_active for r in kawajima),
    }
    moved = sum(t["residents"] for t in report.towns if t["lg_code"] == KAWAJIMA)
    assert moved == report.records[KAWAJIMA]["active"]
    assert all(t["new_town"].startswith("川島") for t in report.towns if t["lg_code"] == KAWAJIMA)
    assert report.staff == ["kawajima-clerk"]
    assert not report.executed


def test_merger_keeps_every_resident_and_their_history(two_towns: Engine) -> None:
    old = {code: registry(two_towns, code) for code in (KAWAGOE, KAWAJIMA)}
    kawajima_clerk = Actor("demo", KAWAJIMA, "clerk")
    before = {
        r.person_id: (r, old[KAWAJIMA].history(r.person_id, kawajima_clerk))
        for r in records(two_towns, KAWAJIMA)
    }
    with two_towns.connect() as conn:
        population = {
            code: len(statistics_source(conn, code, TODAY).residents)
            for code in (KAWAGOE, KAWAJIMA)
        }
        electors = {code: len(electors_snapshot(conn, code, TODAY)) for code in old}
        since = statistics_source(conn, KAWAGOE, TODAY, DAY - timedelta(days=1))

    report = execute(two_towns, plan(two_towns), SUPERVISOR, CIPHER, clock=clock)
    assert report.executed

    successor = old[KAWAGOE]
    clerk = Actor("demo", KAWAGOE, "clerk")
    assert records(two_towns, KAWAJIMA) == []
    for person_id, (was, history) in before.items():
        now = successor.read_record(person_id, clerk)
        assert now.resident_code == was.resident_code and now.resident_code
        assert now.resident_since == was.resident_since
        assert now.lg_code == KAWAGOE
        events = successor.history(person_id, clerk)
        assert [ev.event_id for ev in events[:-1]] == [ev.event_id for ev in history]
        merger = events[-1]
        assert merger.reason is NotificationKind.MUNICIPAL_MERGER
        assert merger.notification_id == report.change_id  # the 職権 event cites the merger
        if was.is_active:
            assert now.address.municipality == "川越市"
            assert now.address.town == "川島" + was.address.town.removeprefix("大字")
            assert now.address.block == was.address.block
            assert now.address_since == was.address_since
        else:
            # a 除票 of 川島町 stays one: its address is the old municipality's
            assert not now.is_active and now.address == was.address
        # as of the day before, the successor reads the old record unchanged
        assert successor.read_record(person_id, clerk, as_of=DAY - timedelta(days=1)) == was

    with two_towns.connect() as conn:
        after = statistics_source(conn, KAWAGOE, TODAY)
        assert len(after.residents) == population[KAWAGOE] + population[KAWAJIMA]
        assert statistics_source(conn, KAWAJIMA, TODAY).residents == ()
        # the period across the merger: the arrivals are その他（記載）, not 転入
        across = statistics_source(conn, KAWAGOE, TODAY, DAY - timedelta(days=1))
        added = [m for m in across.movements if m.kind == "other_in"]
        assert (
            len(added) - len([m for m in since.movements if m.kind == "other_in"])
            == (population[KAWAJIMA])
        )
        assert not [m for m in across.movements if m.kind == "move_in" and m.effective_date == DAY]
        # one roll from the day: everyone, with the day they became residents of 川島町
        roll = electors_snapshot(conn, KAWAGOE, TODAY)
        assert len(roll) == electors[KAWAGOE] + electors[KAWAJIMA]
        assert electors_snapshot(conn, KAWAJIMA, TODAY) == []
        moved_staff = conn.execute(
            sa.select(staff.c.lg_code).where(staff.c.staff_id == "kawajima-clerk")
        ).scalar_one()
        assert moved_staff == KAWAGOE
        places = places_in_time(conn)
    assert places.as_of(KAWAJIMA, DAY - timedelta(days=1)).name == "川島町"
    with pytest.raises(JichiError) as retired:
        places.as_of(KAWAJIMA, DAY)
    assert retired.value.code == "PLC-010"
    assert places.as_of(KAWAGOE, DAY).name == "川越市"
    assert places.successor_of(KAWAJIMA, DAY) == KAWAGOE
    api = TestClient(create_app(two_towns, municipality=KAWAGOE, cipher=CIPHER))
    assert api.get(f"/api/places/{KAWAJIMA}?as_of=2026-10-31").json()["name"] == "川島町"
    gone = api.get(f"/api/places/{KAWAJIMA}?as_of={DAY.isoformat()}")
    assert gone.status_code == 404 and gone.json()["code"] == "PLC-010"


def test_a_merger_killed_halfway_changes_nothing(two_towns: Engine) -> None:
    before = dump(two_towns)

    def die(done: int) -> None:
        if done == 7:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        execute(two_towns, plan(two_towns), SUPERVISOR, CIPHER, clock=clock, checkpoint=die)
    assert dump(two_towns) == before


def test_a_code_reused_by_a_new_municipality_resolves_as_of_date(two_towns: Engine) -> None:
    """新設: both end; the new 川越市 keeps the code 112011 (its name was reused)."""
    new = default_catalog().get(KAWAGOE)
    execute(
        two_towns,
        plan(two_towns, kind=MergerKind.CREATION, successor=new),
        SUPERVISOR,
        CIPHER,
        clock=clock,
    )
    with two_towns.connect() as conn:
        places = places_in_time(conn)
    eve = DAY - timedelta(days=1)
    assert places.history.as_of(KAWAGOE, eve).place == places.as_of(KAWAGOE, eve)
    assert places.as_of(KAWAGOE, DAY) is places.changes[-1].successor
    assert places.changes[-1].kind is MergerKind.CREATION
    with pytest.raises(JichiError):
        places.as_of(KAWAJIMA, DAY)


def test_a_bad_plan_is_refused_with_every_reason_at_once(two_towns: Engine) -> None:
    bad = plan(
        two_towns,
        effective_date=TODAY + timedelta(days=1),
        parties=(KAWAGOE, KAWAJIMA, "999999"),
        renames=(),
    )
    with pytest.raises(JichiErrors) as refused:
        dry_run(two_towns, bad, SUPERVISOR, clock=clock)
    codes = {error.code for error in refused.value.errors}
    assert "MRG-004" in codes  # in the future
    assert "MRG-003" in codes  # 999999 is no municipality


def test_a_town_that_would_exist_twice_is_refused(two_towns: Engine) -> None:
    town = next(r.address.town for r in records(two_towns, KAWAGOE) if r.is_active)
    clash = (TownRename(KAWAJIMA, next(iter(renames(two_towns))).town, town, 2),)
    with pytest.raises(JichiError) as refused:
        dry_run(two_towns, plan(two_towns, renames=clash), SUPERVISOR, clock=clock)
    found = getattr(refused.value, "errors", [refused.value])
    assert any(e.code == "MRG-007" and town in e.message_ja for e in found)


def test_unsent_network_messages_block_the_merger(two_towns: Engine) -> None:
    with two_towns.begin() as conn:
        conn.execute(
            sa.text("UPDATE outbox SET sent_at = NULL WHERE lg_code = :c"), {"c": KAWAJIMA}
        )
    with pytest.raises(JichiError) as refused:
        dry_run(two_towns, plan(two_towns), SUPERVISOR, clock=clock)
    assert refused.value.code == "MRG-008"


def test_mapping_errors_come_all_at_once() -> None:
    text = "lg_code,town,new_town\n113468,中山\n113468,上伊草,川島上伊草\n113468,上伊草,x\n"
    with pytest.raises(JichiErrors) as refused:
        parse_mapping(text)
    assert [e.code for e in refused.value.errors] == ["MRG-006", "MRG-010"]


def test_under_row_security_the_successor_reads_the_predecessors_events_only(
    two_towns: Engine,
    web_role: Engine,  # noqa: F811
) -> None:
    """PostgreSQL, as the web's ordinary role: after the merger 川越市's tenant engine shows
    川島町's old events (so the whole history replays), but writes stay 川越市's own."""
    if two_towns.dialect.name != "postgresql":
        pytest.skip("row-level security is PostgreSQL's")
    person_id = next(r.person_id for r in records(two_towns, KAWAJIMA) if r.is_active)
    web = tenant_engine(web_role, KAWAGOE)
    with web.connect() as conn:
        seen = set(conn.execute(sa.select(registry_event.c.lg_code)).scalars())
    assert seen == {KAWAGOE}
    execute(two_towns, plan(two_towns), SUPERVISOR, CIPHER, clock=clock)
    history = Registry(web, KAWAGOE, CIPHER, clock=clock).history(
        person_id, Actor("demo", KAWAGOE, "clerk")
    )
    assert {ev.lg_code for ev in history} == {KAWAGOE, KAWAJIMA}
    with pytest.raises(sa.exc.DBAPIError), web.begin() as conn:
        conn.execute(
            sa.text("UPDATE registry_event SET late = late WHERE lg_code = :c"), {"c": KAWAJIMA}
        )
        conn.execute(
            outbox.insert().values(
                message_id="m-1",
                lg_code=KAWAJIMA,
                topic="t",
                ordering_key="k",
                payload={},
                created_at=NOW,
            )
        )


def _html(html: str) -> tuple[bytes, int]:
    """A stand-in for WeasyPrint: the certificate's HTML is what is compared."""
    return html.encode(), 1


def _certificate(reg: Registry, record: ResidentRecord) -> str:
    kind = (
        CertificateKind.RECORD_COPY_PERSONAL
        if record.is_active
        else CertificateKind.REMOVED_RECORD_COPY
    )
    requester = Requester(
        RequesterType.SELF,
        record.name.text(),
        record.date_of_birth,
        sex=record.sex,
        address=record.address.text(),
        id_document="my_number_card",
    )
    issued = issue(
        reg,
        Protection(reg),
        CertificateRequest(
            kind=kind,
            person_ids=(record.person_id,),
            requester=requester,
            request_id=str(uuid.uuid4()),
        ),
        Actor("demo", reg.lg_code, "clerk"),
        municipality_settings(reg.lg_code, "町長　花子"),
        pdf_maker=_html,
    )
    return re.sub(r"<[^>]+>", "", issued.pdf.decode())


def test_every_residents_certificate_before_and_after_agrees(two_towns: Engine) -> None:
    """Each 川島町 resident's copy, issued by 川島町 before and by 川越市 after: the same
    person, code and dates; the current address in 川越市; a 除票 under 川島町's name."""
    people = records(two_towns, KAWAJIMA)
    assert {r.is_active for r in people} == {True, False}  # 除票 too (moved out, died)
    before = {r.person_id: _certificate(registry(two_towns, KAWAJIMA), r) for r in people}
    execute(two_towns, plan(two_towns), SUPERVISOR, CIPHER, clock=clock)
    successor = registry(two_towns, KAWAGOE)
    for record in people:
        after = _certificate(successor, successor.read_record(record.person_id, CLERK))
        was = before[record.person_id]
        assert record.name.family in after and record.name.family in was
        assert "合併前の" not in was
        if record.is_active:
            assert "埼玉県川越市" in after and "合併前の" not in after
            new_town = "川島" + record.address.town.removeprefix("大字")
            assert new_town in after
        else:
            assert "合併前の埼玉県川島町で消除された住民票（除票）です" in after
            assert record.address.text() in after


def test_the_cli_dry_run_then_merge(
    two_towns: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with write_transaction(two_towns) as conn:
        create_staff(conn, "kakaricho", KAWAGOE, "supervisor", "係長")
        token = issue_token(conn, "kakaricho")
    monkeypatch.setenv("JICHI_STAFF_TOKEN", token)
    mapping = tmp_path / "towns.csv"
    mapping.write_text(
        "\ufefflg_code,town,new_town\n"
        + "".join(f"{r.lg_code},{r.town},{r.new_town}\n" for r in renames(two_towns)),
        encoding="utf-8",
    )
    url = two_towns.url.render_as_string(hide_password=False)
    args = [
        "merge", "--kind", "absorption", "--on", "R8.11.1", "--successor", KAWAGOE,
        "--party", KAWAGOE, "--party", KAWAJIMA, "--mapping", str(mapping), "--url", url,
    ]  # fmt: skip
    runner = CliRunner()
    before = dump(two_towns)
    dry = runner.invoke(places_cli.app, [*args, "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output)["executed"] is False
    assert dump(two_towns) == before
    done = runner.invoke(places_cli.app, args)
    assert done.exit_code == 0, done.output
    assert "合併の実行結果" in done.output and "kawajima-clerk" in done.output
    assert records(two_towns, KAWAJIMA) == []
    again = runner.invoke(places_cli.app, args)
    assert again.exit_code == 1 and "MRG-009" in again.output


def test_staff_of_another_municipality_may_not_merge(two_towns: Engine) -> None:
    with pytest.raises(JichiError) as refused:
        dry_run(two_towns, plan(two_towns), Actor("x", "131016", "supervisor"), clock=clock)
    assert refused.value.code == "MRG-013"
