"""Which of a person's updates is current: a pure function of the whole history.

Ordering is guaranteed only per sender chain (one municipality, one person), so the
center cannot let "last message wins" decide.  When someone moves from A to B, B's
転入 update and A's 転出 update travel on different chains and may arrive in either
order; and a 転出 is dated with the *planned* day (転出予定日), which can fall after the
actual 転入 day at B.  So the current row is recomputed from every update received,
and the answer depends only on which updates have arrived, never on their order:

1. Group the updates by sender; within a sender they are in ``seq`` order, and its
   latest update is that municipality's last word on the person.
2. A sender's *stay* starts at the effective date of the update that made the person
   a resident there (the first update, or the first ``active`` one after a removal).
   A later removal (転出・死亡) ends the stay but does not start a new one.
3. The sender whose stay started last holds the person; its latest update is current.
   Ties: a sender where the person is still active beats one that removed them, then
   the later effective date, then the lower lg_code (only so the answer is stable).

So a late 転出 from A never undoes B's 転入 (B's stay started later); a 転入 dated
before A's planned move-out date still wins (A's stay started years earlier); and a
stale update from an earlier stay cannot take the person back from a municipality
they moved to afterwards.  Within one municipality the latest update always wins, so
corrections with an old effective date (職権修正) still apply.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

ACTIVE = "active"


@dataclass(frozen=True)
class Update:
    """The parts of one history row that decide holding."""

    history_id: int
    sender: str
    seq: int
    status: str
    effective_date: date


def stay_start(updates: Sequence[Update]) -> date:
    """When the person's latest stay with one sender began (``updates`` in seq order)."""
    start = updates[0].effective_date
    for previous, update in itertools.pairwise(updates):
        if previous.status != ACTIVE and update.status == ACTIVE:
            start = update.effective_date
    return start


def current(updates: Iterable[Update]) -> Update:
    """The update the center shows as the person's identity info now."""
    by_sender: dict[str, list[Update]] = {}
    for update in updates:
        by_sender.setdefault(update.sender, []).append(update)
    if not by_sender:
        raise ValueError("no updates")

    def rank(sender: str) -> tuple[date, bool, date, str]:
        chain = sorted(by_sender[sender], key=lambda u: u.seq)
        latest = chain[-1]
        # Negating a string is impossible; invert the code so the lower one ranks higher.
        inverted = "".join(chr(0x7F - ord(c)) for c in sender)
        return (stay_start(chain), latest.status == ACTIVE, latest.effective_date, inverted)

    holder = max(by_sender, key=rank)
    return max(by_sender[holder], key=lambda u: u.seq)
