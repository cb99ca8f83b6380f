"""The registry's invariants, checked over the stored tables (``jichi registry check``).

Each decision keeps them as it writes; this module checks that they still hold on
what is actually stored, as a daily job or after a restore would: whatever changed
the tables behind the service (a hand-made UPDATE, a bad restore, a bug) shows here.

- **one head per household**: every household with current members has exactly one
  世帯主 among them, and every current member's household exists and is current;
- **nobody in two households**: no 住民票コード and no individual number (by its
  lookup hash) is current on two records;
- **removed records are immutable**: once a record is a 除票 in the fold, only the acts
  that the law applies to a 除票 (転出確定, 転出取消, 回復, 職権修正) change it;
- **the audit chain**: every row's hash chain and keyed MAC (migration 0019).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.registry.events import Event, NotificationKind
from jichi.registry.model import Status
from jichi.registry.projection import apply, ordered
from jichi.registry.rebuild import BATCH, people_events
from jichi.registry.tables import household, resident
from jichi.security import audit
from jichi.security.keys import AuditKey

HEAD = "世帯主"
ALLOWED_ON_REMOVED = frozenset(
    {
        NotificationKind.MOVE_OUT_CONFIRMED,
        NotificationKind.MOVE_OUT_CANCELLED,
        NotificationKind.RESTORATION,
        NotificationKind.EX_OFFICIO_CORRECTION,
    }
)
"""The acts that may change a 除票 (a second removal is ignored by the fold)."""


class Invariant(StrEnum):
    ONE_HEAD = "one_head"
    NO_HOUSEHOLD = "no_household"
    TWO_HOUSEHOLDS = "two_households"
    REMOVED_CHANGED = "removed_changed"
    AUDIT_CHAIN = "audit_chain"

    @property
    def label_ja(self) -> str:
        return _LABELS[self]


_LABELS = {
    Invariant.ONE_HEAD: "世帯主が一人ではない世帯",
    Invariant.NO_HOUSEHOLD: "世帯がない・消除された世帯に属する住民",
    Invariant.TWO_HOUSEHOLDS: "同じ住民票コード・個人番号が二つの住民票に",
    Invariant.REMOVED_CHANGED: "除票が変更されている",
    Invariant.AUDIT_CHAIN: "監査ログのチェーンが壊れている",
}


@dataclass(frozen=True)
class Violation:
    """One broken invariant, by the people (and household) it concerns; no values."""

    invariant: Invariant
    person_ids: tuple[str, ...] = ()
    household_id: str | None = None
    detail: str = ""


@dataclass
class CheckReport:
    violations: list[Violation] = field(default_factory=list)
    people: int = 0
    audit_rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.violations


def check(
    conn: Connection,
    lg_code: str,
    audit_key: AuditKey,
    *,
    progress: Callable[[str, int], None] | None = None,
) -> CheckReport:
    """Every invariant for ``lg_code`` (the audit chain is the whole log's)."""
    report = CheckReport()
    report.violations += households(conn, lg_code)
    report.violations += two_households(conn, lg_code)
    report.violations += removed_changed(conn, lg_code, report, progress)
    result = audit.verify(
        conn, audit_key, progress=(lambda n: progress("audit", n)) if progress else None
    )
    report.audit_rows = result.checked
    if not result.ok:
        assert result.reason is not None
        detail = f"seq {result.first_bad_seq}: {result.reason.value}"
        report.violations.append(Violation(Invariant.AUDIT_CHAIN, detail=detail))
    return report


def households(conn: Connection, lg_code: str) -> list[Violation]:
    """One head among each household's current members; each member's household current.

    Both are aggregates in SQL, so only the households that break a rule are fetched
    member by member: memory stays flat however large the registry.
    """
    current = sa.and_(resident.c.lg_code == lg_code, resident.c.status == Status.ACTIVE.value)
    heads = sa.func.sum(sa.case((resident.c.relationship == HEAD, 1), else_=0))
    bad_heads = conn.execute(
        sa.select(resident.c.household_id, heads.label("heads"))
        .where(current)
        .group_by(resident.c.household_id)
        .having(heads != 1)
        .order_by(resident.c.household_id)
    ).all()
    live_household = sa.exists().where(
        household.c.household_id == resident.c.household_id, household.c.active.is_(True)
    )
    homeless = conn.execute(
        sa.select(resident.c.household_id).distinct().where(current, ~live_household)
    ).scalars()
    found: list[Violation] = []
    for household_id in sorted(homeless):
        found.append(
            Violation(Invariant.NO_HOUSEHOLD, _members(conn, household_id, lg_code), household_id)
        )
    for row in bad_heads:
        members = _members(conn, row.household_id, lg_code, heads_only=row.heads > 1)
        detail = f"heads={row.heads}"
        found.append(Violation(Invariant.ONE_HEAD, members, row.household_id, detail))
    return found


def _members(
    conn: Connection, household_id: str, lg_code: str, *, heads_only: bool = False
) -> tuple[str, ...]:
    query = sa.select(resident.c.person_id).where(
        resident.c.household_id == household_id,
        resident.c.lg_code == lg_code,
        resident.c.status == Status.ACTIVE.value,
    )
    if heads_only:
        query = query.where(resident.c.relationship == HEAD)
    return tuple(conn.execute(query.order_by(resident.c.person_id)).scalars())


def two_households(conn: Connection, lg_code: str) -> list[Violation]:
    """The same person (住民票コード, or individual number hash) current on two records.

    Within one municipality a unique index already forbids two rows with one 住民票コード;
    across the municipalities that share this database (or were restored into it) only
    this check sees it, so the groups span every municipality and are reported when one
    of their records is ``lg_code``'s.
    """
    found: list[Violation] = []
    for column, what in (
        (resident.c.resident_code, "resident_code"),
        (resident.c.individual_number_hash, "individual_number"),
    ):
        current = sa.and_(resident.c.status == Status.ACTIVE.value, column.is_not(None))
        ours = sa.func.sum(sa.case((resident.c.lg_code == lg_code, 1), else_=0))
        doubled = (
            sa.select(column).where(current).group_by(column).having(sa.func.count() > 1, ours > 0)
        )
        rows = conn.execute(
            sa.select(column.label("key"), resident.c.person_id, resident.c.lg_code)
            .where(current, column.in_(doubled))
            .order_by(column, resident.c.person_id)
        )
        groups: dict[str, list[tuple[str, str]]] = {}
        for row in rows:
            groups.setdefault(row.key, []).append((row.person_id, row.lg_code))
        for pairs in groups.values():
            ids = tuple(pid for pid, _ in pairs)
            places = sorted({lg for _, lg in pairs})
            detail = f"{what} current in {', '.join(places)}"
            found.append(Violation(Invariant.TWO_HOUSEHOLDS, ids, detail=detail))
    return found


def removed_changed(
    conn: Connection,
    lg_code: str,
    report: CheckReport,
    progress: Callable[[str, int], None] | None = None,
) -> list[Violation]:
    """Fold each person's log; a change to a 除票 by any other act is a violation."""
    found: list[Violation] = []
    for person_id, events in people_events(conn, lg_code):
        report.people += 1
        culprit = first_change_to_removed(events)
        if culprit is not None:
            detail = f"event {culprit.event_id} ({culprit.reason.value})"
            found.append(Violation(Invariant.REMOVED_CHANGED, (person_id,), detail=detail))
        if progress is not None and report.people % BATCH == 0:
            progress("people", report.people)
    if progress is not None:
        progress("people", report.people)
    return found


def first_change_to_removed(events: list[Event]) -> Event | None:
    """The first event that changes a 除票 although its act may not; None if none does."""
    record = None
    for event in ordered(events):
        folded = apply(record, event)
        frozen = record is not None and not record.is_active
        if frozen and event.reason not in ALLOWED_ON_REMOVED and folded != record:
            return event
        record = folded
    return None
