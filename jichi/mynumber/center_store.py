"""The center's numbers: issue from resident codes, change on leak risk, never reissue.

番号法8条: the municipality sends only the 住民票コード; the center generates the number
(:mod:`jichi.mynumber.numbers`), different from every number ever issued, and keeps
each one for ever (``individual_number_issued``: ``active`` or ``superseded``).
番号法7条2項: a number that leaked and may be misused is changed, on the person's
request or ex officio, with the reason; the old number is superseded, never deleted
and never issued again, and :data:`jichi.mynumber.events.NUMBER_CHANGED` tells every
holder.

Numbers are encrypted at rest (:class:`FieldCipher`, context ``individual_number``)
and found by the keyed blind index ``number_hash``; resident codes are kept only as
a blind index.  Nothing here logs a number or puts one into an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from jichi.kernel.errors import JichiError
from jichi.mynumber import events as ev
from jichi.mynumber.errors import (
    BAD_CHANGE_ORIGIN,
    CANDIDATES_EXHAUSTED,
    CHANGE_REASON_REQUIRED,
    NO_NUMBER,
)
from jichi.mynumber.events import Event
from jichi.mynumber.numbers import NumberKey, candidate
from jichi.mynumber.outbox import Listener, emit
from jichi.mynumber.tables import individual_number_change, individual_number_issued
from jichi.security.crypto import FieldCipher
from jichi.store.engine import write_transaction

NUMBER_CONTEXT = "individual_number"  # the registry's context: the same blind index
CODE_CONTEXT = "resident_code"
CHUNK = 2000  # codes per IN (...) query: well under every backend's parameter limit
MAX_TRIES = 64  # candidates per code before giving up (a collision is ~1 in 10^5 at 1M)

T = individual_number_issued


class ChangeOrigin(StrEnum):
    REQUEST = "request"  # 本人の請求
    EX_OFFICIO = "ex_officio"  # 職権


@dataclass(frozen=True)
class Issued:
    """One resident code and its number; ``new`` is False when it had one already."""

    resident_code: str
    individual_number: str
    new: bool

    def __repr__(self) -> str:  # a number must not reach a log by way of repr
        return f"Issued(new={self.new})"


@dataclass(frozen=True)
class Change:
    """A recorded 7条2項 change (blind indexes only, never the numbers)."""

    old_hash: str
    new_hash: str
    origin: ChangeOrigin
    reason: str
    changed_at: datetime
    changed_by: str


class NumberCenter:
    """Generates and keeps individual numbers; the J-LIS role (番号法8条3項)."""

    def __init__(
        self,
        engine: Engine,
        *,
        key: NumberKey,
        cipher: FieldCipher,
        listeners: Sequence[Listener] = (),
    ) -> None:
        self.engine = engine
        self.key = key
        self.cipher = cipher
        self.listeners = tuple(listeners)

    def code_hash(self, resident_code: str) -> str:
        return self.cipher.lookup_hash(resident_code, context=CODE_CONTEXT)

    def number_hash(self, number: str) -> str:
        return self.cipher.lookup_hash(number, context=NUMBER_CONTEXT)

    def issue(self, codes: Sequence[str], *, by: str) -> list[Issued]:
        """A number for every (validated) code, in order; existing ones are returned as-is.

        One transaction for the whole batch: either every new number is recorded or
        none is.
        """
        now = datetime.now(UTC)
        unique = list(dict.fromkeys(codes))
        hashes = {code: self.code_hash(code) for code in unique}
        result: dict[str, Issued] = {}
        with write_transaction(self.engine) as conn:
            for start in range(0, len(unique), CHUNK):
                chunk = unique[start : start + CHUNK]
                existing = self._active_numbers(conn, [hashes[c] for c in chunk])
                fresh = [c for c in chunk if hashes[c] not in existing]
                for code in chunk:
                    if hashes[code] in existing:
                        result[code] = Issued(code, existing[hashes[code]], new=False)
                chosen = self._choose(conn, {c: 0 for c in fresh})
                if chosen:
                    conn.execute(
                        sa.insert(T),
                        [
                            {
                                "number_hash": number_hash,
                                "number_enc": self.cipher.encrypt(number, context=NUMBER_CONTEXT),
                                "code_hash": hashes[code],
                                "counter": counter,
                                "status": "active",
                                "issued_at": now,
                                "issued_by": by,
                            }
                            for code, (number, number_hash, counter) in chosen.items()
                        ],
                    )
                for code, (number, _, _) in chosen.items():
                    result[code] = Issued(code, number, new=True)
            if any(item.new for item in result.values()):
                count = sum(item.new for item in result.values())
                emit(
                    conn,
                    None,
                    [Event(ev.NUMBER_ISSUED, now.date(), detail={"count": count})],
                    self.listeners,
                )
        return [result[code] for code in codes]

    def number_of(self, resident_code: str) -> str:
        """The active number of ``resident_code`` (MYN-004 if none)."""
        with self.engine.connect() as conn:
            found = self._active_numbers(conn, [self.code_hash(resident_code)])
        if not found:
            raise JichiError(NO_NUMBER, field="resident_code")
        return next(iter(found.values()))

    def ever_issued(self, number: str) -> bool:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(T.c.status).where(T.c.number_hash == self.number_hash(number))
            ).first()
        return row is not None

    def change(self, resident_code: str, *, origin: str, reason: str, by: str, on: date) -> str:
        """番号法7条2項: a new number for ``resident_code``; the old one is superseded."""
        try:
            kind = ChangeOrigin(origin)
        except ValueError:
            raise JichiError(BAD_CHANGE_ORIGIN, field="origin", origin=origin) from None
        if not reason.strip():
            raise JichiError(CHANGE_REASON_REQUIRED, field="reason")
        code_hash = self.code_hash(resident_code)
        now = datetime.now(UTC)
        with write_transaction(self.engine) as conn:
            rows = list(
                conn.execute(
                    sa.select(T.c.number_hash, T.c.status, T.c.counter).where(
                        T.c.code_hash == code_hash
                    )
                )
            )
            active = [r for r in rows if r.status == "active"]
            if not active:
                raise JichiError(NO_NUMBER, field="resident_code")
            old_hash = active[0].number_hash
            start = max(r.counter for r in rows) + 1
            number, new_hash, counter = self._choose(conn, {resident_code: start})[resident_code]
            conn.execute(
                sa.update(T)
                .where(T.c.number_hash == old_hash)
                .values(status="superseded", superseded_at=now, superseded_by=new_hash)
            )
            sealed = self.cipher.encrypt(number, context=NUMBER_CONTEXT)
            conn.execute(
                sa.insert(T).values(
                    number_hash=new_hash,
                    number_enc=sealed,
                    code_hash=code_hash,
                    counter=counter,
                    status="active",
                    issued_at=now,
                    issued_by=by,
                )
            )
            conn.execute(
                sa.insert(individual_number_change).values(
                    code_hash=code_hash,
                    old_hash=old_hash,
                    new_hash=new_hash,
                    origin=kind.value,
                    reason=reason.strip(),
                    changed_at=now,
                    changed_by=by,
                )
            )
            detail = {
                "code_hash": code_hash,
                "old_number_hash": old_hash,
                "new_number_hash": new_hash,
                "new_number_enc": sealed,
                "origin": kind.value,
            }
            emit(conn, None, [Event(ev.NUMBER_CHANGED, on, detail=detail)], self.listeners)
        return number

    def changes_of(self, resident_code: str) -> list[Change]:
        c = individual_number_change.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(individual_number_change)
                .where(c.code_hash == self.code_hash(resident_code))
                .order_by(c.seq)
            )
            return [
                Change(
                    r.old_hash,
                    r.new_hash,
                    ChangeOrigin(r.origin),
                    r.reason,
                    r.changed_at,
                    r.changed_by,
                )
                for r in rows
            ]

    # -- internals -------------------------------------------------------------

    def _active_numbers(self, conn: Connection, code_hashes: Iterable[str]) -> dict[str, str]:
        hashes = list(code_hashes)
        if not hashes:
            return {}
        rows = conn.execute(
            sa.select(T.c.code_hash, T.c.number_enc).where(
                T.c.code_hash.in_(hashes), T.c.status == "active"
            )
        )
        return {
            r.code_hash: self.cipher.decrypt(r.number_enc, context=NUMBER_CONTEXT) for r in rows
        }

    def _choose(
        self, conn: Connection, counters: dict[str, int]
    ) -> dict[str, tuple[str, str, int]]:
        """(number, number_hash, counter) per code: the first candidate never issued.

        Candidates are checked against the table (every number ever issued) and
        against each other within the batch; a code whose candidate collides moves
        to its next counter, so the outcome depends only on the key and the table.
        """
        chosen: dict[str, tuple[str, str, int]] = {}
        taken: set[str] = set()
        pending = dict(counters)
        tries = 0
        while pending:
            tries += 1
            if tries > MAX_TRIES:
                raise JichiError(CANDIDATES_EXHAUSTED, field="resident_code", tries=MAX_TRIES)
            proposals = {}
            for code, counter in pending.items():
                number = candidate(self.key, code, counter)
                proposals[code] = (number, self.number_hash(number), counter)
            in_table = self._issued_hashes(conn, [p[1] for p in proposals.values()])
            retry = {}
            for code, (number, number_hash, counter) in proposals.items():
                if number_hash in in_table or number_hash in taken:
                    retry[code] = counter + 1
                else:
                    taken.add(number_hash)
                    chosen[code] = (number, number_hash, counter)
            pending = retry
        return chosen

    def _issued_hashes(self, conn: Connection, number_hashes: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(number_hashes), CHUNK):
            part = number_hashes[start : start + CHUNK]
            found.update(
                conn.execute(sa.select(T.c.number_hash).where(T.c.number_hash.in_(part))).scalars()
            )
        return found
