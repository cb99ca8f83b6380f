"""The audit log: who did what to whose data, append-only, hash-chained and keyed.

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

Why a MAC as well as the chain: anyone who can write the table can also recompute every
SHA-256 downstream of an edit, and the chain then verifies.  Each row therefore also
stores ``mac = HMAC-SHA256(audit key, canonical JSON of seq, prev_hash, hash and every
field)``; the audit key is derived from the master secret (:mod:`jichi.security.keys`)
and never stored, so a database insider cannot make a row :func:`verify` accepts.  Rows
written before migration 0019 have no MAC: they are accepted only as a prefix of the log
and reported as ``legacy``; a row without a MAC after one with a MAC is a failure.  The
anchors of :mod:`jichi.security.anchors` are what keep rows cut off the end, or a legacy
prefix rewritten, from going unseen.

``detail`` is stored as its canonical JSON text; :func:`verify` parses it refusing
duplicate keys and requires the stored text to be exactly the canonical text of what it
parsed, so what is verified is what a reader of the row sees.

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
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, text

from jichi.kernel.clock import now as clock_now
from jichi.kernel.errors import JichiError
from jichi.kernel.inputs import individual_number_path, refuse_individual_number
from jichi.security.errors import NUMBER_IN_AUDIT_DETAIL
from jichi.security.keys import AuditKey
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
    at: datetime = field(default_factory=clock_now)
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
    """An entry as stored: its place in the chain, its hashes and its MAC (legacy: None)."""

    seq: int
    entry: AuditEntry
    prev_hash: str
    hash: str
    mac: str | None = None


class VerifyFailure(StrEnum):
    """Why :func:`verify` stopped; the value is stable, the messages are for people."""

    SEQ_GAP = "seq_gap"
    PREV_HASH_MISMATCH = "prev_hash_mismatch"
    HASH_MISMATCH = "hash_mismatch"
    ANCHOR_MISMATCH = "anchor_mismatch"
    ANCHOR_MISSING = "anchor_missing"
    MAC_MISMATCH = "mac_mismatch"
    MAC_MISSING = "mac_missing"
    DETAIL_NOT_CANONICAL = "detail_not_canonical"

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
    VerifyFailure.MAC_MISMATCH: (
        "行の認証符号が一致しません（鍵を持たない者が行を書き換え・挿入し、"
        "ハッシュを計算し直しています）。",
        "the row's MAC is wrong: it was written or rewritten without the audit key",
    ),
    VerifyFailure.MAC_MISSING: (
        "認証符号のない行が認証済みの行の後にあります（行が挿入されています）。",
        "a row without a MAC follows an authenticated row: it was inserted",
    ),
    VerifyFailure.DETAIL_NOT_CANONICAL: (
        "詳細（detail）が正規の JSON ではありません（重複したキーなど、"
        "検証される内容と表示される内容が異なります）。",
        "the stored detail is not canonical JSON (a duplicate key, say): what is "
        "verified would differ from what is shown",
    ),
}


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of :func:`verify`.

    ``checked`` counts the rows read, including the first bad one.  ``last_seq`` and
    ``last_hash`` are the last row found good: the head of the chain when ``ok`` (record
    them elsewhere and pass them back as an anchor to detect rows cut off the end), and
    ``None`` when no row was good.  ``legacy`` counts the rows without a MAC at the start
    of the log (written before migration 0019): the chain covers them, the key does not.
    """

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: VerifyFailure | None = None
    last_seq: int | None = None
    last_hash: str | None = None
    legacy: int = 0


def canonical_detail(detail: Mapping[str, Any]) -> str:
    """The one JSON text of ``detail`` that is stored and hashed (sorted keys, no spaces)."""
    return _canonical(detail)


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    """SHA-256 (hex) of the canonical JSON of every field of ``entry`` and ``prev_hash``.

    Pure, so it can be recomputed anywhere (by an external auditor with a copy of the
    table, say): keys sorted, UTF-8 not escaped, ``at`` as ISO 8601 in UTC with
    microseconds, ``detail`` as a JSON object.
    """
    return hashlib.sha256(_canonical(_payload(prev_hash, entry)).encode("utf-8")).hexdigest()


def entry_mac(key: AuditKey, seq: int, prev_hash: str, digest: str, entry: AuditEntry) -> str:
    """HMAC-SHA256 (hex) over the canonical JSON of seq, prev_hash, hash and every field.

    ``seq`` is inside, so a row cannot be moved; ``prev_hash`` and ``hash`` too, so a
    valid row cannot be spliced into another chain.  The ``"jichi/audit-row"`` label keeps
    a row's MAC from ever equalling an anchor's.
    """
    return key.mac(_mac_message(seq, prev_hash, digest, entry))


def append(connection: Connection, entry: AuditEntry, key: AuditKey) -> int:
    """Add ``entry`` at the end of the chain in the caller's transaction; return its seq.

    Never commits: the entry becomes visible when, and only if, the caller's work does.
    The chain lock is held from here to the end of that transaction, so keep it short.
    ``key`` (``FieldCipher.audit_key`` or ``Keys.audit_key``) authenticates the row.
    """
    return append_many(connection, [entry], key)[0]


def append_many(connection: Connection, entries: Sequence[AuditEntry], key: AuditKey) -> list[int]:
    """Add several entries under one lock with one multi-row insert; return their seqs.

    For a read that shows many people at once (a search page, an export): one entry per
    person, so each one's own view lists it, at the cost of one statement.
    """
    for entry in entries:
        validate_entry(entry)
    if not entries:
        return []
    _lock_chain(connection)
    newest = connection.execute(
        select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (0, GENESIS_HASH) if newest is None else (newest.seq, newest.hash)
    rows: list[dict[str, Any]] = []
    for entry in entries:
        seq += 1
        digest = entry_hash(prev_hash, entry)
        rows.append(
            {
                "seq": seq,
                "lg_code": entry.lg_code,
                "at": entry.at,
                "actor": entry.actor,
                "actor_role": entry.actor_role,
                "action": entry.action,
                "subject_person_id": entry.subject_person_id,
                "purpose": entry.purpose,
                "detail": canonical_detail(entry.detail),
                "prev_hash": prev_hash,
                "hash": digest,
                "mac": entry_mac(key, seq, prev_hash, digest, entry),
            }
        )
        prev_hash = digest
    for start in range(0, len(rows), _BATCH):
        connection.execute(insert(audit_log), rows[start : start + _BATCH])
    return [row["seq"] for row in rows]


def head(connection: Connection) -> AuditRecord | None:
    """The newest row (for an anchor), or ``None`` if the log is empty."""
    row = connection.execute(select(audit_log).order_by(audit_log.c.seq.desc()).limit(1)).first()
    if row is None:
        return None
    detail = _parse_detail(row.detail)
    entry = _entry_from_row(row, detail if detail is not None else {})
    return AuditRecord(row.seq, entry, row.prev_hash, row.hash, row.mac)


def authentic(record: AuditRecord, key: AuditKey) -> bool:
    """Whether ``record``'s hash and MAC are right for its fields (one row, no chain)."""
    digest = entry_hash(record.prev_hash, record.entry)
    return digest == record.hash and key.matches(
        _mac_message(record.seq, record.prev_hash, digest, record.entry), record.mac
    )


def count_entries(connection: Connection) -> int:
    """How many rows the log holds (for a progress bar's total)."""
    return int(connection.execute(select(func.count()).select_from(audit_log)).scalar_one())


def verify(
    connection: Connection,
    key: AuditKey,
    *,
    anchor: tuple[int, str] | None = None,
    anchors: Iterable[tuple[int, str]] = (),
    progress: Callable[[int], None] | None = None,
) -> VerifyResult:
    """Recompute the whole chain and every MAC in seq order; report the first bad row.

    Rows are streamed (a server-side cursor on PostgreSQL), so memory stays flat however
    long the log.  ``anchor`` and ``anchors`` are ``(seq, hash)`` pairs recorded earlier
    (seq 0 with :data:`GENESIS_HASH` stands for the empty log); every one must match.
    ``progress`` is called with the number of rows checked so far, every thousand rows
    and at the end.
    """
    expected: dict[int, set[str]] = {}
    for seq, digest in [*([anchor] if anchor is not None else []), *anchors]:
        expected.setdefault(seq, set()).add(digest)
    if 0 in expected and expected.pop(0) != {GENESIS_HASH}:
        return VerifyResult(False, 0, 0, VerifyFailure.ANCHOR_MISMATCH)
    checked = legacy = 0
    authenticated = False
    prev_seq, prev_hash = 0, GENESIS_HASH
    rows = _stream(connection)
    for seq, stored_prev, stored_hash, stored_mac, entry in rows:
        checked += 1
        failure = None
        if seq != prev_seq + 1:
            failure = VerifyFailure.SEQ_GAP
        elif stored_prev != prev_hash:
            failure = VerifyFailure.PREV_HASH_MISMATCH
        elif entry is None:
            failure = VerifyFailure.DETAIL_NOT_CANONICAL
        elif entry_hash(stored_prev, entry) != stored_hash:
            failure = VerifyFailure.HASH_MISMATCH
        elif stored_mac is None:
            failure = VerifyFailure.MAC_MISSING if authenticated else None
            legacy += not authenticated
        elif not key.matches(_mac_message(seq, stored_prev, stored_hash, entry), stored_mac):
            failure = VerifyFailure.MAC_MISMATCH
        else:
            authenticated = True
        if failure is None and seq in expected and expected.pop(seq) != {stored_hash}:
            failure = VerifyFailure.ANCHOR_MISMATCH
        if failure is not None:
            rows.close()  # closes the server-side cursor now, not at garbage collection
            _report(progress, checked)
            good_seq, good_hash = (prev_seq, prev_hash) if prev_seq else (None, None)
            return VerifyResult(False, checked, seq, failure, good_seq, good_hash, legacy)
        prev_seq, prev_hash = seq, stored_hash
        if progress is not None and checked % _BATCH == 0:
            progress(checked)
    _report(progress, checked)
    last_seq, last_hash = (prev_seq, prev_hash) if checked else (None, None)
    if expected:
        missing = VerifyFailure.ANCHOR_MISSING
        return VerifyResult(False, checked, min(expected), missing, last_seq, last_hash, legacy)
    return VerifyResult(True, checked, None, None, last_seq, last_hash, legacy)


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
            row.seq,
            _entry_from_row(row, _parse_detail(row.detail) or {}),
            row.prev_hash,
            row.hash,
            row.mac,
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
    _require_plain_json(entry.detail, "detail")
    canonical_detail(entry.detail)  # ValueError if not finite
    # A purpose is typed by a clerk (or sent by a program): never an individual number.
    refuse_individual_number(entry.purpose, field="purpose")
    where = _individual_number_path(entry.detail, "detail")
    if where is not None:
        raise JichiError(NUMBER_IN_AUDIT_DETAIL, field=where)


def _payload(prev_hash: str, entry: AuditEntry) -> dict[str, Any]:
    return {
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


def _mac_message(seq: int, prev_hash: str, digest: str, entry: AuditEntry) -> bytes:
    payload = {"kind": "jichi/audit-row", "seq": seq, "hash": digest, **_payload(prev_hash, entry)}
    return _canonical(payload).encode("utf-8")


def _require_plain_json(value: Any, path: str) -> None:
    """Refuse what ``json.dumps`` would silently change (int keys, sets, NaN, objects).

    An int key ``1`` and a str key ``"1"`` would both become ``"1"``: a duplicate key in
    the stored text, and a detail that reads back differently from what was hashed.
    """
    if isinstance(value, Mapping):
        for name, item in value.items():
            if not isinstance(name, str):
                raise ValueError(f"AuditEntry.{path} has a key that is not a string")
            _require_plain_json(item, f"{path}.{name}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _require_plain_json(item, f"{path}[{index}]")
    elif not (value is None or isinstance(value, str | int | float)):
        raise ValueError(f"AuditEntry.{path} is not plain JSON ({type(value).__name__})")


def _canonical(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )


def _individual_number_path(value: Any, path: str) -> str | None:
    """The JSON path of the first value that looks like an individual number (the kernel's
    detector, shared with the free-text checks of the forms)."""
    return individual_number_path(value, path)


def _lock_chain(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    elif connection.dialect.name == "sqlite":
        # A write that matches no row (so the append-only trigger does not fire) takes
        # SQLite's single write lock before we read the newest row.
        connection.execute(text("DELETE FROM audit_log WHERE 0"))


def _stream(
    connection: Connection,
) -> Generator[tuple[int, str, str, str | None, AuditEntry | None], None, None]:
    query = select(audit_log).order_by(audit_log.c.seq)
    with connection.execution_options(yield_per=_BATCH).execute(query) as rows:
        for row in rows:
            detail = _parse_detail(row.detail)
            if detail is not None and canonical_detail(detail) != row.detail:
                detail = None  # verified text must be the text stored, byte for byte
            entry = None if detail is None else _entry_from_row(row, detail)
            yield row.seq, row.prev_hash, row.hash, row.mac, entry


def _parse_detail(stored: str) -> dict[str, Any] | None:
    """The stored detail as a dict; ``None`` if not a JSON object or a key is repeated."""
    try:
        detail = json.loads(stored, object_pairs_hook=_refuse_duplicates)
    except ValueError:
        return None
    return detail if isinstance(detail, dict) else None


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise ValueError("duplicate key in audit detail")
    return found


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
