"""情報提供等の記録 (番号法23条): every exchange, by requester, provider and hub.

第23条1項 has the requester *and* the provider record both names, the times of the
request and of the provision and the items; 3項 has the hub record the same; 施行令30条
keeps them 7 years (:class:`~jichi.mynumber.hub.settings.HubSettings`).  Here the three
records are three rows of one table, written in the exchange's transaction — each side's
row keyed by *its own* key of the person (its 機関別符号; the hub's subject for the hub),
as each side would keep it on its own machine.  ``withhold`` is 23条2項's flag: the
record is 不開示 and the person's やりとり履歴 leaves it out.  A refused request is
recorded too (requester and hub rows, ``result`` = the refusal's code).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.mynumber.hub.settings import HubSettings
from jichi.mynumber.hub.tables import hub_exchange_log

SIDES = ("requester", "provider", "hub")


@dataclass(frozen=True)
class Entry:
    """What all three records of one exchange share."""

    exchange_id: str
    requester_id: str
    provider_id: str
    affair_id: str
    item_id: str
    requested_at: datetime
    provided_at: datetime | None
    result: str
    withhold: bool


def write(conn: Connection, entry: Entry, keys: dict[str, str], settings: HubSettings) -> None:
    """One row per side in ``keys`` (side → that side's key of the person)."""
    keep = settings.keep_until(entry.requested_at)
    conn.execute(
        sa.insert(hub_exchange_log),
        [
            {
                "exchange_id": entry.exchange_id,
                "side": side,
                "requester_id": entry.requester_id,
                "provider_id": entry.provider_id,
                "affair_id": entry.affair_id,
                "item_id": entry.item_id,
                "person_key": keys[side],
                "requested_at": entry.requested_at,
                "provided_at": entry.provided_at,
                "result": entry.result,
                "withhold": entry.withhold,
                "keep_until": keep,
            }
            for side in SIDES
            if side in keys
        ],
    )


def agency_rows(conn: Connection, agency_id: str, *, limit: int = 100) -> list[dict[str, Any]]:
    """The agency's own records (as requester or provider), newest first, its own tokens."""
    t = hub_exchange_log.c
    mine = sa.or_(
        sa.and_(t.side == "requester", t.requester_id == agency_id),
        sa.and_(t.side == "provider", t.provider_id == agency_id),
    )
    rows = conn.execute(
        sa.select(
            t.exchange_id,
            t.side,
            t.requester_id,
            t.provider_id,
            t.affair_id,
            t.item_id,
            t.person_key,
            t.requested_at,
            t.provided_at,
            t.result,
            t.withhold,
        )
        .where(mine)
        .order_by(t.log_id.desc())
        .limit(limit)
    )
    return [
        {**dict(r._mapping), "agency_token": r.person_key} for r in rows
    ]  # person_key is this agency's own token


def purge(conn: Connection, now: datetime) -> int:
    """Delete records past their retention; returns how many."""
    result = conn.execute(sa.delete(hub_exchange_log).where(hub_exchange_log.c.keep_until < now))
    return int(result.rowcount or 0)
