"""Carry out a merger on the registries of one database: checked, reported, all or nothing.

:func:`dry_run` loads the parties' records and answers with the :class:`MergerReport` of
every change, writing nothing (not even an audit entry: the report names no person, only
towns, counts and accounts).  :func:`execute` does the same checks and then, in **one
transaction**, writes for every record a 職権 event (``municipal_merger``, the notification
id being the merger's id, so each event cites the merger), rewrites the projections,
households and support measures, re-homes the old municipalities' staff, records the
change in the places data, queues the 本人確認情報 for the center, and audits every
person.  Any failure (or a process killed midway) rolls all of it back: both old
registries stay as they were.  ``checkpoint`` is called after each record is written; the
tests raise from it to prove that.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from jichi.kernel.clock import Clock, jst_date, system_clock
from jichi.kernel.errors import Collector, JichiError
from jichi.places.change_store import load_changes, places_in_time, record_change
from jichi.places.changes import LocalChange, MergerKind
from jichi.registry import repository as repo
from jichi.registry.events import Event, EventKind, NotificationKind
from jichi.registry.merger import errors as e
from jichi.registry.merger.plan import (
    MergerPlan,
    PersonChange,
    check_renames,
    person_change,
    rewrite_address,
)
from jichi.registry.merger.plan import towns_of as party_towns
from jichi.registry.model import Address, ResidentRecord
from jichi.registry.projection import replay
from jichi.registry.state import OutboxMessage
from jichi.registry.tables import household, outbox, resident, support_measure
from jichi.security import audit
from jichi.security.actor import Actor, Role
from jichi.security.crypto import FieldCipher
from jichi.security.staff import api_token, require_role, staff
from jichi.store.engine import write_transaction

ACTION = "registry.municipal_merger"


@dataclass
class MergerReport:
    """Every change a merger makes, without naming anyone (the dry run's answer)."""

    change_id: str
    kind: str
    effective_date: date
    successor_code: str
    successor_name: str
    parties: list[str]
    records: dict[str, dict[str, int]] = field(default_factory=dict)  # code → active/removed
    towns: list[dict[str, Any]] = field(default_factory=list)  # from → to, residents
    households: int = 0
    support_measures: int = 0
    staff: list[str] = field(default_factory=list)  # re-homed accounts
    messages: int = 0  # 本人確認情報 queued for the center
    executed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "change_id": self.change_id,
            "kind": self.kind,
            "effective_date": self.effective_date.isoformat(),
            "successor": {"code": self.successor_code, "name": self.successor_name},
            "parties": self.parties,
            "records": self.records,
            "towns": self.towns,
            "households": self.households,
            "support_measures": self.support_measures,
            "staff": self.staff,
            "messages": self.messages,
            "executed": self.executed,
        }


@dataclass
class Loaded:
    """The parties' records, what the merger writes on each, and the report."""

    records: list[ResidentRecord]
    changes: list[PersonChange]
    report: MergerReport


def dry_run(
    engine: Engine, plan: MergerPlan, actor: Actor, *, clock: Clock | None = None
) -> MergerReport:
    """The report of what :func:`execute` would do; nothing is written."""
    today = jst_date((clock or system_clock())())
    with engine.connect() as conn:
        return load_plan(conn, plan, actor, today, str(uuid.uuid4())).report


def execute(
    engine: Engine,
    plan: MergerPlan,
    actor: Actor,
    cipher: FieldCipher,
    *,
    clock: Clock | None = None,
    checkpoint: Callable[[int], None] | None = None,
) -> MergerReport:
    """Carry the merger out in one transaction; a :class:`JichiError` means nothing changed."""
    now = (clock or system_clock())()
    today = jst_date(now)
    with write_transaction(engine) as conn:
        loaded = load_plan(conn, plan, actor, today, str(uuid.uuid4()))
        write_plan(conn, plan, actor, cipher, now, loaded, checkpoint)
        loaded.report.executed = True
        return loaded.report


# -- checks and the plan ------------------------------------------------------------------


def load_plan(
    conn: Connection, plan: MergerPlan, actor: Actor, today: date, change_id: str
) -> Loaded:
    """Every check of the plan against the database ``conn`` sees (all errors at once), and
    what the merger would write.  Reads only; also the first half of a merger across node
    databases, run on the target after the parties' rows were copied there."""
    require_role(actor, "places.merge", Role.SUPERVISOR, Role.ADMIN)
    collector = Collector()
    if len(set(plan.parties)) < 2:
        collector.add(JichiError(e.TOO_FEW_PARTIES, field="parties"))
    if plan.kind is MergerKind.ABSORPTION and plan.successor.code not in plan.parties:
        collector.add(
            JichiError(e.SUCCESSOR_NOT_A_PARTY, field="successor", code=plan.successor.code)
        )
    if actor.lg_code not in {*plan.parties, plan.successor.code}:
        collector.add(JichiError(e.NOT_A_PARTYS_STAFF, field="actor", lg_code=actor.lg_code))
    if plan.effective_date > today:
        collector.add(
            JichiError(e.FUTURE_MERGER, field="effective_date", on=plan.effective_date.isoformat())
        )
    places = places_in_time(conn)
    retired = {code for change in places.changes for code in change.retired}
    eve = plan.effective_date - timedelta(days=1)
    for code in plan.parties:
        if code in retired:
            collector.add(JichiError(e.ALREADY_MERGED, field="parties", code=code))
            continue
        try:
            places.as_of(code, eve)
        except JichiError:
            collector.add(
                JichiError(
                    e.PARTY_UNKNOWN, field="parties", code=code, on=plan.effective_date.isoformat()
                )
            )
    unsent = conn.execute(
        sa.select(outbox.c.lg_code, sa.func.count())
        .where(outbox.c.lg_code.in_(plan.parties), outbox.c.sent_at.is_(None))
        .group_by(outbox.c.lg_code)
    ).all()
    for code, count in sorted(unsent):
        collector.add(JichiError(e.UNSENT_MESSAGES, field="parties", code=code, count=count))
    rows = conn.execute(
        sa.select(resident.c.record)
        .where(resident.c.lg_code.in_(plan.parties))
        .order_by(resident.c.person_id)
    )
    records = [ResidentRecord.model_validate(row.record) for row in rows]
    for error in check_renames(plan, party_towns(records)):
        collector.add(error)
    collector.raise_if_any()
    changes = [
        change
        for change, record in ((person_change(r, plan), r) for r in records)
        if _changes_anything(change, record)
    ]
    report = MergerReport(
        change_id=change_id,
        kind=plan.kind.value,
        effective_date=plan.effective_date,
        successor_code=plan.successor.code,
        successor_name=plan.successor.display_name,
        parties=list(plan.parties),
    )
    for code in plan.parties:
        mine = [r for r in records if r.lg_code == code]
        report.records[code] = {
            "active": sum(r.is_active for r in mine),
            "removed": sum(not r.is_active for r in mine),
        }
    by_record = {r.person_id: r for r in records}
    towns: Counter[tuple[str, str, str, str]] = Counter()
    for change in changes:
        record = by_record[change.person_id]
        if change.active:
            new_town = str(change.changes["address"]["town"])
            towns[(record.lg_code, record.address.municipality, record.address.town, new_town)] += 1
    report.towns = [
        {"lg_code": code, "municipality": name, "town": town, "new_town": new, "residents": n}
        for (code, name, town, new), n in sorted(towns.items())
    ]
    report.messages = len(changes)
    report.households = conn.execute(
        sa.select(sa.func.count())
        .select_from(household)
        .where(household.c.lg_code.in_(plan.parties))
    ).scalar_one()
    report.support_measures = conn.execute(
        sa.select(sa.func.count())
        .select_from(support_measure)
        .where(support_measure.c.lg_code.in_(plan.moving))
    ).scalar_one()
    report.staff = list(
        conn.execute(
            sa.select(staff.c.staff_id)
            .where(staff.c.lg_code.in_(plan.moving))
            .order_by(staff.c.staff_id)
        ).scalars()
    )
    return Loaded(records, changes, report)


def _changes_anything(change: PersonChange, record: ResidentRecord) -> bool:
    if change.changes["lg_code"] != record.lg_code:
        return True
    return "address" in change.changes and change.changes["address"] != record.address.model_dump(
        mode="json"
    )


# -- writing --------------------------------------------------------------------------------


def write_plan(
    conn: Connection,
    plan: MergerPlan,
    actor: Actor,
    cipher: FieldCipher,
    now: datetime,
    loaded: Loaded,
    checkpoint: Callable[[int], None] | None,
) -> None:
    """Write the merger ``loaded`` describes in the caller's transaction (``checkpoint``
    after each record)."""
    report = loaded.report
    successor = plan.successor.code
    events = [
        Event(
            event_id=str(uuid.uuid4()),
            notification_id=report.change_id,
            person_id=change.person_id,
            lg_code=successor,
            kind=EventKind.CHANGED,
            reason=NotificationKind.MUNICIPAL_MERGER,
            effective_date=plan.effective_date,
            notified_date=plan.effective_date,
            recorded_at=now,
            recorded_by=actor.staff_id,
            changes=change.changes,
        )
        for change in loaded.changes
    ]
    history = repo.load_events(conn, [c.person_id for c in loaded.changes])
    repo.insert_events(conn, events)
    today = jst_date(now)
    messages: list[OutboxMessage] = []
    for done, ev in enumerate(events, start=1):
        current = replay([*history.get(ev.person_id, []), ev], as_of=today)
        assert current is not None
        conn.execute(
            resident.update()
            .where(resident.c.person_id == ev.person_id)
            .values(
                lg_code=current.lg_code,
                record=current.model_dump(mode="json"),
                address_key=repo.address_key(current.address),
                version=resident.c.version + 1,
                updated_at=now,
            )
        )
        # every record, 除票 too: the center must name the successor as the holder
        messages.append(_identity(current, report.change_id, plan.effective_date))
        if checkpoint is not None:
            checkpoint(done)
    _move_households(conn, plan, now)
    conn.execute(
        support_measure.update()
        .where(support_measure.c.lg_code.in_(plan.moving))
        .values(lg_code=successor)
    )
    _rehome_staff(conn, plan, now)
    previous = load_changes(conn)
    change = LocalChange(
        report.change_id, plan.kind, plan.effective_date, plan.successor, plan.parties
    )
    record_change(
        conn, change, at=now, by=actor.staff_id, summary=report.as_dict(), earlier=previous
    )
    repo.insert_notification(
        conn,
        notification_id=report.change_id,
        lg_code=successor,
        kind=NotificationKind.MUNICIPAL_MERGER.value,
        effective_date=plan.effective_date,
        notified_date=plan.effective_date,
        recorded_at=now,
        recorded_by=actor.staff_id,
        request={"basis": plan.basis, **report.as_dict(), "executed": True},
        late=False,
        flags=[],
        idempotency_key=None,
    )
    repo.insert_outbox(conn, successor, messages, now)
    audit.append_many(
        conn,
        [
            audit.AuditEntry(
                lg_code=successor,
                at=now,
                actor=actor.staff_id,
                actor_role=actor.role,
                action=ACTION,
                subject_person_id=ev.person_id,
                purpose=None,
                detail={"change_id": report.change_id},
            )
            for ev in events
        ]
        or [
            audit.AuditEntry(
                lg_code=successor,
                at=now,
                actor=actor.staff_id,
                actor_role=actor.role,
                action=ACTION,
                subject_person_id=None,
                purpose=None,
                detail={"change_id": report.change_id},
            )
        ],
        cipher.audit_key,
    )


def _identity(record: ResidentRecord, change_id: str, on: date) -> OutboxMessage:
    """本人確認情報 to the center (法30条の6), as any address change sends it."""
    return OutboxMessage(
        topic="center.identity",
        ordering_key=record.resident_code or record.person_id,
        payload={
            "notification_id": change_id,
            "reason": NotificationKind.MUNICIPAL_MERGER.value,
            "effective_date": on.isoformat(),
            "lg_code": record.lg_code,
            "person_id": record.person_id,
            "resident_code": record.resident_code,
            "name": record.name.text(),
            "name_kana": record.name.kana(),
            "date_of_birth": record.date_of_birth.isoformat(),
            "sex": record.sex.value,
            "address": record.address.text(),
            "status": record.status.value,
            "has_individual_number": record.has_individual_number,
        },
    )


def _move_households(conn: Connection, plan: MergerPlan, now: datetime) -> None:
    rows = conn.execute(sa.select(household).where(household.c.lg_code.in_(plan.parties))).all()
    for row in rows:
        before = Address.model_validate(row.address)
        after = rewrite_address(before, plan, row.lg_code) if row.active else before
        if after == before and row.lg_code == plan.successor.code:
            continue
        conn.execute(
            household.update()
            .where(household.c.household_id == row.household_id)
            .values(
                lg_code=plan.successor.code,
                address=after.model_dump(mode="json"),
                address_key=repo.address_key(after),
                version=row.version + 1,
                updated_at=now,
            )
        )


def _rehome_staff(conn: Connection, plan: MergerPlan, now: datetime) -> None:
    """The old municipalities' staff become the successor's, in the same roles; every
    token of theirs is revoked so that each signs in again on the successor's server
    (ADR 0027)."""
    moving = list(
        conn.execute(sa.select(staff.c.staff_id).where(staff.c.lg_code.in_(plan.moving))).scalars()
    )
    if not moving:
        return
    conn.execute(
        staff.update().where(staff.c.staff_id.in_(moving)).values(lg_code=plan.successor.code)
    )
    conn.execute(
        api_token.update()
        .where(api_token.c.staff_id.in_(moving), api_token.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
