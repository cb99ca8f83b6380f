"""The center's handler for ``center.identity`` (本人確認情報の通知, 法30条の6・30条の7).

Use it with :func:`jichi.network.inbox.receive`: the inbox gives at-most-once and
per-sender order; this handler writes one append-only history row per update and then
recomputes the person's current row from the whole history (:mod:`.holding`), so
updates about one person from different municipalities may arrive in any order.

Individual number: the ``center.identity`` payload carries only
``has_individual_number`` — the number itself never travels on the message bus, where
it would sit in plain text in outboxes and streams.  The center keeps the flag; the
``individual_number_hash``/``individual_number_enc`` columns stay empty until the
number is written by the center's own number generation (番号法8条: the center
generates the number and tells the municipality, not the other way round), which is
the My Number context's job.  No handler here reads or logs a number.

A message without a resident code (the municipality has not assigned one yet) cannot
be filed at the center: it is acknowledged and skipped, with a log line that names the
message id only.  A payload that is malformed raises ``CEN-001`` so that the message is
not lost silently (it is redelivered; isolating poison messages is not built yet).
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.kernel.address import fold_address
from jichi.kernel.clock import now as clock_now
from jichi.kernel.errors import JichiError
from jichi.kernel.text import name_search_key
from jichi.network.center import errors as e
from jichi.network.center import holding
from jichi.network.center.tables import (
    IDENTITY_ITEMS,
    center_identity,
    center_identity_history,
)
from jichi.network.messages import Envelope

TOPIC = "center.identity"
STATUSES = ("active", "removed")
SEXES = ("male", "female")
_CODE = re.compile(r"^[0-9]{11}$")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IdentityUpdate:
    """One validated ``center.identity`` payload."""

    resident_code: str
    lg_code: str
    person_id: str
    notification_id: str | None
    reason: str
    effective_date: date
    status: str
    name: str
    name_kana: str
    date_of_birth: date
    sex: str
    address: str
    has_individual_number: bool
    protected: bool | None = None  # a support measure covers the person; None: not said

    def items(self) -> dict[str, Any]:
        """The identity columns, search keys included, as stored in both tables."""
        return {
            "lg_code": self.lg_code,
            "person_id": self.person_id,
            "status": self.status,
            "reason": self.reason,
            "effective_date": self.effective_date,
            "name": self.name,
            "name_kana": self.name_kana,
            "name_key": name_search_key(self.name),
            "date_of_birth": self.date_of_birth,
            "sex": self.sex,
            "address": self.address,
            "address_key": fold_address(self.address),
            "has_individual_number": self.has_individual_number,
            "individual_number_hash": None,
            "individual_number_enc": None,
        }


def apply_identity(conn: Connection, envelope: Envelope) -> None:
    """Inbox handler: file the update in the history and recompute the current row."""
    update = parse(envelope)
    if update is None:
        log.info("center.identity %s has no resident code; skipped", envelope.message_id)
        return
    record(conn, envelope, update, now=clock_now())


def record(conn: Connection, envelope: Envelope, update: IdentityUpdate, *, now: datetime) -> int:
    """Append the history row, then make the current row what the history says; its id."""
    _lock_person(conn, update.resident_code)
    inserted = conn.execute(
        _INSERT_HISTORY,
        {
            "resident_code": update.resident_code,
            "message_id": envelope.message_id,
            "notification_id": update.notification_id,
            "sender": envelope.sender,
            "seq": envelope.seq,
            "received_at": now,
            "protected": update.protected,
            **update.items(),
        },
    )
    history_id = inserted.inserted_primary_key[0]  # type: ignore[index]
    refresh(conn, update.resident_code, now=now)
    return int(history_id)


# The statements of :func:`record` and :func:`refresh`, built once with their values as
# parameters: built per message with ``.values(**row)``, SQLAlchemy walked every value
# to make the statement's cache key, about half the center's CPU per message (ADR 0039).
_h = center_identity_history.c
_c = center_identity.c
_INSERT_HISTORY = center_identity_history.insert()
_HISTORY = (
    sa.select(_h.history_id, _h.sender, _h.seq, _h.protected, *(_h[n] for n in IDENTITY_ITEMS))
    .where(_h.resident_code == sa.bindparam("code"))
    .order_by(_h.history_id)
)
_CURRENT = sa.select(_c.history_id, _c.protected).where(_c.resident_code == sa.bindparam("code"))
_INSERT_CURRENT = center_identity.insert()
_UPDATE_CURRENT = center_identity.update().where(_c.resident_code == sa.bindparam("code"))


def refresh(conn: Connection, resident_code: str, *, now: datetime) -> None:
    """Rewrite ``center_identity`` for one person from the chosen history row.

    One read of the person's whole history (a few rows, by code: on PostgreSQL one
    partition, 0065) gives the rows :func:`holding.current` chooses from, the chosen
    row's items and the last update that said whether a support measure applies.
    """
    rows = conn.execute(_HISTORY, {"code": resident_code}).all()
    chosen = holding.current(
        holding.Update(r.history_id, r.sender, r.seq, r.status, r.effective_date) for r in rows
    )
    source = next(r for r in rows if r.history_id == chosen.history_id)
    said = next((r.protected for r in reversed(rows) if r.protected is not None), None)
    values = {name: source._mapping[name] for name in IDENTITY_ITEMS} | {
        "history_id": chosen.history_id,
        "updated_at": now,
        "protected": bool(said),
    }
    current = conn.execute(_CURRENT, {"code": resident_code}).first()
    if current is None:
        conn.execute(_INSERT_CURRENT, {"resident_code": resident_code, **values})
    elif (current.history_id, current.protected) != (chosen.history_id, bool(said)):
        conn.execute(_UPDATE_CURRENT, {"code": resident_code, **values})


def parse(envelope: Envelope) -> IdentityUpdate | None:
    """Check every item of the payload; ``None`` when there is no resident code yet."""
    p = envelope.payload
    code = p.get("resident_code")
    if code is None or code == "":
        return None
    if not isinstance(code, str) or not _CODE.match(code):
        raise _invalid("resident_code", "11桁の数字ではありません", "not 11 digits")
    lg_code = _text(p, "lg_code", 6)
    if lg_code != envelope.sender:
        raise _invalid("lg_code", "送信元の団体コードと違います", "differs from the sender")
    status = _text(p, "status", 10)
    if status not in STATUSES:
        raise _invalid("status", "active か removed", "active or removed")
    sex = _text(p, "sex", 6)
    if sex not in SEXES:
        raise _invalid("sex", "male か female", "male or female")
    has_number = p.get("has_individual_number", False)
    if not isinstance(has_number, bool):
        raise _invalid("has_individual_number", "真偽値ではありません", "not a boolean")
    protected = p.get("protected")
    if protected is not None and not isinstance(protected, bool):
        raise _invalid("protected", "真偽値ではありません", "not a boolean")
    notification_id = p.get("notification_id")
    if notification_id is not None and not isinstance(notification_id, str):
        raise _invalid("notification_id", "文字列ではありません", "not a string")
    return IdentityUpdate(
        resident_code=code,
        lg_code=lg_code,
        person_id=_text(p, "person_id", 36),
        notification_id=notification_id[:36] if notification_id else None,
        reason=_text(p, "reason", 40),
        effective_date=_date(p, "effective_date"),
        status=status,
        name=_text(p, "name", 1000),
        name_kana=_text(p, "name_kana", 1000, allow_empty=True),
        date_of_birth=_date(p, "date_of_birth"),
        sex=sex,
        address=_text(p, "address", 2000),
        has_individual_number=has_number,
        protected=protected,
    )


def _text(p: dict[str, Any], name: str, limit: int, *, allow_empty: bool = False) -> str:
    value = p.get(name)
    if not isinstance(value, str) or len(value) > limit or (not value and not allow_empty):
        raise _invalid(name, f"1〜{limit}文字の文字列", f"a string of 1 to {limit} characters")
    return value


def _date(p: dict[str, Any], name: str) -> date:
    value = p.get(name)
    try:
        return date.fromisoformat(value) if isinstance(value, str) else _fail(name)
    except ValueError:
        return _fail(name)


def _fail(name: str) -> date:
    raise _invalid(name, "ISO 8601 の日付ではありません", "not an ISO 8601 date")


def _invalid(name: str, reason: str, reason_en: str) -> JichiError:
    return JichiError(e.INVALID_IDENTITY, field=name, reason=reason, reason_en=reason_en)


def _lock_person(conn: Connection, resident_code: str) -> None:
    """Updates about one person from two senders must not recompute at the same time."""
    if conn.dialect.name != "postgresql":
        return  # SQLite: BEGIN IMMEDIATE already holds the one write lock
    digest = hashlib.sha256(f"center.identity\x1f{resident_code}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
