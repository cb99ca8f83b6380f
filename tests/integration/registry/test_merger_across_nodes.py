"""A merger across node databases (issue 15 item 2), on two SQLite files and on two
PostgreSQL databases.

川島町 (113468) is a node of its own; 川越市 (112011), on another database, absorbs it.
Checked: every resident arrives with their code and whole history and the source is
retired (its code merged, its staff closed) only after the verification, and the network
reconciliation and the statistics agree; the dry run and a merger killed at any step
change nothing in either database; a tampered copy is caught by the verification; every
resident's certificate before (at 川島町's node) and after (at 川越市's) agrees; a second
run and a target that already holds the rows are refused; numbers are re-sealed under
the target's keys; the CLI does the same.
"""

from __future__ import annotations

import base64
import json
import shutil
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from typer.testing import CliRunner

from jichi.cli import places as places_cli
from jichi.kernel.errors import JichiError, JichiErrors
from jichi.network.reconcile import load_node, reconcile
from jichi.places.change_store import places_in_time
from jichi.registry.demo import populate
from jichi.registry.events import NotificationKind
from jichi.registry.merger import merge_across
from jichi.registry.service import NUMBER_CONTEXT, Registry
from jichi.registry.statistics_source import statistics_source
from jichi.registry.tables import outbox, registry_event, resident
from jichi.security import audit
from jichi.security.actor import Actor
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from jichi.security.staff import create_staff, issue_token, staff
from jichi.security.tables import audit_log
from jichi.store.engine import make_engine, write_transaction
from tests.conftest import BACKENDS, PgDatabases
from tests.integration.registry.test_merger import (
    CIPHER,
    CLERK,
    DAY,
    KAWAGOE,
    KAWAJIMA,
    NOW,
    SUPERVISOR,
    TODAY,
    _certificate,
    clock,
    dump,
    plan,
    records,
    registry,
    renames,
)

SOURCE_CIPHER = FieldCipher(Keys.derive(b"s" * 32))  # 川島町's node keys of its own


def _nodes(
    request: pytest.FixtureRequest, tmp_path: Path, source_cipher: FieldCipher
) -> list[Engine]:
    """(川越市's database, 川島町's database): each a node of its own, demo residents in each."""
    built: list[Engine] = []
    for code in (KAWAGOE, KAWAJIMA):
        if request.param == "sqlite":
            target = tmp_path / f"node-{code}.db"
            shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
            built.append(make_engine(f"sqlite:///{target}"))
        else:
            databases: PgDatabases = request.getfixturevalue("pg_databases")
            built.append(make_engine(databases.url(databases.migrated())))
    for engine, (code, seed, cipher) in zip(
        built, ((KAWAGOE, 1, CIPHER), (KAWAJIMA, 2, source_cipher)), strict=True
    ):
        reg = Registry(engine, code, cipher, clock=clock)
        summary = populate(reg, Actor("demo", code, "admin"), 25, seed)
        assert summary.rejections == []
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE outbox SET sent_at = :now"), {"now": NOW})
    with built[1].begin() as conn:
        conn.execute(
            staff.insert().values(
                staff_id="kawajima-clerk",
                lg_code=KAWAJIMA,
                display_name="川島　職員",
                role="clerk",
                password_hash=None,
                active=True,
                created_at=NOW,
            )
        )
    return built


@pytest.fixture(params=BACKENDS)
def nodes(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    """Two nodes sharing one key (an operator's single JICHI_SECRET_KEY)."""
    built = _nodes(request, tmp_path, CIPHER)
    yield built[0], built[1]
    for engine in built:
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def keyed_nodes(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    """Two nodes with keys of their own (the source's is SOURCE_CIPHER)."""
    built = _nodes(request, tmp_path, SOURCE_CIPHER)
    yield built[0], built[1]
    for engine in built:
        engine.dispose()


def _merge(target: Engine, source: Engine, **kw):  # type: ignore[no-untyped-def]
    """The merger of the tests, its plan built from the source's towns."""
    return merge_across(
        target, {KAWAJIMA: source}, plan(source), SUPERVISOR, CIPHER, clock=clock, **kw
    )


def test_every_resident_arrives_with_their_history_and_the_source_is_retired(
    nodes: tuple[Engine, Engine],
) -> None:
    target, source = nodes
    old = registry(source, KAWAJIMA)
    there = Actor("demo", KAWAJIMA, "clerk")
    before = {r.person_id: (r, old.history(r.person_id, there)) for r in records(source, KAWAJIMA)}
    source_rows = dump(source)["resident"]
    network = [load_node(target, KAWAGOE), load_node(source, KAWAJIMA)]
    agreed = reconcile(network, None, today=TODAY)
    with target.connect() as conn:
        population = len(statistics_source(conn, KAWAGOE, TODAY).residents)
    with source.connect() as conn:
        population += len(statistics_source(conn, KAWAJIMA, TODAY).residents)

    report = _merge(target, source)

    # the network is now the successor's node alone, and it agrees with itself
    after = reconcile([load_node(target, KAWAGOE)], None, today=TODAY)
    assert agreed.ok and after.ok, (agreed.counts(), after.counts())
    assert after.figures.nodes[KAWAGOE].active == sum(
        f.active for f in agreed.figures.nodes.values()
    )
    with target.connect() as conn:
        assert len(statistics_source(conn, KAWAGOE, TODAY).residents) == population
    with source.connect() as conn:  # the retired code counts nobody from the day
        assert statistics_source(conn, KAWAJIMA, TODAY).residents == ()

    assert report.merger.executed and report.retired == [KAWAJIMA]
    assert report.verification is not None
    assert report.verification.persons == {KAWAJIMA: len(before)}
    assert report.copied[KAWAJIMA]["resident"] == len(before)
    successor = registry(target, KAWAGOE)
    for person_id, (was, history) in before.items():
        now = successor.read_record(person_id, CLERK)
        assert now.resident_code == was.resident_code and now.lg_code == KAWAGOE
        events = successor.history(person_id, CLERK)
        assert [ev.event_id for ev in events[:-1]] == [ev.event_id for ev in history]
        assert events[-1].reason is NotificationKind.MUNICIPAL_MERGER
        assert events[-1].notification_id == report.merger.change_id
        if was.is_active:
            assert now.address.municipality == "川越市"
        else:
            assert now.address == was.address  # a 除票 keeps the old municipality's address
        assert successor.read_record(person_id, CLERK, as_of=DAY - timedelta(days=1)) == was
    with target.connect() as conn:
        identity = conn.execute(
            sa.select(sa.func.count())
            .select_from(outbox)
            .where(outbox.c.topic == "center.identity", outbox.c.sent_at.is_(None))
        ).scalar_one()
        moved = conn.execute(
            sa.select(staff.c.lg_code).where(staff.c.staff_id == "kawajima-clerk")
        ).scalar_one()
        assert identity == len(before)  # the center's identity info follows
        assert moved == KAWAGOE
        with pytest.raises(JichiError) as gone:
            places_in_time(conn).as_of(KAWAJIMA, DAY)
        assert gone.value.code == "PLC-010"
    with source.connect() as conn:
        assert conn.execute(sa.select(staff.c.active)).scalars().all() == [False]
        closing = conn.execute(
            sa.select(audit_log.c.lg_code, audit_log.c.detail).where(
                audit_log.c.action == "registry.municipal_merger.retired"
            )
        ).one()
        with pytest.raises(JichiError) as retired:
            places_in_time(conn).as_of(KAWAJIMA, DAY)
        assert retired.value.code == "PLC-010"
    detail = json.loads(closing.detail)
    assert closing.lg_code == KAWAJIMA and detail["persons"] == len(before)
    assert dump(source)["resident"] == source_rows  # the archive is kept as it was


def test_the_dry_run_reports_and_changes_nothing_in_either_database(
    nodes: tuple[Engine, Engine],
) -> None:
    target, source = nodes
    before = dump(target), dump(source)
    report = _merge(target, source, dry_run=True)
    assert (dump(target), dump(source)) == before
    assert not report.merger.executed and report.retired == []
    assert report.merger.records[KAWAJIMA]["active"] == sum(
        r.is_active for r in records(source, KAWAJIMA)
    )
    assert report.verification is not None  # the whole merger ran, then rolled back
    assert report.merger.towns and report.merger.staff == ["kawajima-clerk"]


@pytest.mark.parametrize("step", ["record 7", "copied", "written", "verified", "retired"])
def test_a_merger_killed_at_any_step_changes_nothing_in_either_database(
    nodes: tuple[Engine, Engine], step: str
) -> None:
    target, source = nodes
    before = dump(target), dump(source)

    def die(done: int) -> None:
        if step == f"record {done}":
            raise RuntimeError("killed")

    def die_at(name: str, _conn: Connection) -> None:
        if name == step:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        _merge(target, source, checkpoint=die, stage=die_at)
    assert (dump(target), dump(source)) == before


def test_a_copy_that_disagrees_with_its_source_is_caught_and_nothing_changes(
    nodes: tuple[Engine, Engine],
) -> None:
    target, source = nodes
    before = dump(target), dump(source)
    victim = records(source, KAWAJIMA)[0].person_id

    def tamper(name: str, conn: Connection) -> None:
        if name == "copied":  # one person's history gets an event the source never had
            first = conn.execute(
                sa.select(registry_event).where(registry_event.c.person_id == victim)
            ).first()
            assert first is not None
            extra = {k: v for k, v in first._mapping.items() if k != "seq"}
            conn.execute(registry_event.insert().values(**{**extra, "event_id": str(uuid.uuid4())}))

    with pytest.raises(JichiError) as refused:
        _merge(target, source, stage=tamper)
    assert refused.value.code == "MRG-015"
    assert "1人" in refused.value.message_ja
    assert (dump(target), dump(source)) == before


def test_every_residents_certificate_before_and_after_agrees(
    nodes: tuple[Engine, Engine],
) -> None:
    target, source = nodes
    people = records(source, KAWAJIMA)
    assert {r.is_active for r in people} == {True, False}
    before = {r.person_id: _certificate(registry(source, KAWAJIMA), r) for r in people}
    _merge(target, source)
    successor = registry(target, KAWAGOE)
    for record in people:
        after = _certificate(successor, successor.read_record(record.person_id, CLERK))
        was = before[record.person_id]
        assert record.name.family in after and record.name.family in was
        if record.is_active:
            new_town = "川島" + record.address.town.removeprefix("大字")
            assert "埼玉県川越市" in after and new_town in after
        else:
            assert "合併前の埼玉県川島町で消除された住民票（除票）です" in after
            assert record.address.text() in after


def test_a_second_run_and_a_target_holding_the_rows_are_refused(
    nodes: tuple[Engine, Engine],
) -> None:
    target, source = nodes
    with source.connect() as conn:
        one = conn.execute(sa.select(resident).where(resident.c.lg_code == KAWAJIMA)).first()
    assert one is not None
    with target.begin() as conn:  # a stray copy of one record already on the target
        conn.execute(resident.insert().values(**one._mapping))
    before = dump(target), dump(source)
    with pytest.raises(JichiError) as held:
        _merge(target, source)
    assert held.value.code == "MRG-014"
    assert (dump(target), dump(source)) == before
    with target.begin() as conn:
        conn.execute(resident.delete().where(resident.c.person_id == one.person_id))
    _merge(target, source)
    with pytest.raises((JichiError, JichiErrors)) as again:
        _merge(target, source)
    codes = {err.code for err in getattr(again.value, "errors", [again.value])}
    assert "MRG-009" in codes  # the source's code is retired


def test_a_source_that_is_not_a_moving_party_is_refused(nodes: tuple[Engine, Engine]) -> None:
    target, source = nodes
    for sources in ({KAWAGOE: source}, {KAWAJIMA: target}):  # the successor; its own database
        with pytest.raises(JichiError) as refused:
            merge_across(target, sources, plan(source), SUPERVISOR, CIPHER, clock=clock)
        assert refused.value.code == "MRG-016"


def test_numbers_are_resealed_under_the_targets_keys(keyed_nodes: tuple[Engine, Engine]) -> None:
    """Each node its own keys: the 個人番号 arrives readable (and findable) with the
    target's key, and the source's closing audit entry is chained with the source's."""
    target, source = keyed_nodes
    with source.connect() as conn:
        sealed = conn.execute(
            sa.select(resident.c.person_id, resident.c.individual_number_enc).where(
                resident.c.individual_number_enc.is_not(None)
            )
        ).all()
    assert sealed
    numbers = {pid: SOURCE_CIPHER.decrypt(enc, context=NUMBER_CONTEXT) for pid, enc in sealed}
    merge_across(
        target,
        {KAWAJIMA: source},
        plan(source),
        SUPERVISOR,
        CIPHER,
        clock=clock,
        source_ciphers={KAWAJIMA: SOURCE_CIPHER},
    )
    with target.connect() as conn:
        rows = conn.execute(
            sa.select(
                resident.c.person_id,
                resident.c.individual_number_enc,
                resident.c.individual_number_hash,
            ).where(resident.c.person_id.in_(list(numbers)))
        ).all()
    assert len(rows) == len(numbers)
    for pid, enc, digest in rows:
        assert CIPHER.decrypt(enc, context=NUMBER_CONTEXT) == numbers[pid]
        assert digest == CIPHER.lookup_hash(numbers[pid], context=NUMBER_CONTEXT)
    with source.connect() as conn:
        assert audit.verify(conn, SOURCE_CIPHER.audit_key).ok


def test_the_cli_merges_across_nodes_with_a_dry_run_first(
    nodes: tuple[Engine, Engine], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target, source = nodes
    with write_transaction(target) as conn:
        create_staff(conn, "kakaricho", KAWAGOE, "supervisor", "係長")
        token = issue_token(conn, "kakaricho")
    monkeypatch.setenv("JICHI_STAFF_TOKEN", token)
    monkeypatch.setenv("JICHI_SECRET_KEY", base64.urlsafe_b64encode(b"m" * 32).decode())
    mapping = tmp_path / "towns.csv"
    mapping.write_text(
        "".join(f"{r.lg_code},{r.town},{r.new_town}\n" for r in renames(source)),
        encoding="utf-8",
    )
    source_url = source.url.render_as_string(hide_password=False)
    args = [
        "merge", "--kind", "absorption", "--on", "R8.11.1", "--successor", KAWAGOE,
        "--party", KAWAGOE, "--party", KAWAJIMA, "--mapping", str(mapping),
        "--url", target.url.render_as_string(hide_password=False),
        "--source", f"{KAWAJIMA}={source_url}",
    ]  # fmt: skip
    runner = CliRunner()
    before = dump(target), dump(source)
    dry = runner.invoke(places_cli.app, [*args, "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    shown = json.loads(dry.output)
    assert shown["executed"] is False and shown["retired"] == []
    assert shown["copied"][KAWAJIMA]["resident"] == len(records(source, KAWAJIMA))
    assert (dump(target), dump(source)) == before
    done = runner.invoke(places_cli.app, args)
    assert done.exit_code == 0, done.output
    assert "合併の実行結果" in done.output and "旧ノードを閉じました" in done.output
    assert {r.lg_code for r in records(target, KAWAGOE)} == {KAWAGOE}
    again = runner.invoke(places_cli.app, args)
    assert again.exit_code == 1 and "MRG-009" in again.output
    bad = runner.invoke(places_cli.app, [*args[:-1], "113468"])
    assert bad.exit_code == 2 and "団体コード=URL" in bad.output
