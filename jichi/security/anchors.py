"""Audit anchors: the head of the log, written where the database cannot reach.

The MAC of :mod:`jichi.security.audit` stops a database insider without the key from
rewriting rows, but not from deleting rows at the end (the rest still verifies) or, for
the legacy rows written before migration 0019, from rewriting them with the SHA chain
recomputed.  An anchor closes both: one line ``{"seq", "hash", "at", "mac"}`` appended to
a file on another system (a WORM share, a log host, a second disk the database account
cannot write), the MAC made with the audit key so whoever can write that file cannot
forge a line either.  ``jichi audit verify --anchors FILE`` then checks every anchor:
a row at or before an anchor that changed, or an anchor beyond the end of the log, fails.

``jichi audit anchor --to FILE`` writes one; ``jichi serve`` writes one every
``JICHI_AUDIT_ANCHOR_INTERVAL`` seconds (default 300) when ``JICHI_AUDIT_ANCHOR_FILE`` is
set (:class:`AnchorSchedule`).  The file is opened append-only and each line is fsynced
before the call returns.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from jichi.kernel.clock import now as clock_now
from jichi.kernel.errors import JichiError
from jichi.security import audit
from jichi.security.errors import (
    AUDIT_ANCHOR_FILE_INVALID,
    AUDIT_ANCHOR_FORGED,
    AUDIT_HEAD_UNAUTHENTICATED,
)
from jichi.security.keys import AuditKey

ENV_FILE = "JICHI_AUDIT_ANCHOR_FILE"
ENV_INTERVAL = "JICHI_AUDIT_ANCHOR_INTERVAL"
DEFAULT_INTERVAL = 300.0
_KIND = "jichi/audit-anchor"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Anchor:
    """The head of the log at ``at``: ``seq`` 0 and the genesis hash for an empty log."""

    seq: int
    hash: str
    at: datetime


def anchor_mac(key: AuditKey, seq: int, digest: str, at: str) -> str:
    """HMAC over the anchor's fields, labelled so it never equals a row's MAC."""
    return key.mac(_message(seq, digest, at))


def _message(seq: int, digest: str, at: str) -> bytes:
    text = json.dumps(
        {"kind": _KIND, "seq": seq, "hash": digest, "at": at},
        sort_keys=True,
        separators=(",", ":"),
    )
    return text.encode("utf-8")


def current_anchor(engine: Engine, key: AuditKey, *, now: datetime | None = None) -> Anchor:
    """The head of the log, refused (SEC-022) if that row does not authenticate.

    Anchoring a forged head would bless it; checking the one row is cheap.  A legacy head
    (no MAC yet) is accepted when its hash is right: the anchor is what protects it.
    """
    with engine.connect() as connection:
        newest = audit.head(connection)
    at = (now or clock_now()).astimezone(UTC)
    if newest is None:
        return Anchor(0, audit.GENESIS_HASH, at)
    legacy_ok = newest.mac is None and audit.entry_hash(newest.prev_hash, newest.entry) == (
        newest.hash
    )
    if not (legacy_ok or audit.authentic(newest, key)):
        raise JichiError(AUDIT_HEAD_UNAUTHENTICATED, seq=newest.seq)
    return Anchor(newest.seq, newest.hash, at)


def write_anchor(
    engine: Engine, key: AuditKey, path: Path | str, *, now: datetime | None = None
) -> Anchor:
    """Append the current head as one authenticated line to ``path`` and fsync it."""
    anchor = current_anchor(engine, key, now=now)
    at = anchor.at.isoformat(timespec="microseconds")
    mac = anchor_mac(key, anchor.seq, anchor.hash, at)
    line = json.dumps(
        {"seq": anchor.seq, "hash": anchor.hash, "at": at, "mac": mac},
        sort_keys=True,
        separators=(",", ":"),
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, (line + "\n").encode("ascii"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    return anchor


def read_anchors(path: Path | str, key: AuditKey) -> list[Anchor]:
    """Every anchor in ``path``, each MAC checked (SEC-021); a bad line is SEC-020."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or type(error).__name__
        raise JichiError(AUDIT_ANCHOR_FILE_INVALID, path=name, line=0, reason=reason) from None
    if text and not text.endswith("\n"):
        last = text.count("\n") + 1
        raise JichiError(AUDIT_ANCHOR_FILE_INVALID, path=name, line=last, reason="truncated")
    found: list[Anchor] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        found.append(_parse_line(raw, key, name, number))
    return found


def _parse_line(raw: str, key: AuditKey, name: str, number: int) -> Anchor:
    try:
        fields = json.loads(raw)
        seq, digest, at, mac = fields["seq"], fields["hash"], fields["at"], fields["mac"]
        valid = (
            isinstance(seq, int)
            and seq >= 0
            and isinstance(digest, str)
            and len(digest) == 64
            and isinstance(at, str)
            and isinstance(mac, str)
        )
        when = datetime.fromisoformat(at) if valid else None
    except (ValueError, KeyError, TypeError):
        valid, when = False, None
    if not valid or when is None:
        raise JichiError(AUDIT_ANCHOR_FILE_INVALID, path=name, line=number, reason="not an anchor")
    if not key.matches(_message(seq, digest, at), mac):
        raise JichiError(AUDIT_ANCHOR_FORGED, path=name, line=number)
    return Anchor(seq, digest, when)


class AnchorSchedule:
    """A daemon thread that writes an anchor every ``interval`` seconds, and at stop."""

    def __init__(
        self,
        engine: Engine,
        key: AuditKey,
        path: Path | str,
        interval: float,
        *,
        clock: Callable[[], datetime] = clock_now,
    ) -> None:
        if interval <= 0:
            raise ValueError(f"{ENV_INTERVAL} must be a positive number of seconds")
        self.engine, self.key, self.path, self.interval = engine, key, path, interval
        self.clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="audit-anchor", daemon=True)

    @classmethod
    def from_environment(
        cls, engine: Engine, key: AuditKey, environ: Mapping[str, str] | None = None
    ) -> AnchorSchedule | None:
        """The schedule ``JICHI_AUDIT_ANCHOR_FILE``/``_INTERVAL`` ask for, or ``None``."""
        env = os.environ if environ is None else environ
        path = env.get(ENV_FILE, "").strip()
        if not path:
            return None
        interval = float(env.get(ENV_INTERVAL, "").strip() or DEFAULT_INTERVAL)
        return cls(engine, key, path, interval)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Wake the thread, let it write its last anchor, and wait for it."""
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while True:
            stopping = self._stop.wait(self.interval)
            self._write()
            if stopping:
                return

    def _write(self) -> None:
        try:
            anchor = write_anchor(self.engine, self.key, self.path, now=self.clock())
            log.info("audit anchor %s written to %s", anchor.seq, self.path)
        except Exception:  # the server keeps serving; the operator sees the log line
            log.exception("could not write the audit anchor to %s", self.path)
