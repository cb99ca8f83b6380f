"""The audit log: who did what to whose data, append-only and hash-chained.

Every read or change of a person's data by staff or an agency writes one
:class:`AuditEntry` with :func:`append`, inside the same transaction as the work it
records, so there is never a change without its entry nor an entry for work that rolled
back.  The resident sees their part through :func:`entries_for_person`.

Why a hash chain as well as the append-only triggers (migration 0002): the triggers stop
the application and anyone using ordinary SQL, but someone with raw database access can
drop them.  Each row stores ``hash = SHA-256(canonical JSON of its fields + prev_hash)``,
so :func:`verify` finds an edited field, a deleted or inserted row and rows put in another
order.  What a chain alone cannot see is rows cut off the *end*; for that, an operator
records the head (``last_seq``/``last_hash``) somewhere else from time to time and passes
it back as ``anchor`` (``jichi audit verify --anchor SEQ:HASH``).

There is one chain per database.  ``seq`` is assigned here, densely, under a lock:

- PostgreSQL: ``pg_advisory_xact_lock`` on a fixed key, held until the caller's
  transaction ends.  ``SELECT … FOR UPDATE`` on the newest row would not do: an empty
  table has no row to lock, and two first appenders would both start the chain.
- SQLite: one writer at a time per database file.  A transaction begun DEFERRED (the
  default) holds no write lock until its first write, so ``append`` first makes a write
  that touches no row, taking the lock before it reads the newest row.  A transaction
  begun IMMEDIATE holds it already.  If the caller's deferred transaction has only read
  before ``append`` and another writer commits meanwhile, SQLite refuses the upgrade
  ("database is locked"): an error, never a fork.  Transactions that will write should
  begin IMMEDIATE.

Under either, ``UNIQUE(prev_hash)`` and the primary key on ``seq`` make a fork impossible
even if the lock were bypassed: the second writer fails instead.  The lock assumes READ
COMMITTED on PostgreSQL (the default); under REPEATABLE READ a concurrent append makes the
later transaction fail on those constraints rather than fork.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, text

from jichi.kernel.errors import JichiError
from jichi.kernel.identifiers import individual_number_check_digit
from jichi.security.errors import NUMBER_IN_AUDIT_DETAIL
from jichi.security.tables import audit_log

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the first row."""
CENTER_LG_CODE = "000000"
"""``lg_code`` for entries written by the center rather than a municipality."""
SYSTEM_ACTOR = "system"

ADVISORY_LOCK_KEY = -6967752864136005086
"""First 8 bytes of SHA-256("jichi.audit_log"), signed: the PostgreSQL advisory lock key."""

_LIMITS = {"actor": 100, "actor_role": 50, "action": 100, "subject_person_id": 36}
_BATCH = 1000


@dataclass(frozen=True, kw_only=True)
class AuditEntry:
    """One thing that happened: who (``actor``), what (``action``), to whom, why, when.

    ``at`` must be timezone-aware and is kept in UTC.  ``detail`` is any JSON object that
    helps a reader (``{"items": ["basic_four"]}``); it must never contain an individual
    number (:func:`append` refuses one).
    """

    lg_code: str
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    actor: str
    actor_role: str
    action: str
    subject_person_id: str | None = None
    purpose: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError("AuditEntry.at must be timezone-aware")
        object.__setattr__(self, "at", self.at.astimezone(UTC))
        # A copy, so the caller changing its dict later cannot change what is hashed.
        object.__setattr__(self, "detail", dict(self.detail))


@dataclass(frozen=True)
class AuditRecord:
    """An entry as stored: its place in the chain and its hashes."""

    seq: int
    entry: AuditEntry
    prev_hash: str
    hash: str


class VerifyFailure(StrEnum):
    """Why :func:`verify` stopped; the value is stable, the messages are for people."""

    SEQ_GAP = "seq_gap"
    PREV_HASH_MISMATCH = "prev_hash_mismatch"
    HASH_MISMATCH = "hash_mismatch"
    ANCHOR_MISMATCH = "anchor_mismatch"
    ANCHOR_MISSING = "anchor_missing"

    @property
    def message_ja(self) -> str:
        return _FAILURE_MESSAGES[self][0]

    @property
    def message_en(self) -> str:
        return _FAILURE_MESSAGES[self][1]


_FAILURE_MESSAGES: dict[VerifyFailure, tuple[str, str]] = {
    VerifyFailure.SEQ_GAP: (
        "連番が途切れています（前の行が削除されたか、順序が入れ替えられています）。",
        "seq is not the next number: a row before it was deleted or rows were reordered",
    ),
    VerifyFailure.PREV_HASH_MISMATCH: (
        "直前の行のハッシュと一致しません（行の削除・挿入・入れ替えがあります）。",
        "prev_hash differs from the previous row's hash: a row was deleted, inserted or moved",
    ),
    VerifyFailure.HASH_MISMATCH: (
        "行の内容がハッシュと一致しません（項目が書き換えられています）。",
        "the row's content does not match its hash: a field was edited",
    ),
    VerifyFailure.ANCHOR_MISMATCH: (
        "記録しておいたハッシュと一致しません（ログが作り直されています）。",
        "the hash at the anchor differs from the recorded one: the log was rewritten",
    ),
    VerifyFailure.ANCHOR_MISSING: (
        "記録しておいた連番の行がありません（末尾の行が削除されています）。",
        "the log ends before the anchor: rows were removed from the end",
    ),
}


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of :func:`verify`.

    ``checked`` counts the rows read, including the first bad one.  ``last_seq`` and
    ``last_hash`` are the last row found good: the head of the chain when ``ok`` (record
    them elsewhere and pass them back as an anchor to detect rows cut off the end), and
    ``None`` when no row was good.
    """

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: VerifyFailure | None = None
    last_seq: int | None = None
    last_hash: str | None = None


def canonical_detail(detail: Mapping[str, Any]) -> str:
    """The one JSON text of ``detail`` that is stored and hashed (sorted keys, no spaces)."""
    return _canonical(detail)


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    """SHA-256 (hex) of the canonical JSON of every field of ``entry`` and ``prev_hash``.

    Pure, so it can be recomputed anywhere (by an external auditor with a copy of the
    table, say): keys sorted, UTF-8 not escaped, ``at`` as ISO 8601 in UTC with
    microseconds, ``detail`` as a JSON object.
    """
    payload = {
        "prev_hash": prev_hash,
        "lg_code": entry.lg_code,
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor,
        "actor_role": entry.actor_role,
        "action": entry.action,
        "subject_person_id": entry.subject_person_id,
        "purpose": entry.purpose,
        "detail": entry.detail,
    }
    return hashlib.sha256(_canonical(payload).encode("utf-8")).hexdigest()


def append(connection: Connection, entry: AuditEntry) -> int:
    """Add ``entry`` at the end of the chain in the caller's transaction; return its seq.

    Never commits: the entry becomes visible when, and only if, the caller's work does.
    The chain lock is held from here to the end of that transaction, so keep it short.
    """
    validate_entry(entry)
    _lock_chain(connection)
    newest = connection.execute(
        select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (1, GENESIS_HASH) if newest is None else (newest.seq + 1, newest.hash)
    connection.execute(
        insert(audit_log).values(
            seq=seq,
            lg_code=entry.lg_code,
            at=entry.at,
            actor=entry.actor,
            actor_role=entry.actor_role,
            action=entry.action,
            subject_person_id=entry.subject_person_id,
            purpose=entry.purpose,
            detail=canonical_detail(entry.detail),
            prev_hash=prev_hash,
            hash=entry_hash(prev_hash, entry),
        )
    )
    return seq


def count_entries(connection: Connection) -> int:
    """How many rows the log holds (for a progress bar's total)."""
    return int(connection.execute(select(func.count()).select_from(audit_log)).scalar_one())


def verify(
    connection: Connection,
    *,
    anchor: tuple[int, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> VerifyResult:
    """Recompute the whole chain in seq order and report the first row that breaks it.

    Rows are streamed (a server-side cursor on PostgreSQL), so memory stays flat however
    long the log.  ``anchor`` is a ``(seq, hash)`` recorded earlier; ``progress`` is
    called with the number of rows checked so far, every thousand rows and at the end.
    """
    checked = 0
    prev_seq, prev_hash = 0, GENESIS_HASH
    anchor_seen = anchor is None
    rows = _stream(connection)
    for seq, stored_prev, stored_hash, entry in rows:
        checked += 1
        failure = None
        if seq != prev_seq + 1:
            failure = VerifyFailure.SEQ_GAP
        elif stored_prev != prev_hash:
            failure = VerifyFailure.PREV_HASH_MISMATCH
        elif entry is None or entry_hash(stored_prev, entry) != stored_hash:
            failure = VerifyFailure.HASH_MISMATCH
        elif anchor is not None and seq == anchor[0]:
            anchor_seen = True
            if stored_hash != anchor[1]:
                failure = VerifyFailure.ANCHOR_MISMATCH
        if failure is not None:
            rows.close()  # closes the server-side cursor now, not at garbage collection
            _report(progress, checked)
            good_seq, good_hash = (prev_seq, prev_hash) if prev_seq else (None, None)
            return VerifyResult(False, checked, seq, failure, good_seq, good_hash)
        prev_seq, prev_hash = seq, stored_hash
        if progress is not None and checked % _BATCH == 0:
            progress(checked)
    _report(progress, checked)
    last_seq, last_hash = (prev_seq, prev_hash) if checked else (None, None)
    if not anchor_seen and anchor is not None:
        return VerifyResult(
            False, checked, anchor[0], VerifyFailure.ANCHOR_MISSING, last_seq, last_hash
        )
    return VerifyResult(True, checked, None, None, last_seq, last_hash)


def entries_for_person(
    connection: Connection,
    person_id: str,
    lg_code: str | None = None,
    *,
    limit: int | None = None,
) -> list[AuditRecord]:
    """Every entry about ``person_id`` (optionally in one municipality), newest first.

    This is the resident's 「自分の情報を誰が見たか」 view; callers show it to the
    resident themself, and reading it is not itself audited here.
    """
    query = select(audit_log).where(audit_log.c.subject_person_id == person_id)
    if lg_code is not None:
        query = query.where(audit_log.c.lg_code == lg_code)
    query = query.order_by(audit_log.c.seq.desc()).limit(limit)
    return [
        AuditRecord(
            row.seq, _entry_from_row(row, _parse_detail(row.detail) or {}), row.prev_hash, row.hash
        )
        for row in connection.execute(query)
    ]


def validate_entry(entry: AuditEntry) -> None:
    """Refuse an entry the log must not hold; :func:`append` calls this first.

    ``ValueError`` for what is a programming error and that the two databases would
    otherwise treat differently (PostgreSQL enforces column lengths, SQLite does not);
    SEC-002 for what looks like an individual number in ``detail``.  A handler may call
    it before its own work to fail early.
    """
    if not (len(entry.lg_code) == 6 and entry.lg_code.isascii() and entry.lg_code.isdigit()):
        raise ValueError("AuditEntry.lg_code must be 6 ASCII digits")
    for name, limit in _LIMITS.items():
        value = getattr(entry, name)
        if value is not None and not (0 < len(value) <= limit):
            raise ValueError(f"AuditEntry.{name} must have 1 to {limit} characters")
    canonical_detail(entry.detail)  # TypeError/ValueError if not plain JSON
    where = _individual_number_path(entry.detail, "detail")
    if where is not None:
        raise JichiError(NUMBER_IN_AUDIT_DETAIL, field=where)


def _canonical(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )


_FULLWIDTH_DIGITS = {ord(c): ord("0") + i for i, c in enumerate("０１２３４５６７８９")}
# Twelve digits, optionally grouped 4-4-4 by a space or hyphen, not inside a longer run of
# letters, digits or hyphens (so the all-digit tail of a UUID is not taken for a number).
_TWELVE_DIGITS = re.compile(
    r"(?<![0-9A-Za-z\-])[0-9]{4}[ \-]?[0-9]{4}[ \-]?[0-9]{4}(?![0-9A-Za-z\-])"
)


def _individual_number_path(value: Any, path: str) -> str | None:
    """The JSON path of the first value that looks like an individual number, if any.

    A safety net, not a guarantee: it catches the number written as digits (full- or
    half-width, grouped 4-4-4 or not) whose check digit is right.  One random 12-digit
    string in ten passes the check digit, which is why a match refuses the entry instead
    of silently masking it: the caller must not be putting such a value here.
    """
    if isinstance(value, Mapping):
        for key, item in value.items():
            found = _individual_number_path(key, path) or _individual_number_path(
                item, f"{path}.{key}"
            )
            if found is not None:
                return found
        return None
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _individual_number_path(item, f"{path}[{index}]")
            if found is not None:
                return found
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        for match in _TWELVE_DIGITS.finditer(value.translate(_FULLWIDTH_DIGITS)):
            digits = match.group().replace(" ", "").replace("-", "")
            if individual_number_check_digit(digits[:11]) == int(digits[11]):
                return path
    return None


def _lock_chain(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    elif connection.dialect.name == "sqlite":
        # A write that matches no row (so the append-only trigger does not fire) takes
        # SQLite's single write lock before we read the newest row.
        connection.execute(text("DELETE FROM audit_log WHERE 0"))


def _stream(
    connection: Connection,
) -> Generator[tuple[int, str, str, AuditEntry | None], None, None]:
    query = select(audit_log).order_by(audit_log.c.seq)
    with connection.execution_options(yield_per=_BATCH).execute(query) as rows:
        for row in rows:
            detail = _parse_detail(row.detail)
            entry = None if detail is None else _entry_from_row(row, detail)
            yield row.seq, row.prev_hash, row.hash, entry


def _parse_detail(stored: str) -> dict[str, Any] | None:
    """The stored detail as a dict, or ``None`` if it is no longer a JSON object."""
    try:
        detail = json.loads(stored)
    except ValueError:
        return None
    return detail if isinstance(detail, dict) else None


def _entry_from_row(row: Row[Any], detail: dict[str, Any]) -> AuditEntry:
    at = row.at if row.at.tzinfo is not None else row.at.replace(tzinfo=UTC)  # SQLite
    return AuditEntry(
        lg_code=row.lg_code,
        at=at,
        actor=row.actor,
        actor_role=row.actor_role,
        action=row.action,
        subject_person_id=row.subject_person_id,
        purpose=row.purpose,
        detail=detail,
    )


def _report(progress: Callable[[int], None] | None, checked: int) -> None:
    if progress is not None:
        progress(checked)
