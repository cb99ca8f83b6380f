"""The move flows' numbers: what the sources say, each one a setting.

Sources are in ``shared/docs/facts/notifications.md`` (§ numbers below).  Where the
statute was reached the value is the law's; where only municipal pages state it, it
is the common practice; :data:`UNCONFIRMED` names the settings whose legal basis
(the 政令 article) nobody has confirmed, so a municipality can change them without
a release.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class FlowSettings:
    # 転入届の特例 (法24条の2, §1.3)
    card_move_in_days_after_arrival: int = 14
    """The 転入届 within 14 days of moving in (法22条; 民法140条, holidays roll over)."""
    card_move_in_days_after_planned_move_out: int = 30
    """… and within 30 days of the planned 転出 date.  UNCONFIRMED article (municipal pages)."""
    card_continued_use_days: int = 90
    """継続利用 of the card within 90 days of the 転入 異動日 (筑紫野市 page)."""
    card_move_out_refused_after_days: int = 14
    """A card 転出 is refused once the person has lived at the new address this long
    (高崎市: 14 days; 香美市: 15).  Municipal practice."""

    # オンライン転出 via マイナポータル (§1.3)
    online_move_out_days_before: int = 30
    online_move_out_days_after: int = 10
    online_min_card_age: int = 15
    """Cards of under-15s cannot be used (渋川市 page)."""

    # 実態調査 (§2.2, §8.2): municipal 要綱 — 6 months (南魚沼市) or 3 (湧水町)
    residence_check_months: int = 6

    # A 転入通知 for someone who never filed a 転出届.  令12条1項 says the mayor confirms
    # the facts and records ex officio; whether the notice alone is enough is not in the
    # sources, so the default leaves a task for a clerk.
    unfiled_move_out: Literal["task", "ex_officio_removal"] = "task"

    # 広域交付 (住基法12条の4, certificates.md §1.6): the optional items a remote copy may
    # carry when the requester asks.  The law always leaves out 本籍・筆頭者 (7条5号) and
    # the 9–12号・14号 items, and leaves out 4号 (世帯主・続柄), 8号の2 (個人番号) and 13号
    # (住民票コード) unless specially requested.  jichi never sends an individual number
    # over the network, so 個人番号 is not offered; whether the 30条の45 items of a
    # foreign resident may be asked for remotely is UNCONFIRMED.
    remote_copy_items: frozenset[str] = frozenset(
        {"relationship", "resident_code", "previous_address", "foreign_items"}
    )


UNCONFIRMED = frozenset(
    {
        "card_move_in_days_after_planned_move_out",  # the 政令 ただし書 of 24条の2
        "card_continued_use_days",  # one municipal page only
        "card_move_out_refused_after_days",  # 14 or 15 days, municipal pages differ
        "unfiled_move_out",  # the 要領 could not be read
        "remote_copy_items",  # foreign-resident items on a 広域交付: not in the sources
    }
)
"""Settings whose legal basis is not confirmed: keep them configurable, never hard-code."""
