"""The 支援措置 warning on every staff screen that shows a person (issue 9).

No screen used to show that a support measure exists, so a clerk could read a
protected person's address out over the phone.  Each page asks :func:`warning` for the
persons it shows; the templates put 「支援措置対象者」 on them
(``counter/_protection.html``).  Only the Registry's own municipality is read.
"""

from __future__ import annotations

from jichi.registry.protection import Protection
from jichi.registry.restrictions import OtherParty
from jichi.security.actor import Role
from jichi.web.pages.common import Page


def warning(page: Page, person_ids: list[str]) -> tuple[dict[str, bool], list[OtherParty]]:
    """Which persons shown a support measure covers, and — for a supervisor only — the
    other parties (a clerk sees the warning, never who the other party is)."""
    protection = Protection(page.registry)
    protected = protection.protected(person_ids)
    parties: list[OtherParty] = []
    actor = page.actor
    if actor is not None and actor.role in {Role.SUPERVISOR.value, Role.ADMIN.value}:
        for pid in (p for p, on in protected.items() if on):
            parties.extend(
                p for p in protection.other_parties(pid, actor=actor) if p not in parties
            )
    return protected, parties
