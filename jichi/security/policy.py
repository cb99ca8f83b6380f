"""Who may do what: the one role policy the API, the counter pages and the CLI all consult.

Before this module each entry point kept its own list (the API a set of supervisor
kinds, the pages a flag per form, the CLI nothing at all), so a clerk could record a
職権消除 through ``jichi registry apply`` that the API would have refused.  Every check
now names an action here, and a test compares the entry points against this table.
"""

from __future__ import annotations

from jichi.security.actor import Actor, Role
from jichi.security.staff import require_role

STAFF_ROLES: tuple[Role, ...] = (Role.CLERK, Role.SUPERVISOR, Role.ADMIN)
"""Staff who serve residents at the counter: read records, file ordinary notifications."""
SUPERVISOR_ROLES: tuple[Role, ...] = (Role.SUPERVISOR, Role.ADMIN)
"""係長 and admin: corrections, ex-officio acts, support measures, bulk migration."""
AUDIT_ROLES: tuple[Role, ...] = (Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN)
"""Who may read the audit log."""
ADMIN_ROLES: tuple[Role, ...] = (Role.ADMIN,)
"""Staff accounts and their credentials."""
COMMISSION_ROLES: tuple[Role, ...] = (Role.ELECTION, Role.ADMIN)
"""選挙管理委員会の事務局: the voter roll, elections, station check-in, tallies, results.
A role of its own because the commission is not the registrar: its staff read the roll
(which shows 住民票 items) but never a resident's record, and counter staff never touch
polling or counting (issue 12, item 7; ADR 0028)."""

SUPERVISOR_KINDS: frozenset[str] = frozenset({"correction", "ex_officio_removal", "restoration"})
"""Notification kinds only a supervisor (or admin) may record: the registrar acting on
its own authority (職権) or undoing a record, never a resident's own notification."""

ACTIONS: dict[str, tuple[Role, ...]] = {
    "resident.read": STAFF_ROLES,
    "resident.history": STAFF_ROLES,
    "resident.search": STAFF_ROLES,
    "household.read": STAFF_ROLES,
    "restriction.read": STAFF_ROLES,
    "support_measure.register": SUPERVISOR_ROLES,
    "support_measure.renew": SUPERVISOR_ROLES,
    "support_measure.end": SUPERVISOR_ROLES,
    "registry.import": SUPERVISOR_ROLES,
    "registry.export": SUPERVISOR_ROLES,
    "audit.read": AUDIT_ROLES,
    "staff.manage": ADMIN_ROLES,
    # The counter's day (ADR 0022): 受付, 決裁, fees, receipts, 日計表, 誤交付の取消.
    "reception.open": STAFF_ROLES,
    "reception.advance": STAFF_ROLES,
    "reception.approve": SUPERVISOR_ROLES,
    "fee.set": SUPERVISOR_ROLES,
    "receipt.issue": STAFF_ROLES,
    "daily_report.read": STAFF_ROLES,
    "certificate.void": SUPERVISOR_ROLES,
    "statistics.read": SUPERVISOR_ROLES,
    "election.roll.build": COMMISSION_ROLES,
    "election.roll.read": COMMISSION_ROLES,
    "election.define": COMMISSION_ROLES,
    "election.checkin": COMMISSION_ROLES,
    "election.tally": COMMISSION_ROLES,
    "election.results": COMMISSION_ROLES,
}
"""Named actions other than filing a notification (see :func:`notification_roles`)."""


def notification_roles(kind: str) -> tuple[Role, ...]:
    """The roles that may record a notification (届出) or ex-officio act of ``kind``."""
    return SUPERVISOR_ROLES if kind in SUPERVISOR_KINDS else STAFF_ROLES


def roles_for(action: str) -> tuple[Role, ...]:
    """The roles allowed ``action``; an unknown action is a programming error."""
    return ACTIONS[action]


def require(actor: Actor, action: str) -> None:
    """Refuse (AUTH-002) unless the actor's role may perform the named ``action``."""
    require_role(actor, action, *roles_for(action))


def require_notification(actor: Actor, kind: str) -> None:
    """Refuse (AUTH-002) unless the actor's role may record a notification of ``kind``."""
    require_role(actor, kind, *notification_roles(kind))
