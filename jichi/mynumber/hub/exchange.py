"""照会 → 提供 through the hub (番号法19条8号・21条): checks, translation, answer, log.

The requester names its token of the person, the 事務, the item and the provider.  The
hub, in one transaction:

1. checks the catalogue (the 事務 is the requester's and may ask this item from this
   provider) and that the token is the requester's own — all such problems at once;
2. checks that both sides hold a current PIA record (HUB-030/031, both at once);
3. maps the requester's token to the subject and the subject to the provider's token —
   inside the hub, with :mod:`~jichi.mynumber.hub.tokens`; no agency sees either step;
4. asks the provider (its 副本 under its own token) and returns the answer;
5. writes the three records of :mod:`~jichi.mynumber.hub.log`.

A refusal after the token is known is recorded (requester and hub rows) and returned
as :attr:`Outcome.error`, so the caller can commit the record and then raise.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.kernel.errors import Collector, JichiError, JichiErrors
from jichi.mynumber.hub import errors as e
from jichi.mynumber.hub import log
from jichi.mynumber.hub.catalogue import Catalogue, Permission
from jichi.mynumber.hub.keys import HubKey
from jichi.mynumber.hub.pia import PiaCheck, refusal
from jichi.mynumber.hub.settings import HubSettings
from jichi.mynumber.hub.tables import hub_offered_copy
from jichi.mynumber.hub.tokens import subject_of, token_of


@dataclass(frozen=True)
class Request:
    requester_id: str
    token: str
    affair_id: str
    item_id: str
    provider_id: str
    withhold: bool = False


@dataclass(frozen=True)
class Outcome:
    exchange_id: str
    result: str  # provided | no_data | the refusal's code
    value: Any
    requested_at: datetime
    provided_at: datetime | None
    withhold: bool
    error: JichiError | None = None


def _permission(catalogue: Catalogue, request: Request) -> Permission:
    affair = catalogue.affair(request.affair_id)
    if affair.requester_id != request.requester_id:
        raise JichiError(e.NOT_YOUR_AFFAIR, field="affair", affair_id=affair.affair_id)
    permission = affair.permission(request.item_id, request.provider_id)
    if permission is None:
        raise JichiError(
            e.ITEM_NOT_PERMITTED,
            field="item",
            affair_id=affair.affair_id,
            item_id=request.item_id[:64],
            provider_id=request.provider_id[:64],
        )
    return permission


def lookup(conn: Connection, provider_id: str, token: str, item_id: str) -> Any:
    """The provider's 副本 of ``item_id`` under its token, or None (the provider's side)."""
    t = hub_offered_copy.c
    row = conn.execute(
        sa.select(t.value).where(t.agency_id == provider_id, t.token == token, t.item_id == item_id)
    ).first()
    return None if row is None else row.value


def exchange(
    conn: Connection,
    key: HubKey,
    catalogue: Catalogue,
    request: Request,
    *,
    at: datetime,
    settings: HubSettings,
) -> Outcome:
    """Run one exchange; raises only when the token is not the requester's own."""
    problems = Collector()
    permission: Permission | None = None
    with problems.check():
        permission = _permission(catalogue, request)
    subject = subject_of(conn, request.requester_id, request.token)
    if subject is None:
        problems.add(JichiError(e.UNKNOWN_TOKEN, field="agency_token"))
    exchange_id = str(uuid.uuid4())
    withhold = request.withhold or bool(permission and permission.withhold)
    if subject is None:  # no person known: nothing to record
        problems.raise_if_any()
    assert subject is not None
    if permission is None:
        return _refused(conn, request, subject, exchange_id, at, withhold, problems, settings)
    today = at.date()
    for check in (
        PiaCheck("requester", request.requester_id, "affair", request.affair_id),
        PiaCheck("provider", request.provider_id, "item", request.item_id),
    ):
        if (found := refusal(conn, check, today)) is not None:
            problems.add(found)
    if problems.errors:
        return _refused(conn, request, subject, exchange_id, at, withhold, problems, settings)
    provider_token = token_of(conn, key, request.provider_id, subject, at)
    value = lookup(conn, request.provider_id, provider_token, request.item_id)
    result = "provided" if value is not None else "no_data"
    entry = log.Entry(
        exchange_id,
        request.requester_id,
        request.provider_id,
        request.affair_id,
        request.item_id,
        at,
        at,
        result,
        withhold,
    )
    keys = {"requester": request.token, "provider": provider_token, "hub": subject}
    log.write(conn, entry, keys, settings)
    return Outcome(exchange_id, result, value, at, at, withhold)


def _refused(
    conn: Connection,
    request: Request,
    subject: str,
    exchange_id: str,
    at: datetime,
    withhold: bool,
    problems: Collector,
    settings: HubSettings,
) -> Outcome:
    errors = problems.errors
    error = errors[0] if len(errors) == 1 else JichiErrors(errors)
    entry = log.Entry(
        exchange_id,
        request.requester_id,
        request.provider_id[:64],
        request.affair_id[:64],
        request.item_id[:64],
        at,
        None,
        error.code,
        withhold,
    )
    log.write(conn, entry, {"requester": request.token, "hub": subject}, settings)
    return Outcome(exchange_id, error.code, None, at, None, withhold, error)
