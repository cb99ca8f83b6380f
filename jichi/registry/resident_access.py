"""本人確認コード: a resident signs in to see their own record and who accessed it.

A clerk (or ``jichi`` on the command line) issues a six-digit code bound to one person; it
is valid for ten minutes and for one sign-in.  Only a keyed hash of the code is stored
(HMAC with the look-up key, salted by the code's id), so a copy of the database does not
give a working code, and six digits cannot be tried against the hashes offline without
the key.  To sign in the resident gives the code *and* their date of birth: guessing a
live code blindly is one in a million per try, and the birth date must match as well.

Issuing and signing in are written to the audit log, so the resident sees them too.  The
resident's own reads go through :class:`jichi.registry.service.Registry` like everyone
else's, as the actor :data:`RESIDENT_ACTOR` with the role ``resident``.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from jichi.kernel.clock import jst_date
from jichi.kernel.errors import JichiError, define
from jichi.places.change_store import codes_held
from jichi.registry import repository as repo
from jichi.registry.errors import PERSON_NOT_FOUND
from jichi.registry.projection import replay
from jichi.security import audit
from jichi.security.actor import Actor
from jichi.security.audit_reads import TenantAuditLog
from jichi.store.engine import write_transaction
from jichi.store.metadata import metadata

CODE_DIGITS = 6
VALIDITY = timedelta(minutes=10)
HASH_CONTEXT = "resident_access_code"
RESIDENT_ACTOR = "resident-self"
RESIDENT_ROLE = "resident"

resident_access_code = sa.Table(
    "resident_access_code",
    metadata,
    sa.Column("code_id", sa.String(36), primary_key=True),
    sa.Column("lg_code", sa.String(6), nullable=False),
    sa.Column("person_id", sa.String(36), nullable=False),
    sa.Column("code_hash", sa.String(64), nullable=False),
    sa.Column("issued_by", sa.String(100), nullable=False),
    sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
)

CODE_INVALID = define(
    "ACC-001",
    "確認コードまたは生年月日が正しくないか、コードの有効期限（発行から10分）が切れています。"
    "窓口で新しいコードを受け取ってください。",
    "the access code or date of birth is wrong, or the code expired or was used",
    http_status=401,
)
CODE_FORMAT = define(
    "ACC-002",
    "確認コードは半角数字6桁で入力してください。",
    "an access code is six digits",
)


@dataclass(frozen=True)
class IssuedCode:
    code: str  # shown once to the clerk, who hands it to the resident; never stored
    person_id: str
    expires_at: datetime


class ResidentAccess:
    """One-time codes of one municipality; built by the same composition root as Registry."""

    def __init__(self, registry: Any) -> None:
        self.registry = registry  # jichi.registry.service.Registry (engine, lg_code, cipher)

    def issue(self, person_id: str, actor: Actor) -> IssuedCode:
        """A new code for ``person_id`` (an active or removed record of this municipality)."""
        now = self.registry.clock().astimezone(UTC)
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        code_id = str(uuid.uuid4())
        with write_transaction(self.registry.engine) as conn:
            self._record(conn, person_id)
            conn.execute(
                resident_access_code.insert().values(
                    code_id=code_id,
                    lg_code=self.registry.lg_code,
                    person_id=person_id,
                    code_hash=self._hash(code_id, code),
                    issued_by=actor.staff_id,
                    issued_at=now,
                    expires_at=now + VALIDITY,
                )
            )
            self.registry.audit(
                conn, actor, action="resident_access.issue", at=now, subject_person_id=person_id
            )
        return IssuedCode(code, person_id, now + VALIDITY)

    def redeem(self, code: str, date_of_birth: date) -> str:
        """The person a live code belongs to; the code is used up.  ACC-001 otherwise."""
        code = code.strip()
        if not (len(code) == CODE_DIGITS and code.isascii() and code.isdigit()):
            raise JichiError(CODE_FORMAT, field="code")
        now = self.registry.clock().astimezone(UTC)
        with write_transaction(self.registry.engine) as conn:
            rows = conn.execute(
                sa.select(resident_access_code).where(
                    resident_access_code.c.lg_code == self.registry.lg_code,
                    resident_access_code.c.used_at.is_(None),
                    resident_access_code.c.expires_at > now,
                )
            ).all()
            for row in rows:
                live = _aware(row.expires_at) > now
                if not live or not secrets.compare_digest(
                    row.code_hash, self._hash(row.code_id, code)
                ):
                    continue
                # The code is used up by this attempt, right or wrong: a code that leaked
                # cannot be tried against one birth date after another.
                conn.execute(
                    resident_access_code.update()
                    .where(
                        resident_access_code.c.code_id == row.code_id,
                        resident_access_code.c.lg_code == self.registry.lg_code,
                    )
                    .values(used_at=now)
                )
                if self._record(conn, row.person_id).date_of_birth != date_of_birth:
                    break
                self.registry.audit(
                    conn,
                    self.actor(self.registry.lg_code),
                    action="resident_access.sign_in",
                    at=now,
                    subject_person_id=row.person_id,
                )
                return str(row.person_id)
        raise JichiError(CODE_INVALID, field="code")

    def accesses(self, person_id: str, *, limit: int = 500) -> list[audit.AuditRecord]:
        """Every audit entry about the person, newest first (their 「誰が見たか」)."""
        with self.registry.engine.connect() as conn:
            return TenantAuditLog(self.registry.lg_code).for_person(conn, person_id, limit=limit)

    @staticmethod
    def actor(lg_code: str) -> Actor:
        """The resident acting on their own record (for Registry reads, which audit)."""
        return Actor(RESIDENT_ACTOR, lg_code, RESIDENT_ROLE)

    def _hash(self, code_id: str, code: str) -> str:
        digest: str = self.registry.cipher.lookup_hash(f"{code_id}:{code}", context=HASH_CONTEXT)
        return digest

    def _record(self, conn: sa.Connection, person_id: str) -> Any:
        events = repo.load_events(conn, [person_id]).get(person_id, [])
        held = codes_held(conn, self.registry.lg_code)
        record = replay(  # as of today: a move-out planned for later has not happened yet
            [ev for ev in events if ev.lg_code in held],
            as_of=jst_date(self.registry.clock()),
        )
        if record is None:
            raise JichiError(PERSON_NOT_FOUND, field="person_id", person_id=person_id)
        return record


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite keeps UTC, naive
