"""Reads of the roll (抄本, 縦覧/閲覧, diff) — each one names its persons in the audit log.

The roll holds personal data (氏名・住所・生年月日・性別), so every read that shows an
entry is audited like any read of the registry: one :class:`jichi.security.audit.AuditEntry`
per person shown, in the caller's transaction, authenticated with the audit key, so a
resident's own access log (``entries_for_person``) lists who read their roll entry, when
and why.  Counts show no person and leave one entry without a subject.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from jichi.elections import district_store, roll_outputs
from jichi.elections.roll_build import Build, get_build
from jichi.elections.roll_outputs import Change, ExtractLine
from jichi.elections.sources import particulars
from jichi.security import audit
from jichi.security.actor import Actor
from jichi.security.keys import AuditKey

__all__ = ["EXTRACT", "INSPECT", "read_counts", "read_diff", "read_extract"]

EXTRACT = "voter_roll.extract"  # 抄本 (CSV / PDF)
INSPECT = "voter_roll.inspect"  # 縦覧・閲覧 at the counter
DIFF = "voter_roll.diff"
COUNTS = "voter_roll.counts"


def log_reads(
    conn: Connection,
    actor: Actor,
    key: AuditKey,
    person_ids: Sequence[str | None],
    *,
    action: str,
    purpose: str | None,
    detail: dict[str, Any],
    at: datetime | None = None,
) -> None:
    """One audit entry per person read, in the caller's transaction (roll, diff, tickets)."""
    when = at or datetime.now(UTC)
    audit.append_many(
        conn,
        [
            audit.AuditEntry(
                lg_code=actor.lg_code,
                at=when,
                actor=actor.staff_id,
                actor_role=actor.role,
                action=action,
                subject_person_id=pid,
                purpose=purpose,
                detail=detail,
            )
            for pid in person_ids
        ],
        key,
    )


def read_extract(
    conn: Connection,
    actor: Actor,
    key: AuditKey,
    build_id: str,
    *,
    district: str | None,
    action: str = EXTRACT,
    purpose: str | None = None,
    hide_restricted: bool = False,
) -> tuple[Build, list[ExtractLine], dict[str, str]]:
    """The 抄本 lines of one district (or all), each person shown audited."""
    b = get_build(conn, actor.lg_code, build_id)
    people = particulars(conn, actor.lg_code, [e.person_id for e in b.entries])
    lines = roll_outputs.extract_lines(b, people, district, hide_restricted=hide_restricted)
    table = district_store.load(conn, actor.lg_code)
    names = table.names() if table else {}
    names.setdefault(district_store.DEFAULT_DISTRICT.code, district_store.DEFAULT_DISTRICT.name)
    detail = {"as_of": b.as_of.isoformat(), "district": district or "*"}
    log_reads(
        conn,
        actor,
        key,
        [x.person_id for x in lines],
        action=action,
        purpose=purpose,
        detail=detail,
    )
    return b, lines, names


def read_diff(
    conn: Connection, actor: Actor, key: AuditKey, build_a: str, build_b: str
) -> list[Change]:
    """The changes from build A to B, each person named audited."""
    a = get_build(conn, actor.lg_code, build_a)
    b = get_build(conn, actor.lg_code, build_b)
    changes = roll_outputs.diff(a, b)
    detail = {"from": a.as_of.isoformat(), "to": b.as_of.isoformat()}
    ids = [c.person_id for c in changes]
    log_reads(conn, actor, key, ids, action=DIFF, purpose=None, detail=detail)
    return changes


def read_counts(
    conn: Connection, actor: Actor, key: AuditKey, build_id: str
) -> list[dict[str, Any]]:
    """Counts by district, sex and age band (no person shown: one subject-less entry)."""
    b = get_build(conn, actor.lg_code, build_id)
    rows = roll_outputs.counts(b)
    log_reads(
        conn, actor, key, [None], action=COUNTS, purpose=None, detail={"as_of": b.as_of.isoformat()}
    )
    return rows
