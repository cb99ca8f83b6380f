"""Organisations' notifications in the database: recorded in order, replayed into a history.

Each 設立届・異動届・解散届 is one row; nothing is updated, so the state on any past day is
what :meth:`OrganizationHistory.state_on` replays.  A notification that would make the
history invalid (a change before the 設立届, a second 設立届) is refused before it is written,
and two clerks recording at once cannot both take the same sequence number (FND-061).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from jichi.funds.filings import VERSION_CONFLICT
from jichi.funds.organizations import (
    Change,
    DietMemberRelated,
    Dissolution,
    Establishment,
    Notification,
    OrganizationHistory,
    OrganizationKind,
    OrganizationState,
)
from jichi.funds.tables import funds_notification
from jichi.kernel.clock import now as clock_now
from jichi.kernel.errors import JichiError, define

NO_ORGANIZATION = define(
    "FND-036",
    "政治団体「{organization_id}」の届出はありません。",
    "no notifications for political organisation {organization_id}",
    http_status=404,
    params=("organization_id",),
)

_DATES = {"established_on", "dissolved_on"}


def _encode(name: str, value: Any) -> Any:
    if isinstance(value, OrganizationKind | DietMemberRelated):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value


def _decode(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "kind":
        return OrganizationKind(value)
    if name == "diet_member_related":
        return DietMemberRelated(value)
    if name in _DATES:
        return date.fromisoformat(value)
    return value


def _body(note: Notification) -> tuple[str, dict[str, Any]]:
    if isinstance(note, Establishment):
        fields = vars(note.state)
        return "establishment", {k: _encode(k, v) for k, v in fields.items()}
    if isinstance(note, Change):
        return "change", {k: _encode(k, v) for k, v in note.changes.items()}
    return "dissolution", {}


def _note(kind: str, on: date, body: dict[str, Any]) -> Notification:
    decoded = {k: _decode(k, v) for k, v in body.items()}
    if kind == "establishment":
        return Establishment(on, OrganizationState(**decoded))
    if kind == "change":
        return Change(on, decoded)
    return Dissolution(on)


def _rows(engine: Engine, organization_id: str) -> list[Notification]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(funds_notification)
            .where(funds_notification.c.organization_id == organization_id)
            .order_by(funds_notification.c.seq)
        ).all()
    return [_note(r.kind, r.effective_on, r.body) for r in rows]


def history(engine: Engine, organization_id: str) -> OrganizationHistory:
    notes = _rows(engine, organization_id)
    if not notes:
        raise JichiError(NO_ORGANIZATION, field="organization_id", organization_id=organization_id)
    return OrganizationHistory(tuple(notes))


def record(engine: Engine, organization_id: str, note: Notification) -> OrganizationHistory:
    """Append one notification after checking the history it makes; returns that history."""
    notes = _rows(engine, organization_id)
    made = OrganizationHistory((*notes, note))  # raises FND-032 on a bad order
    if isinstance(note, Change):
        made.state_on(note.on)  # a change must apply to a living organisation (FND-030/031)
    kind, body = _body(note)
    try:
        with engine.begin() as conn:
            conn.execute(
                funds_notification.insert().values(
                    organization_id=organization_id,
                    seq=len(notes) + 1,
                    kind=kind,
                    effective_on=note.on,
                    body=body,
                    recorded_at=clock_now(),
                )
            )
    except IntegrityError:
        raise JichiError(VERSION_CONFLICT, field="seq") from None
    return made
