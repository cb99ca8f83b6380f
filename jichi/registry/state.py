"""The slice of the registry a notification is decided against, and what it decides.

``decide`` is pure: it reads a :class:`Snapshot` (the records and households the
notification touches, loaded by the service inside its transaction) and returns a
:class:`Decision` (events, household changes, notices to send).  No database, no
clock: the service passes ``today`` and ``now`` in a :class:`Context`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from jichi.kernel.deadlines import Calendar
from jichi.registry.events import Event, NotificationKind
from jichi.registry.model import Address, ResidentRecord


@dataclass
class HouseholdState:
    household_id: str
    lg_code: str
    address: Address
    version: int = 0
    active: bool = True
    is_new: bool = False


@dataclass
class Snapshot:
    records: dict[str, ResidentRecord] = field(default_factory=dict)
    households: dict[str, HouseholdState] = field(default_factory=dict)
    # a person's events, loaded for the kinds whose rules look at history
    history: dict[str, list[Event]] = field(default_factory=dict)
    # current residents whose name and birth date match a person being recorded
    namesakes: list[ResidentRecord] = field(default_factory=list)

    def members(self, household_id: str) -> list[ResidentRecord]:
        return [r for r in self.records.values() if r.household_id == household_id and r.is_active]


@dataclass(frozen=True)
class Context:
    lg_code: str
    actor: str
    today: date
    now: datetime
    calendar: Calendar
    min_head_age: int = 15  # SECONDARY source (facts §4); configurable
    # a 出生 notified more than this many days after the birth is flagged for review
    birth_review_days: int = 365
    # a 係長 or admin is acting (記録の訂正 of a colleague's recording is theirs only)
    supervisor: bool = False


@dataclass(frozen=True)
class OutboxMessage:
    """A notice that follows a change, written in the same transaction (sent later)."""

    topic: str
    ordering_key: str  # per-person ordering
    payload: dict[str, Any]


@dataclass
class Decision:
    notification_id: str
    reason: NotificationKind
    effective_date: date
    notified_date: date
    late: bool
    events: list[Event] = field(default_factory=list)
    households: dict[str, HouseholdState] = field(default_factory=dict)  # new or changed
    outbox: list[OutboxMessage] = field(default_factory=list)
    individual_numbers: dict[str, str] = field(default_factory=dict)  # never in events
    flags: list[str] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)  # ids a caller needs back
    # 「別人として記録」: new person id → {"reason", "matches"}; the service audits each
    distinct_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
