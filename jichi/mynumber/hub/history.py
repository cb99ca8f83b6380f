"""やりとり履歴 (``access_log``): a person's exchanges, as the portal shows them.

マイナポータル (情報提供等記録開示システム) shows a person the hub's records about them,
except those flagged 不開示 (番号法23条2項).  The portal knows the person (their 住民票コード,
after login with the card); the hub maps it to its subject with its own key and reads its
own records — the agencies' tokens are never involved and never shown.  Records past their
retention are left out even before the purge runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.kernel.clock import now as clock_now
from jichi.kernel.errors import JichiError
from jichi.kernel.identifiers import IdKind, validate
from jichi.mynumber.hub.catalogue import Catalogue
from jichi.mynumber.hub.catalogue_store import current
from jichi.mynumber.hub.keys import HubKey
from jichi.mynumber.hub.tables import hub_exchange_log

__all__ = ["HistoryEntry", "exchange_history"]


@dataclass(frozen=True)
class HistoryEntry:
    exchange_id: str
    requested_at: datetime
    provided_at: datetime | None
    requester_id: str
    requester_name: str
    provider_id: str
    provider_name: str
    affair_id: str
    affair_name: str
    item_id: str
    item_name: str
    result: str  # provided | no_data | a refusal's HUB code


def exchange_history(
    conn: Connection,
    key: HubKey,
    resident_code: str,
    *,
    now: datetime | None = None,
    limit: int = 500,
) -> list[HistoryEntry]:
    """The person's exchanges, newest first, withheld and expired records left out."""
    code = validate(IdKind.RESIDENT_CODE, resident_code, field="resident_code").value
    t = hub_exchange_log.c
    rows = conn.execute(
        sa.select(hub_exchange_log)
        .where(
            t.side == "hub",
            t.person_key == key.subject(code),
            t.withhold.is_(False),
            t.keep_until >= (now or clock_now()),
        )
        .order_by(t.requested_at.desc(), t.log_id.desc())
        .limit(limit)
    ).all()
    catalogue: Catalogue | None = None
    if rows:
        try:
            catalogue = current(conn)[1]
        except JichiError:
            catalogue = None
    return [_entry(r._mapping, catalogue) for r in rows]


def _entry(m: sa.RowMapping, catalogue: Catalogue | None) -> HistoryEntry:
    def agency(agency_id: str) -> str:
        found = catalogue.agencies.get(agency_id) if catalogue else None
        return found.name if found else agency_id

    affair = catalogue.affairs.get(m["affair_id"]) if catalogue else None
    item = catalogue.items.get(m["item_id"]) if catalogue else None
    return HistoryEntry(
        exchange_id=m["exchange_id"],
        requested_at=_aware(m["requested_at"]),
        provided_at=_aware(m["provided_at"]) if m["provided_at"] else None,
        requester_id=m["requester_id"],
        requester_name=agency(m["requester_id"]),
        provider_id=m["provider_id"],
        provider_name=agency(m["provider_id"]),
        affair_id=m["affair_id"],
        affair_name=affair.name if affair else m["affair_id"],
        item_id=m["item_id"],
        item_name=item.name if item else m["item_id"],
        result=m["result"],
    )


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive UTC; the portal shows JST, so the zone must travel."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
