"""Apply a notification: one handler, one unit of work, one transaction.

Load the slice of the registry the notification touches, decide (pure), then write
events, projections, households (with optimistic version checks), the notification,
the outbox and the audit entry — all or nothing.  Reads of a person's data go through
:func:`read_record`, which writes its own audit entry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy import Engine

from jichi.kernel.clock import JST as JST  # the registry's day; re-exported for callers
from jichi.kernel.clock import Clock, aware, jst_date, system_clock
from jichi.kernel.deadlines import Calendar
from jichi.kernel.errors import JichiError
from jichi.kernel.text import name_search_key
from jichi.places.change_store import codes_held
from jichi.registry import commands as c
from jichi.registry import errors as e
from jichi.registry import queries, review
from jichi.registry import repository as repo
from jichi.registry.decide import decide
from jichi.registry.events import Event
from jichi.registry.model import ResidentRecord
from jichi.registry.projection import replay
from jichi.registry.queries import SearchPage, SearchQuery
from jichi.registry.roll_forward import roll_forward
from jichi.registry.state import Context, Decision, Snapshot
from jichi.registry.tables import notification, resident
from jichi.security import audit
from jichi.security.actor import Actor
from jichi.security.crypto import FieldCipher
from jichi.security.policy import SUPERVISOR_ROLES
from jichi.store.engine import write_transaction

NUMBER_CONTEXT = "individual_number"
HISTORY_KINDS = {"correction", "former_surname"}
NEW_PERSON_KINDS = {"move_in", "ex_officio_record"}  # checked for likely duplicates
notification_adapter: TypeAdapter[Any] = TypeAdapter(c.Notification)

#: A domain-event listener: called with the open connection and each new event, inside the
#: transaction that records it, so its writes commit or roll back with the event (ADR 0011).
EventListener = Callable[[sa.Connection, Event], None]


@dataclass(frozen=True)
class Applied:
    notification_id: str
    kind: str
    late: bool
    flags: list[str]
    person_ids: list[str]
    result: dict[str, Any] = field(default_factory=dict)
    replayed: bool = False  # an idempotent retry of an earlier request


class Registry:
    """The registry of one municipality: the composition root hands it its parts."""

    def __init__(
        self,
        engine: Engine,
        lg_code: str,
        cipher: FieldCipher,
        *,
        calendar: Calendar | None = None,
        clock: Clock | None = None,
        min_head_age: int = 15,
        listeners: Sequence[EventListener] = (),
    ) -> None:
        self.engine = engine
        self.lg_code = lg_code
        self.cipher = cipher
        self.calendar = calendar or Calendar()
        self.clock = clock or system_clock()
        self.min_head_age = min_head_age
        self.listeners = tuple(listeners)  # wired by the composition root, never imported here

    def parse(self, data: dict[str, Any]) -> Any:
        return notification_adapter.validate_python(data)

    def apply(
        self,
        cmd: Any,
        actor: Actor,
        *,
        idempotency_key: str | None = None,
        conn: sa.Connection | None = None,
    ) -> Applied:
        """Validate and record ``cmd``; a :class:`JichiError` means nothing was written.

        With ``conn`` the writes join the caller's open transaction (a network node
        applies a received message and remembers it in its inbox in one transaction);
        the caller commits or rolls back, and owns the whole unit of work.
        """
        if conn is not None:
            return self._apply(conn, cmd, actor, idempotency_key)
        with write_transaction(self.engine) as own:
            return self._apply(own, cmd, actor, idempotency_key)

    def _apply(
        self, conn: sa.Connection, cmd: Any, actor: Actor, idempotency_key: str | None
    ) -> Applied:
        self._check_actor(actor)
        if idempotency_key:
            earlier = conn.execute(
                sa.select(notification.c.notification_id, notification.c.kind).where(
                    notification.c.idempotency_key == idempotency_key
                )
            ).first()
            if earlier is not None:
                return Applied(earlier.notification_id, earlier.kind, False, [], [], {}, True)
        now, snapshot, decision = self._decide(conn, cmd, actor)
        self._write(conn, cmd, decision, snapshot, actor, now, idempotency_key)
        person_ids = sorted({ev.person_id for ev in decision.events})
        return Applied(
            decision.notification_id,
            cmd.kind,
            decision.late,
            decision.flags,
            person_ids,
            decision.result,
        )

    def _decide(
        self, conn: sa.Connection, cmd: Any, actor: Actor, before: dict[str, Any] | None = None
    ) -> tuple[datetime, Snapshot, Decision]:
        """Every check of a notification against the registry, nothing written.

        ``before`` (when given) receives the records as they were loaded, so a caller can
        compare them with the snapshot's records after the decision.
        """
        now = self.clock()
        ctx = Context(
            lg_code=self.lg_code,
            actor=actor.staff_id,
            today=now.astimezone(JST).date(),
            now=now,
            calendar=self.calendar,
            min_head_age=self.min_head_age,
            supervisor=actor.role in SUPERVISOR_ROLES,
        )
        snapshot = self._snapshot(conn, cmd, ctx.today)
        for household_id, expected in cmd.expected_versions.items():
            state = snapshot.households.get(household_id)
            if state is None or state.version != expected:
                raise JichiError(
                    e.CONFLICT,
                    field="expected_versions",
                    household_id=household_id,
                    expected=expected,
                )
        if before is not None:
            before.update(snapshot.records)
        decision = decide(cmd, snapshot, ctx)
        self._check_numbers(conn, decision)
        return now, snapshot, decision

    def preview(self, cmd: Any, actor: Actor) -> review.Review:
        """What ``cmd`` would change (the 確認 page), with every check run; nothing recorded.

        The people shown are audited (``notification.previewed``): the page shows their
        items before and after.
        """
        self._check_actor(actor)
        with write_transaction(self.engine) as conn:
            before: dict[str, Any] = {}
            _, snapshot, decision = self._decide(conn, cmd, actor, before)
            touched = list(dict.fromkeys(ev.person_id for ev in decision.events))
            after = {pid: snapshot.records[pid] for pid in touched}
            existing = [pid for pid in touched if pid in before]
            if existing:
                self.audit_each(conn, actor, existing, action="notification.previewed")
            return review.Review(
                kind=cmd.kind,
                reason=decision.reason,
                effective_date=decision.effective_date,
                notified_date=decision.notified_date,
                late=decision.late,
                flags=decision.flags,
                persons=review.changes({pid: before.get(pid) for pid in touched}, after),
                distinct=sorted(decision.distinct_overrides),
            )

    def recording(self, notification_id: str, actor: Actor) -> review.Recording:
        """One recorded notification read back (the result page); audited per person."""
        self._check_actor(actor)
        with write_transaction(self.engine) as conn:
            found = review.recording(conn, self.lg_code, notification_id)
            if found is None:
                raise JichiError(
                    e.RECORDING_NOT_FOUND, field="notification_id", notification_id=notification_id
                )
            self.audit_each(
                conn,
                actor,
                sorted(found.records),
                action="notification.read",
                detail={"notification_id": notification_id},
            )
            return found

    # -- loading --------------------------------------------------------------------

    def _due(
        self, conn: sa.Connection, records: dict[str, ResidentRecord], today: date
    ) -> dict[str, ResidentRecord]:
        """Rows of a move-out whose planned day has come but that the daily roll-forward
        has not reached yet: the decision must see them as they are today."""
        due = [
            pid
            for pid, r in records.items()
            if r.is_active and r.planned_move_out is not None and r.planned_move_out <= today
        ]
        if not due:
            return {}
        events = repo.load_events(conn, due)
        today_records = {pid: replay(events.get(pid, []), as_of=today) for pid in due}
        return {pid: r for pid, r in today_records.items() if r is not None}

    def _snapshot(self, conn: sa.Connection, cmd: Any, today: date) -> Snapshot:
        person_ids: set[str] = set()
        for name in ("person_id", "new_head_id", "remaining_head_id"):
            value = getattr(cmd, name, None)
            if value:
                person_ids.add(value)
        person_ids.update(getattr(cmd, "person_ids", []) or [])
        person_ids.update(getattr(cmd, "relationships", {}) or {})
        history: dict[str, list[Event]] = {}
        if getattr(cmd, "kind", "") == "recording_correction":
            history = repo.load_events(
                conn, repo.notification_persons(conn, self.lg_code, cmd.notification_id)
            )
            person_ids.update(history)
        records = {
            pid: r
            for pid, r in repo.load_records(conn, person_ids).items()
            if r.lg_code == self.lg_code  # a clerk sees only their municipality
        }
        household_ids = {r.household_id for r in records.values()}
        household_ids.update(  # the households a correction may put its people back into
            str(ev.changes["household_id"])
            for events in history.values()
            for ev in events
            if ev.changes.get("household_id")
        )
        for name in ("household_id", "into_household_id", "join_household_id"):
            value = getattr(cmd, name, None)
            if value:
                household_ids.add(value)
        households = {
            hid: h
            for hid, h in repo.load_households(conn, household_ids).items()
            if h.lg_code == self.lg_code
        }
        records.update(repo.load_members(conn, households))
        records.update(self._due(conn, records, today))
        snapshot = Snapshot(records=records, households=households, history=history)
        if getattr(cmd, "kind", "") in NEW_PERSON_KINDS:
            people = [
                (name_search_key(p.name.family + p.name.given), p.date_of_birth)
                for p in cmd.persons
            ]
            snapshot.namesakes = repo.load_namesakes(conn, self.lg_code, people)
        if getattr(cmd, "kind", "") in HISTORY_KINDS:
            snapshot.history[cmd.person_id] = repo.load_events(conn, [cmd.person_id]).get(
                cmd.person_id, []
            )
        return snapshot

    # -- checks that need the database ------------------------------------------------

    def _check_numbers(self, conn: sa.Connection, decision: Decision) -> None:
        codes = [
            (ev.person_id, ev.changes.get("resident_code"))
            for ev in decision.events
            if ev.changes.get("resident_code")
        ]
        for person_id, code in codes:
            clash = conn.execute(
                sa.select(resident.c.person_id).where(
                    resident.c.lg_code == self.lg_code,
                    resident.c.resident_code == code,
                    resident.c.status == "active",
                    resident.c.person_id != person_id,
                )
            ).first()
            if clash is not None:
                raise JichiError(e.DUPLICATE_RESIDENT_CODE, field="resident_code")
        for person_id, number in decision.individual_numbers.items():
            digest = self.cipher.lookup_hash(number, context=NUMBER_CONTEXT)
            clash = conn.execute(
                sa.select(resident.c.person_id).where(
                    resident.c.individual_number_hash == digest,
                    resident.c.status == "active",
                    resident.c.person_id != person_id,
                )
            ).first()
            if clash is not None:
                raise JichiError(e.DUPLICATE_INDIVIDUAL_NUMBER, field="individual_number")

    def _check_actor(self, actor: Actor) -> None:
        if actor.lg_code != self.lg_code:
            raise JichiError(e.WRONG_TENANT, field="actor", lg_code=self.lg_code)

    # -- writing ----------------------------------------------------------------------

    def _write(
        self,
        conn: sa.Connection,
        cmd: Any,
        decision: Decision,
        snapshot: Snapshot,
        actor: Actor,
        now: datetime,
        idempotency_key: str | None,
    ) -> None:
        touched = {ev.person_id for ev in decision.events}
        stored = repo.load_records(conn, touched)
        history = repo.load_events(conn, touched)
        repo.insert_events(conn, decision.events)
        households = dict(decision.households)
        for pid in touched:
            record = snapshot.records[pid]
            for hid in {record.household_id, stored[pid].household_id if pid in stored else ""}:
                if hid and hid in snapshot.households and hid not in households:
                    households[hid] = snapshot.households[hid]
        for state in households.values():
            if not repo.save_household(conn, state, now):
                raise JichiError(
                    e.CONFLICT,
                    field="household_id",
                    household_id=state.household_id,
                    expected=state.version,
                )
        new_events: dict[str, list[Event]] = {}
        for ev in decision.events:
            new_events.setdefault(ev.person_id, []).append(ev)
        today = jst_date(now)
        for pid in sorted(touched):
            events = [*history.get(pid, []), *new_events[pid]]
            # The decision saw the record up to its own latest 異動日 (a move-out filed in
            # advance looks ahead to its day); the row holds the record as of today.
            horizon = max([today, *(ev.effective_date for ev in new_events[pid])])
            seen = replay(events, as_of=horizon)
            current = replay(events, as_of=today) or seen
            assert current is not None and seen is not None
            if (seen.status, seen.household_id, seen.relationship) != (
                snapshot.records[pid].status,
                snapshot.records[pid].household_id,
                snapshot.records[pid].relationship,
            ):
                # A back-dated event reorders history in a way the decision did not see.
                raise JichiError(e.HISTORY_CONFLICT, field="effective_date")
            number = decision.individual_numbers.get(pid)
            row = repo.resident_row(
                current,
                number_hash=self.cipher.lookup_hash(number, context=NUMBER_CONTEXT)
                if number
                else None,
                number_enc=self.cipher.encrypt(number, context=NUMBER_CONTEXT) if number else None,
                restricted=False,
                version=len(events),
                now=now,
            )
            repo.upsert_resident(conn, row, exists=pid in stored)
        for ev in decision.events:
            for listener in self.listeners:
                listener(conn, ev)
        repo.insert_notification(
            conn,
            notification_id=decision.notification_id,
            lg_code=self.lg_code,
            kind=cmd.kind,
            effective_date=decision.effective_date,
            notified_date=decision.notified_date,
            recorded_at=now,
            recorded_by=actor.staff_id,
            request=redacted(cmd),
            late=decision.late,
            flags=decision.flags,
            idempotency_key=idempotency_key,
        )
        repo.insert_outbox(conn, self.lg_code, decision.outbox, now)
        for pid in sorted(touched):
            self.audit(
                conn,
                actor,
                at=now,
                action=f"notification.{cmd.kind}",
                subject_person_id=pid,
                detail={"notification_id": decision.notification_id},
            )
        for pid, override in sorted(decision.distinct_overrides.items()):
            # 「別人として記録」: the clerk's word against the duplicate check, on record.
            self.audit(
                conn,
                actor,
                at=now,
                action="notification.recorded_as_distinct",
                subject_person_id=pid,
                detail={"notification_id": decision.notification_id, **override},
            )

    def audit(
        self,
        conn: sa.Connection,
        actor: Actor,
        *,
        action: str,
        at: datetime | None = None,
        subject_person_id: str | None = None,
        purpose: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """One audit entry in the caller's transaction (every read and write of a person)."""
        self.audit_each(
            conn, actor, [subject_person_id], action=action, at=at, purpose=purpose, detail=detail
        )

    def audit_each(
        self,
        conn: sa.Connection,
        actor: Actor,
        person_ids: Sequence[str | None],
        *,
        action: str,
        at: datetime | None = None,
        purpose: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """One entry per person (so each one's own page lists it), one insert for all."""
        when = at or self.clock()
        entries = [
            audit.AuditEntry(
                lg_code=self.lg_code,
                at=when,
                actor=actor.staff_id,
                actor_role=actor.role,
                action=action,
                subject_person_id=person_id,
                purpose=purpose,
                detail=detail or {},
            )
            for person_id in person_ids
        ]
        audit.append_many(conn, entries, self.cipher.audit_key)

    def roll_forward(self, actor: Actor) -> list[str]:
        """Move-outs filed in advance whose day has come become 除票 (daily; audited)."""
        self._check_actor(actor)
        now = self.clock()
        with write_transaction(self.engine) as conn:
            changed = roll_forward(conn, self.lg_code, jst_date(now), now)
            if changed:
                self.audit_each(conn, actor, changed, action="registry.roll_forward", at=now)
            return changed

    # -- reads ------------------------------------------------------------------------

    def read_record(
        self,
        person_id: str,
        actor: Actor,
        *,
        as_of: date | None = None,
        recorded_by: datetime | None = None,
        purpose: str | None = None,
    ) -> ResidentRecord:
        """A person's record (now, as of a 異動日, or as known at a moment); audited."""
        self._check_actor(actor)
        if recorded_by is not None:
            recorded_by = aware(recorded_by, field="recorded_by")  # naive: JST
        with write_transaction(self.engine) as conn:
            events = repo.load_events(conn, [person_id]).get(person_id, [])
            held = codes_held(conn, self.lg_code)  # a successor holds its predecessors' books
            events = [ev for ev in events if ev.lg_code in held]
            # "now" is as of today: a move-out filed for a later day has not happened yet
            day = as_of or jst_date(self.clock())
            record = replay(events, as_of=day, recorded_by=recorded_by)
            if record is None:
                raise JichiError(e.PERSON_NOT_FOUND, field="person_id", person_id=person_id)
            self.audit(
                conn,
                actor,
                action="resident.read",
                subject_person_id=person_id,
                purpose=purpose,
                detail={
                    "as_of": as_of.isoformat() if as_of else None,
                    "recorded_by": recorded_by.isoformat() if recorded_by else None,
                },
            )
            return record

    def names(self, person_ids: Sequence[str], actor: Actor, *, purpose: str) -> dict[str, str]:
        """The 氏名 of these people (current and removed records of this municipality).

        For screens that list people by id (the audit log): the name is personal data,
        so each person shown gets an audit entry (``resident.name``) with ``purpose``.
        """
        self._check_actor(actor)
        wanted = sorted({p for p in person_ids if p})
        if not wanted:
            return {}
        with write_transaction(self.engine) as conn:
            rows = conn.execute(
                sa.select(resident.c.person_id, resident.c.record).where(
                    resident.c.lg_code == self.lg_code, resident.c.person_id.in_(wanted)
                )
            ).all()
            found = {r.person_id: ResidentRecord.model_validate(r.record) for r in rows}
            self.audit_each(conn, actor, sorted(found), action="resident.name", purpose=purpose)
            return {pid: record.name.text() for pid, record in found.items()}

    def history(self, person_id: str, actor: Actor) -> list[Event]:
        """Every event of a person, in the order it was written; audited."""
        self._check_actor(actor)
        with write_transaction(self.engine) as conn:
            held = codes_held(conn, self.lg_code)
            events = [
                ev
                for ev in repo.load_events(conn, [person_id]).get(person_id, [])
                if ev.lg_code in held
            ]
            if not events:
                raise JichiError(e.PERSON_NOT_FOUND, field="person_id", person_id=person_id)
            self.audit(
                conn,
                actor,
                action="resident.history",
                subject_person_id=person_id,
            )
            return events

    def search(self, query: SearchQuery, actor: Actor) -> SearchPage:
        """A page of records; one audit entry per person shown (one if nobody was)."""
        self._check_actor(actor)
        if query.is_empty():
            raise JichiError(e.EMPTY_SEARCH, field="name")
        with write_transaction(self.engine) as conn:
            page = queries.search(conn, self.lg_code, query)
            shown = [r.person_id for r in page.records]
            self.audit_each(
                conn,
                actor,
                shown or [None],
                action="resident.search",
                detail={"results": len(shown)},
            )
            return page

    def household(self, household_id: str, actor: Actor) -> tuple[int, list[ResidentRecord]] | None:
        """The household's version and its current members in the standard order."""
        self._check_actor(actor)
        with write_transaction(self.engine) as conn:
            state = repo.load_households(conn, [household_id]).get(household_id)
            if state is None or state.lg_code != self.lg_code:
                return None
            members = order_members(list(repo.load_members(conn, [household_id]).values()))
            for member in members:
                self.audit(
                    conn,
                    actor,
                    action="household.read",
                    subject_person_id=member.person_id,
                    detail={"household_id": household_id},
                )
            return state.version, members


def order_members(members: list[ResidentRecord]) -> list[ResidentRecord]:
    """世帯連記式 order (spec 5.2): head first, then by rank and birth date."""
    from jichi.registry.relationship import Relationship
    from jichi.registry.relationship_order import Member
    from jichi.registry.relationship_order import order_members as standard_order

    by_id = {m.person_id: m for m in members}
    ordered = standard_order(
        [
            Member(
                id=m.person_id,
                relationship=Relationship.parse(m.relationship, deep_as_enko=True),
                birth_date=m.date_of_birth,
                addressee_number=m.person_id,
            )
            for m in members
        ]
    )
    return [by_id[m.id] for m in ordered]


def redacted(cmd: Any) -> dict[str, Any]:
    """The request as stored: individual numbers replaced by a marker."""
    data: dict[str, Any] = cmd.model_dump(mode="json")

    def scrub(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: ("[redacted]" if k == "individual_number" and v else scrub(v))
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [scrub(v) for v in value]
        return value

    result: dict[str, Any] = scrub(data)
    return result
