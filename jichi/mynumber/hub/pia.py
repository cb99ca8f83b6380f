"""特定個人情報保護評価 (PIA) records: no current record, no exchange (番号法21条・28条).

A PIA is filed for a 特定個人情報ファイル before the body holds it.  The hub keeps one
row per evaluation with its dates: the requester's for the 事務 it asks under
(``scope_kind='affair'``), the provider's for the file holding the item it gives
(``scope_kind='item'``).  A record is *current* on a day between ``evaluated_on`` and
``valid_until`` (inclusive) and not withdrawn.  How often a body must re-evaluate is
not fixed by the texts read (the 指針 asks for a review; facts §4.4): each record
carries its own ``valid_until``, set by whoever records it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.kernel.clock import now as clock_now
from jichi.kernel.errors import JichiError
from jichi.mynumber.hub import errors as e
from jichi.mynumber.hub.tables import hub_pia

SCOPES = ("affair", "item")
LEVELS = ("basic", "focused", "full")  # 基礎項目評価 / 重点項目評価 / 全項目評価
SIDES = {"requester": "情報照会者", "provider": "情報提供者"}


@dataclass(frozen=True)
class PiaCheck:
    side: str  # requester | provider
    agency_id: str
    scope_kind: str
    scope_id: str


def _bad(name: str, reason: str, reason_en: str) -> JichiError:
    return JichiError(e.BAD_PIA, field=name, reason=reason, reason_en=reason_en)


def record(
    conn: Connection,
    agency_id: str,
    scope_kind: str,
    scope_id: str,
    *,
    evaluated_on: date,
    valid_until: date,
    level: str = "full",
    at: datetime | None = None,
) -> int:
    """Record an evaluation; returns its id."""
    if scope_kind not in SCOPES:
        raise _bad("scope_kind", "affair か item", "affair or item")
    if level not in LEVELS:
        raise _bad("level", " / ".join(LEVELS), ", ".join(LEVELS))
    if valid_until < evaluated_on:
        raise _bad("valid_until", "評価日より前です", "before the evaluation date")
    result = conn.execute(
        sa.insert(hub_pia).values(
            agency_id=agency_id,
            scope_kind=scope_kind,
            scope_id=scope_id,
            level=level,
            evaluated_on=evaluated_on,
            valid_until=valid_until,
            recorded_at=at or clock_now(),
        )
    )
    key = result.inserted_primary_key
    return int(key[0]) if key else 0


def withdraw(conn: Connection, pia_id: int, *, at: datetime | None = None) -> bool:
    result = conn.execute(
        sa.update(hub_pia)
        .where(hub_pia.c.pia_id == pia_id, hub_pia.c.withdrawn_at.is_(None))
        .values(withdrawn_at=at or clock_now())
    )
    return bool(result.rowcount)


def refusal(conn: Connection, check: PiaCheck, today: date) -> JichiError | None:
    """None when ``check`` has a current record on ``today``; else HUB-030 or HUB-031."""
    t = hub_pia.c
    rows = conn.execute(
        sa.select(t.evaluated_on, t.valid_until).where(
            t.agency_id == check.agency_id,
            t.scope_kind == check.scope_kind,
            t.scope_id == check.scope_id,
            t.withdrawn_at.is_(None),
            t.evaluated_on <= today,
        )
    ).all()
    names = {
        "side": SIDES[check.side],
        "side_en": check.side,
        "agency_id": check.agency_id,
        "scope": f"{check.scope_kind}:{check.scope_id}",
    }
    if not rows:
        return JichiError(e.PIA_MISSING, field=f"pia.{check.side}", **names)
    latest = max(r.valid_until for r in rows)
    if latest < today:
        return JichiError(
            e.PIA_EXPIRED, field=f"pia.{check.side}", valid_until=latest.isoformat(), **names
        )
    return None
