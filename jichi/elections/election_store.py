"""Persist and read elections (migration 0031); validation first, always."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.elections.errors import ALREADY_EXISTS, UNKNOWN_ELECTION
from jichi.elections.model import Candidate, Election, ElectionType, validate
from jichi.elections.tables import election, election_candidate, election_party
from jichi.kernel.errors import JichiError

__all__ = ["list_for", "load", "load_for", "save"]


def save(conn: Connection, e: Election, *, now: datetime | None = None) -> Election:
    """Validate and insert; an existing id is refused (ELE-028), never overwritten."""
    validate(e)
    exists = conn.execute(
        sa.select(election.c.election_id).where(election.c.election_id == e.election_id)
    ).first()
    if exists:
        raise JichiError(ALREADY_EXISTS, field="election_id", value=e.election_id)
    conn.execute(
        election.insert().values(
            election_id=e.election_id,
            lg_code=e.lg_code,
            kind=e.kind.value,
            by_election=e.by_election,
            district=e.district,
            seats=e.seats,
            announced_on=e.announced_on,
            polling_day=e.polling_day,
            created_at=now or datetime.now(UTC),
        )
    )
    if e.parties:
        conn.execute(
            election_party.insert(), [{"election_id": e.election_id, "party": p} for p in e.parties]
        )
    if e.candidates:
        conn.execute(
            election_candidate.insert(),
            [
                {
                    "election_id": e.election_id,
                    "candidate_id": c.candidate_id,
                    "name": c.name,
                    "party": c.party,
                    "list_rank": c.list_rank,
                    "dual": c.dual,
                    "priority_order": c.priority_order,
                }
                for c in e.candidates
            ],
        )
    return e


def load(conn: Connection, election_id: str) -> Election:
    """The stored election with its parties and candidates (in id order); ELE-018 if none."""
    row = conn.execute(sa.select(election).where(election.c.election_id == election_id)).first()
    if row is None:
        raise JichiError(UNKNOWN_ELECTION, election_id=election_id)
    parties = tuple(
        conn.execute(
            sa.select(election_party.c.party)
            .where(election_party.c.election_id == election_id)
            .order_by(election_party.c.party)
        ).scalars()
    )
    t = election_candidate
    candidates = tuple(
        Candidate(r.candidate_id, r.name, r.party, r.list_rank, r.dual, r.priority_order)
        for r in conn.execute(
            sa.select(t).where(t.c.election_id == election_id).order_by(t.c.candidate_id)
        )
    )
    return Election(
        election_id=row.election_id,
        lg_code=row.lg_code,
        kind=ElectionType(row.kind),
        district=row.district,
        seats=row.seats,
        announced_on=row.announced_on,
        polling_day=row.polling_day,
        by_election=row.by_election,
        parties=parties,
        candidates=candidates,
    )


def list_for(conn: Connection, lg_code: str) -> list[sa.Row[tuple[object, ...]]]:
    """The municipality's elections, newest polling day first (for the commission's list)."""
    return list(
        conn.execute(
            sa.select(
                election.c.election_id,
                election.c.kind,
                election.c.district,
                election.c.seats,
                election.c.polling_day,
                election.c.by_election,
            )
            .where(election.c.lg_code == lg_code)
            .order_by(election.c.polling_day.desc(), election.c.election_id)
        )
    )


def load_for(conn: Connection, lg_code: str, election_id: str) -> Election:
    """:func:`load`, but an election of another municipality is unknown (ELE-018): a
    commission sees its own elections only (tenancy, ADR 0018)."""
    e = load(conn, election_id)
    if e.lg_code != lg_code:
        raise JichiError(UNKNOWN_ELECTION, election_id=election_id)
    return e
