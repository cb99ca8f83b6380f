"""Recording support measures and checking requests against them, with the audit trail.

The rules are in :mod:`jichi.registry.restrictions` (pure); this module stores the
measures and makes sure every check — granted, refused or overridden — is logged.
A refusal is written to the audit log and committed before the error is raised, so
the supervisor sees every attempt.
"""

from __future__ import annotations

import calendar
import uuid
from dataclasses import asdict, replace
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.kernel.errors import JichiError
from jichi.kernel.inputs import refuse_individual_number
from jichi.registry import repository as repo
from jichi.registry.errors import PERSON_NOT_FOUND
from jichi.registry.model import ResidentRecord
from jichi.registry.requester_identity import confirm
from jichi.registry.restrictions import (
    MEASURE_CHANGED,
    MEASURE_NOT_FOUND,
    RENEWAL_TOO_EARLY,
    OtherParty,
    Override,
    Requester,
    Restrictions,
    SupportMeasure,
    check,
    period,
    restrictions_of,
)
from jichi.registry.state import OutboxMessage
from jichi.registry.tables import resident, support_measure
from jichi.security.actor import Actor
from jichi.store.engine import write_transaction


class Protection:
    """Support measures of one municipality; built by the same composition root as Registry."""

    def __init__(self, registry: Any) -> None:
        self.registry = registry  # jichi.registry.service.Registry (engine, lg_code, clock)

    @property
    def today(self) -> date:
        from jichi.registry.service import JST

        today: date = self.registry.clock().astimezone(JST).date()
        return today

    def register(
        self,
        person_id: str,
        other_parties: list[OtherParty],
        actor: Actor,
        *,
        starts_on: date | None = None,
        basis: str,
        members: list[str] | None = None,
    ) -> SupportMeasure:
        """支援措置の申出: one year from the 申出 (or the given start).

        ``members``: the household members the measure also covers; ``None`` (the
        default) covers every member of the person's household at the same address.
        """
        refuse_individual_number(basis, field="basis")
        start, end = period(starts_on or self.today)
        chosen = tuple(dict.fromkeys(m for m in members if m != person_id)) if members else None
        measure = SupportMeasure(
            str(uuid.uuid4()), person_id, tuple(other_parties), start, end, members=chosen
        )
        with write_transaction(self.registry.engine) as conn:
            self._record(conn, person_id)
            for member in chosen or ():
                self._record(conn, member)
            conn.execute(
                support_measure.insert().values(
                    measure_id=measure.measure_id,
                    lg_code=self.registry.lg_code,
                    person_id=person_id,
                    other_parties=[_party_json(p) for p in other_parties],
                    members=list(chosen) if chosen is not None else None,
                    starts_on=start,
                    ends_on=end,
                    basis=basis,
                    version=1,
                    recorded_by=actor.staff_id,
                    recorded_at=self.registry.clock(),
                )
            )
            self._flag(conn, person_id)
            self._tell_center(conn, person_id)
            self._audit(conn, actor, "support_measure.register", person_id, measure.measure_id)
        return measure

    def renew(self, measure_id: str, expected_version: int, actor: Actor) -> SupportMeasure:
        """延長: only on request, from one month before the end (not automatic)."""
        with write_transaction(self.registry.engine) as conn:
            current = self._load(conn, measure_id, expected_version)
            opens = _one_month_before(current.ends_on)
            if self.today < opens:
                raise JichiError(RENEWAL_TOO_EARLY, field="measure_id", from_day=opens.isoformat())
            _, end = period(current.ends_on + timedelta(days=1))
            self._update(conn, current, ends_on=end)
            self._audit(conn, actor, "support_measure.renew", current.person_id, measure_id)
            return SupportMeasure(
                current.measure_id,
                current.person_id,
                current.other_parties,
                current.starts_on,
                end,
                None,
                current.version + 1,
                current.members,
            )

    def end(self, measure_id: str, expected_version: int, actor: Actor) -> None:
        """終了: needs the measure's current version (U11)."""
        with write_transaction(self.registry.engine) as conn:
            current = self._load(conn, measure_id, expected_version)
            self._update(conn, current, ended_on=self.today)
            self._flag(conn, current.person_id)
            self._tell_center(conn, current.person_id, also=current.members)
            self._audit(conn, actor, "support_measure.end", current.person_id, measure_id)

    def restrictions(
        self, person_id: str, day: date | None = None, *, actor: Actor
    ) -> Restrictions:
        """What restricts this person's record on ``day``; the read is audited on them."""
        with write_transaction(self.registry.engine) as conn:
            record = self._record(conn, person_id)
            found = restrictions_of(record, self._measures(conn, record), day or self.today)
            kinds = sorted(k.value for k in found.kinds)
            self._audit(conn, actor, "restriction.read", person_id, None, {"restrictions": kinds})
            return found

    def protected(self, person_ids: list[str]) -> dict[str, bool]:
        """For the staff screens' warning: which of these persons a support measure
        covers today (their own or a household member's).  Only this municipality's
        measures and residents are read; the other party is not part of the answer."""
        with self.registry.engine.connect() as conn:
            records = [
                r
                for r in repo.load_records(conn, person_ids).values()
                if r.lg_code == self.registry.lg_code
            ]
            found = measures_covering(conn, self.registry.lg_code, records)
        today = self.today
        return {pid: any(m.active_on(today) for m in found.get(pid, ())) for pid in person_ids}

    def other_parties(self, person_id: str, *, actor: Actor) -> list[OtherParty]:
        """The other parties of the measures covering ``person_id`` (supervisor screens);
        reading them is a restriction read, audited on the person."""
        found = self.restrictions(person_id, actor=actor)
        return [p for m in found.measures for p in m.other_parties]

    def confirm_requester(
        self, person_ids: list[str], requester: Requester, clerk: Actor, *, channel: str
    ) -> Requester:
        """本人 means the subject: check a 本人 / 同一世帯 requester against the record.

        Returns the requester with the person id they were confirmed as.  A refusal is
        audited for every person named, committed, then raised.
        """
        refusal: JichiError | None = None
        with write_transaction(self.registry.engine) as conn:
            named = [self._record(conn, pid) for pid in dict.fromkeys(person_ids)]
            household = _household(conn, self.registry.lg_code, named)
            try:
                found = confirm(requester, named, household)
            except JichiError as error:
                refusal, found = error, None
                for record in named:
                    detail = {
                        "channel": channel,
                        "requester_type": requester.type.value,
                        "outcome": "refused",
                        "code": error.code,
                        "id_document": requester.id_document,
                    }
                    self._audit(conn, clerk, "restriction.refused", record.person_id, None, detail)
        if refusal is not None:
            raise refusal
        if found is None:
            return replace(requester, confirmed=False)
        return replace(requester, person_id=found.person_id, confirmed=True)

    def check_request(
        self,
        person_id: str,
        requester: Requester,
        clerk: Actor,
        *,
        channel: str,
        override: Override | None = None,
    ) -> ResidentRecord:
        """The gate every issuing or viewing channel passes; every outcome is audited."""
        refusal: JichiError | None = None
        with write_transaction(self.registry.engine) as conn:
            record = self._record(conn, person_id)
            found = restrictions_of(record, self._measures(conn, record), self.today)
            try:
                used = check(found, requester, clerk, override)
                outcome = "overridden" if used else "granted"
            except JichiError as error:
                refusal, outcome, used = error, "refused", None
            detail: dict[str, Any] = {
                "channel": channel,
                "requester_type": requester.type.value,
                "outcome": outcome,
                "restrictions": sorted(k.value for k in found.kinds),
            }
            if override is not None:
                detail["approver"] = override.approver.staff_id
                detail["override_reason"] = override.reason
            if refusal is not None:
                detail["code"] = refusal.code
            self._audit(conn, clerk, f"restriction.{outcome}", person_id, None, detail)
        if refusal is not None:
            raise refusal
        return record

    # -- storage ----------------------------------------------------------------------

    def _record(self, conn: Connection, person_id: str) -> ResidentRecord:
        record = repo.load_records(conn, [person_id]).get(person_id)
        if record is None or record.lg_code != self.registry.lg_code:
            raise JichiError(PERSON_NOT_FOUND, field="person_id", person_id=person_id)
        return record

    def _measures(self, conn: Connection, record: ResidentRecord) -> list[SupportMeasure]:
        return measures_covering(conn, self.registry.lg_code, [record]).get(record.person_id, [])

    def _own(self, conn: Connection, person_id: str) -> list[SupportMeasure]:
        rows = conn.execute(
            sa.select(support_measure).where(
                support_measure.c.person_id == person_id,
                support_measure.c.lg_code == self.registry.lg_code,
            )
        )
        return [_measure(row) for row in rows]

    def _load(self, conn: Connection, measure_id: str, expected: int) -> SupportMeasure:
        row = conn.execute(
            sa.select(support_measure).where(
                support_measure.c.measure_id == measure_id,
                support_measure.c.lg_code == self.registry.lg_code,
            )
        ).first()
        if row is None:
            raise JichiError(MEASURE_NOT_FOUND, field="measure_id", measure_id=measure_id)
        measure = _measure(row)
        if measure.version != expected:
            raise JichiError(
                MEASURE_CHANGED, field="expected_version", measure_id=measure_id, expected=expected
            )
        return measure

    def _update(self, conn: Connection, current: SupportMeasure, **values: Any) -> None:
        result = conn.execute(
            support_measure.update()
            .where(
                support_measure.c.measure_id == current.measure_id,
                support_measure.c.lg_code == self.registry.lg_code,
                support_measure.c.version == current.version,
            )
            .values(version=current.version + 1, **values)
        )
        if result.rowcount != 1:
            raise JichiError(
                MEASURE_CHANGED,
                field="expected_version",
                measure_id=current.measure_id,
                expected=current.version,
            )

    def _flag(self, conn: Connection, person_id: str) -> None:
        active = any(m.active_on(self.today) for m in self._own(conn, person_id))
        conn.execute(
            resident.update()
            .where(resident.c.person_id == person_id, resident.c.lg_code == self.registry.lg_code)
            .values(restricted=active)
        )

    def _tell_center(
        self, conn: Connection, person_id: str, also: tuple[str, ...] | None = None
    ) -> None:
        """本人確認情報 to the center with the ``protected`` flag (never the measure's
        details), for every person the change may cover: the protected person, the
        members named, the household at the same address.  Same transaction."""
        record = self._record(conn, person_id)
        ids = {person_id, *(also or ())}
        for m in self._own(conn, person_id):
            ids.update(m.members or ())
        ids.update(r.person_id for r in _household(conn, self.registry.lg_code, [record]))
        records = [r for r in repo.load_records(conn, ids).values() if r.resident_code]
        covering = measures_covering(conn, self.registry.lg_code, records)
        now, today = self.registry.clock(), self.today
        messages = [
            OutboxMessage(
                topic="center.identity",
                ordering_key=r.resident_code,
                payload={
                    "notification_id": None,
                    "reason": "support_measure",
                    "effective_date": today.isoformat(),
                    "lg_code": self.registry.lg_code,
                    "person_id": r.person_id,
                    "resident_code": r.resident_code,
                    "name": r.name.text(),
                    "name_kana": r.name.kana(),
                    "date_of_birth": r.date_of_birth.isoformat(),
                    "sex": r.sex.value,
                    "address": r.address.text(),
                    "status": r.status.value,
                    "has_individual_number": r.has_individual_number,
                    "protected": any(m.active_on(today) for m in covering.get(r.person_id, ())),
                },
            )
            for r in sorted(records, key=lambda r: r.person_id)
        ]
        repo.insert_outbox(conn, self.registry.lg_code, messages, now)

    def _audit(
        self,
        conn: Connection,
        actor: Actor,
        action: str,
        person_id: str,
        measure_id: str | None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self.registry.audit(
            conn,
            actor,
            action=action,
            subject_person_id=person_id,
            detail=detail or {"measure_id": measure_id},
        )


def _party_json(party: OtherParty) -> dict[str, Any]:
    data = asdict(party)
    data["date_of_birth"] = party.date_of_birth.isoformat() if party.date_of_birth else None
    return data


def _measure(row: Any) -> SupportMeasure:
    return SupportMeasure(
        measure_id=row.measure_id,
        person_id=row.person_id,
        other_parties=tuple(
            OtherParty(
                name=p["name"],
                date_of_birth=date.fromisoformat(p["date_of_birth"])
                if p.get("date_of_birth")
                else None,
                person_id=p.get("person_id"),
                address=p.get("address") or "",
            )
            for p in row.other_parties
        ),
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        ended_on=row.ended_on,
        version=row.version,
        members=tuple(row.members) if row.members is not None else None,
    )


def measures_covering(
    conn: Connection, lg_code: str, records: list[ResidentRecord]
) -> dict[str, list[SupportMeasure]]:
    """The measures (any state) that cover each record: its own, and those of a household
    member that name it, or — naming nobody — cover the household at the same address.

    A measure covering only its one person let a third party obtain the copy of the
    protected person's household head or child (issue 9).  One query for the measures of
    the records' households, one for those that name members, one for their persons.
    """
    if not records:
        return {}
    households = {r.household_id for r in records}
    in_households = sa.select(resident.c.person_id).where(
        resident.c.lg_code == lg_code, resident.c.household_id.in_(households)
    )
    rows = conn.execute(
        sa.select(support_measure).where(
            support_measure.c.lg_code == lg_code,
            sa.or_(
                support_measure.c.person_id.in_(in_households),
                support_measure.c.person_id.in_([r.person_id for r in records]),
                support_measure.c.members.is_not(None),
            ),
        )
    ).all()
    measures = [_measure(row) for row in rows]
    protected = repo.load_records(conn, {m.person_id for m in measures})
    found: dict[str, list[SupportMeasure]] = {}
    for record in records:
        for m in measures:
            if _covers(m, protected.get(m.person_id), record):
                found.setdefault(record.person_id, []).append(m)
    return found


def _covers(
    measure: SupportMeasure, protected: ResidentRecord | None, record: ResidentRecord
) -> bool:
    if measure.person_id == record.person_id:
        return True
    if measure.members is not None:
        return record.person_id in measure.members
    return (
        protected is not None
        and protected.household_id == record.household_id
        and protected.address.same_place(record.address)
    )


def _household(conn: Connection, lg_code: str, named: list[ResidentRecord]) -> list[ResidentRecord]:
    """The current members of the named persons' household(s)."""
    ids = conn.execute(
        sa.select(resident.c.person_id).where(
            resident.c.lg_code == lg_code,
            resident.c.household_id.in_({r.household_id for r in named}),
            resident.c.status == "active",
        )
    ).scalars()
    return list(repo.load_records(conn, set(ids)).values())


def _one_month_before(day: date) -> date:
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
