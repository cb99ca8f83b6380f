"""The reconciliation (突合) catches what it must: faults planted into a quiet network.

A small in-process demo (3 municipalities, a center) runs once; each test copies its
SQLite files, plants one fault — a person active in two municipalities, a center row
naming the wrong municipality, a person lost from the registry — and the check must
report it, typed, and ``jichi network check`` must exit 1.  The pure function is also
checked on hand-made rows for the pending-with-a-reason cases.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from typer.testing import CliRunner

from jichi.cli.main import app
from jichi.network.center.tables import center_identity
from jichi.network.demo import DemoOptions, NetworkDemo
from jichi.network.reconcile import (
    CenterRow,
    FindingKind,
    NodeState,
    PendingKind,
    PendingMoveInRow,
    PersonRow,
    Report,
    TaskRow,
    load_center,
    load_node,
    reconcile,
)
from jichi.registry.tables import resident
from jichi.store.engine import make_engine

TODAY = date(2026, 11, 27)
SECRET = "dGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQ"


@dataclass
class Copy:
    directory: Path
    manifest: dict[str, object]
    engines: dict[str, Engine]

    @property
    def lg_codes(self) -> list[str]:
        nodes = self.manifest["nodes"]
        assert isinstance(nodes, dict)
        return sorted(nodes)

    def report(self) -> Report:
        nodes = [load_node(self.engines[lg], lg) for lg in self.lg_codes]
        return reconcile(nodes, load_center(self.engines["center"]), today=TODAY)

    def check(self) -> tuple[int, str]:
        result = CliRunner().invoke(
            app, ["network", "check", "--manifest", str(self.directory / "manifest.json")]
        )
        return result.exit_code, result.output


@pytest.fixture(scope="module")
def quiet_network(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("network")
    options = DemoOptions(municipalities=3, residents=15, moves=20, directory=directory, seed=7)
    demo = NetworkDemo(options)

    async def main() -> None:
        demo.build()
        await demo.settle()
        await demo.run_moves()
        await demo.settle()

    with pytest.MonkeyPatch.context() as patch:  # module scope: before the autouse key
        patch.setenv("JICHI_SECRET_KEY", SECRET)
        asyncio.run(main())
    assert demo.moves["paper"] + demo.moves["card"] > 0
    assert demo.reconcile().ok
    demo.dispose()
    return directory


@pytest.fixture
def network(quiet_network: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Copy]:
    directory = tmp_path / "copy"
    shutil.copytree(quiet_network, directory)
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    old = str(quiet_network)
    manifest["center"] = manifest["center"].replace(old, str(directory))
    manifest["nodes"] = {lg: u.replace(old, str(directory)) for lg, u in manifest["nodes"].items()}
    (directory / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    engines = {"center": make_engine(manifest["center"])}
    engines |= {lg: make_engine(url) for lg, url in manifest["nodes"].items()}
    yield Copy(directory, manifest, engines)
    for engine in engines.values():
        engine.dispose()


def records(engine: Engine) -> list[sa.Row[tuple[str, str, str, dict[str, object]]]]:
    query = sa.select(
        resident.c.person_id, resident.c.lg_code, resident.c.status, resident.c.record
    )
    with engine.connect() as conn:
        return list(conn.execute(query.order_by(resident.c.person_id)))


def test_the_untouched_copy_agrees(network: Copy) -> None:
    report = network.report()
    assert report.ok, report.findings
    assert report.figures.moves_complete > 0
    assert report.figures.center_checked == report.figures.center_rows
    code, output = network.check()
    assert code == 0, output
    assert "一致" in output


def test_a_person_made_active_in_two_municipalities_is_reported(network: Copy) -> None:
    # someone who moved and lives elsewhere now: their 除票 at the old place comes back
    active = {
        r.record["resident_code"]: lg
        for lg in network.lg_codes
        for r in records(network.engines[lg])
        if r.status == "active"
    }
    moved = [
        (lg, r)
        for lg in network.lg_codes
        for r in records(network.engines[lg])
        if r.record.get("removal_reason") == "move_out"
        and active.get(r.record["resident_code"], lg) != lg
    ]
    lg, victim = moved[0]
    code = str(victim.record["resident_code"])
    record = dict(victim.record) | {
        "status": "active",
        "removal_reason": None,
        "removed_on": None,
        "planned_move_out": None,
        "move_out_destination": None,
        "move_out_confirmed": False,
    }
    with network.engines[lg].begin() as conn:
        conn.execute(
            resident.update()
            .where(resident.c.person_id == victim.person_id)
            .values(status="active", record=record)
        )
    report = network.report()
    doubled = [f for f in report.findings if f.kind is FindingKind.DOUBLED]
    assert [f.subject for f in doubled] == [code]
    assert lg in doubled[0].lg_codes and len(doubled[0].lg_codes) == 2
    exit_code, output = network.check()
    assert exit_code == 1 and "doubled" in output and code in output


def test_a_center_row_naming_the_wrong_municipality_is_reported(network: Copy) -> None:
    lg, other = network.lg_codes[0], network.lg_codes[1]
    active = [r for r in records(network.engines[lg]) if r.status == "active"]
    code = str(active[0].record["resident_code"])
    with network.engines["center"].begin() as conn:
        conn.execute(
            center_identity.update()
            .where(center_identity.c.resident_code == code)
            .values(lg_code=other)
        )
    report = network.report()
    assert [(f.kind, f.subject, f.lg_codes) for f in report.findings] == [
        (FindingKind.CENTER_HOLDER, code, (lg, other))
    ]
    exit_code, output = network.check()
    assert exit_code == 1 and "center_holder" in output


def test_a_person_lost_from_the_registry_is_reported(network: Copy) -> None:
    # a resident whose only record disappears (a restore from an old backup, a bad delete)
    lg = network.lg_codes[-1]
    rows = records(network.engines[lg])
    codes = {}
    for other in network.lg_codes:
        for row in records(network.engines[other]):
            codes.setdefault(row.record["resident_code"], []).append(row)
    lost = next(
        r for r in rows if r.status == "active" and len(codes[r.record["resident_code"]]) == 1
    )
    with network.engines[lg].begin() as conn:
        conn.execute(resident.delete().where(resident.c.person_id == lost.person_id))
    report = network.report()
    assert [(f.kind, f.subject) for f in report.findings] == [
        (FindingKind.CENTER_UNKNOWN, lost.record["resident_code"])
    ]
    exit_code, _ = network.check()
    assert exit_code == 1


# -- the pure function on hand-made rows ------------------------------------------------------

A, B = "131016", "112011"
CODE = "12345678901"


def person(lg: str, **changes: object) -> PersonRow:
    row = PersonRow(
        lg_code=lg,
        person_id=f"{lg}-p",
        resident_code=CODE,
        active=True,
        removal_reason=None,
        resident_since=date(2020, 4, 1),
        removed_on=None,
        planned_move_out=None,
        destination_lg_code="",
        destination_abroad=False,
        confirmed=False,
        name="山田　太郎",
        date_of_birth=date(1980, 4, 2),
        sex="male",
        address="東京都千代田区千代田1-1",
    )
    return replace(row, **changes)  # type: ignore[arg-type]


def moved_out(on: date, *, confirmed: bool = False) -> PersonRow:
    return person(
        A,
        active=False,
        removal_reason="move_out",
        removed_on=on,
        planned_move_out=on,
        destination_lg_code=B,
        confirmed=confirmed,
    )


def center(lg: str, status: str = "active", **changes: object) -> CenterRow:
    row = CenterRow(CODE, lg, f"{lg}-p", status, "山田　太郎", date(1980, 4, 2), "male", "")
    return replace(row, **changes)  # type: ignore[arg-type]


def test_a_move_out_awaiting_its_move_in_is_pending_with_a_reason_then_lost_when_overdue() -> None:
    nodes = [NodeState(A, (moved_out(date(2026, 11, 20)),)), NodeState(B, ())]
    report = reconcile(nodes, None, today=TODAY)
    assert report.ok
    assert [p.kind for p in report.pending] == [PendingKind.AWAITING_MOVE_IN]
    late = reconcile(nodes, None, today=date(2027, 6, 1))
    assert [f.kind for f in late.findings] == [FindingKind.LOST]


def test_a_refused_card_move_in_is_the_reason_a_move_out_stays_unconfirmed() -> None:
    refused = PendingMoveInRow("r1", B, A, CODE, "refused", "NOD-010", "期間外", "too late")
    nodes = [
        NodeState(A, (moved_out(date(2026, 1, 5)),)),
        NodeState(B, (), pending_move_ins=(refused,)),
    ]
    report = reconcile(nodes, None, today=TODAY)
    assert report.ok
    assert [(p.kind, p.code) for p in report.pending] == [(PendingKind.CARD_MOVE_IN, "NOD-010")]


def test_moved_in_but_not_confirmed_is_a_finding_unless_the_notice_is_still_unsent() -> None:
    arrived = person(B, resident_since=date(2026, 11, 21), address="埼玉県川越市")
    old = moved_out(date(2026, 11, 20))
    report = reconcile([NodeState(A, (old,)), NodeState(B, (arrived,))], None, today=TODAY)
    assert [f.kind for f in report.findings] == [FindingKind.UNCONFIRMED_MOVE_OUT]
    queued = NodeState(B, (arrived,), unsent=((f"municipality.{A}.move_in_notice", CODE),))
    report = reconcile([NodeState(A, (old,)), queued], None, today=TODAY)
    assert report.ok and [p.kind for p in report.pending] == [PendingKind.IN_FLIGHT]


def test_a_round_trip_while_the_transport_is_down_is_in_flight_not_unconfirmed() -> None:
    # A → B → A with nothing sent: the notice confirming A's first move-out waits in B's
    # outbox, not in A's, although the person is active at A again.
    first = moved_out(date(2026, 11, 20))
    there = person(
        B,
        person_id="b-p",
        active=False,
        removal_reason="move_out",
        resident_since=date(2026, 11, 21),
        removed_on=date(2026, 11, 24),
        planned_move_out=date(2026, 11, 24),
        destination_lg_code=A,
    )
    back = person(A, person_id="a-p2", resident_since=date(2026, 11, 25))
    silent = [NodeState(A, (first, back)), NodeState(B, (there,))]
    assert [f.kind for f in reconcile(silent, None, today=TODAY).findings] == [
        FindingKind.UNCONFIRMED_MOVE_OUT,
        FindingKind.UNCONFIRMED_MOVE_OUT,
    ]
    queued = [
        NodeState(A, (first, back), unsent=((f"municipality.{B}.move_in_notice", CODE),)),
        NodeState(B, (there,), unsent=((f"municipality.{A}.move_in_notice", CODE),)),
    ]
    report = reconcile(queued, None, today=TODAY)
    assert report.ok, report.findings
    assert [(p.kind, p.lg_code) for p in report.pending] == [
        (PendingKind.IN_FLIGHT, B),
        (PendingKind.IN_FLIGHT, A),
    ]


def test_the_center_is_compared_with_the_holder_item_by_item() -> None:
    here = person(A)
    nodes = [NodeState(A, (here,))]
    agreeing = center(A, address=here.address)
    assert reconcile(nodes, [agreeing], today=TODAY).ok
    wrong = reconcile(nodes, [replace(agreeing, name="山田　次郎", sex="female")], today=TODAY)
    assert [(f.kind, f.detail) for f in wrong.findings] == [
        (FindingKind.CENTER_ITEMS, "differ: name, sex")
    ]
    removed = reconcile(nodes, [replace(agreeing, status="removed")], today=TODAY)
    assert [f.kind for f in removed.findings] == [FindingKind.CENTER_STATUS]
    missing = reconcile(nodes, [], today=TODAY)
    assert [f.kind for f in missing.findings] == [FindingKind.CENTER_MISSING]


def test_a_stale_record_left_active_is_a_finding_unless_a_task_explains_it() -> None:
    stale = person(A)  # never filed a 転出届 at A; went to B, then abroad from B
    later = person(
        B,
        active=False,
        resident_since=date(2026, 11, 21),
        removal_reason="move_abroad",
        removed_on=date(2026, 11, 25),
        destination_abroad=True,
    )
    report = reconcile([NodeState(A, (stale,)), NodeState(B, (later,))], None, today=TODAY)
    assert [f.kind for f in report.findings] == [FindingKind.STALE_ACTIVE]
    task = TaskRow(A, "move_out_not_filed", stale.person_id, "NOD-012", "転出届なし", "not filed")
    explained = NodeState(A, (stale,), open_tasks=(task,))
    report = reconcile([explained, NodeState(B, (later,))], None, today=TODAY)
    assert report.ok and [(p.kind, p.code) for p in report.pending] == [
        (PendingKind.TASK, "NOD-012")
    ]
