"""Results as of any moment, from the append-only count observations.

A snapshot as of *t* is, for every (開票区, line), the newest observation made at or
before *t* (later rows made at the same instant win by insertion order).  That is
:func:`fold` over plain values, and :func:`snapshot` computes the same in SQL with a
window function on both databases; a property test holds them equal.  Totals add
開票区 exactly (按分 fractions included); printing truncates to three decimals
(:func:`jichi.elections.apportion.decimal_string`), which the exports carry beside
the exact value.  Who is elected comes from :func:`jichi.elections.thresholds.district_winners`
with the 法定得票数, ties going to a recorded lot, never to sort order.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.elections.apportion import PLACES, decimal_string
from jichi.elections.errors import NOT_ENCODABLE
from jichi.elections.model import Election
from jichi.elections.tables import count_observation as t
from jichi.elections.thresholds import (
    DistrictOutcome,
    deposit_forfeited,
    deposit_threshold,
    district_winners,
)
from jichi.kernel.errors import JichiError

__all__ = [
    "Observation",
    "Snapshot",
    "declare",
    "export_csv",
    "export_json",
    "fold",
    "observations",
    "snapshot",
]


@dataclass(frozen=True)
class Observation:
    counting_district: str
    line: str
    votes: Fraction
    observed_at: datetime
    seq: int = 0  # insertion order, breaks ties between equal instants


@dataclass(frozen=True)
class Snapshot:
    election_id: str
    as_of: datetime
    lines: dict[tuple[str, str], Fraction]  # (開票区, line) → votes

    def totals(self) -> dict[str, Fraction]:
        """Each line summed over 開票区, exactly."""
        out: dict[str, Fraction] = defaultdict(Fraction)
        for (_, line), votes in self.lines.items():
            out[line] += votes
        return dict(sorted(out.items()))

    def candidate_votes(self) -> dict[str, Fraction]:
        return {
            line.removeprefix("candidate:"): v
            for line, v in self.totals().items()
            if line.startswith("candidate:")
        }


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def fold(items: Iterable[Observation], as_of: datetime) -> dict[tuple[str, str], Fraction]:
    """The newest value of each (開票区, line) at or before ``as_of`` (pure)."""
    cut = _utc(as_of)
    latest: dict[tuple[str, str], tuple[datetime, int, Fraction]] = {}
    for o in items:
        at = _utc(o.observed_at)
        if at > cut:
            continue
        key = (o.counting_district, o.line)
        if key not in latest or (at, o.seq) >= latest[key][:2]:
            latest[key] = (at, o.seq, o.votes)
    return {key: value[2] for key, value in sorted(latest.items())}


def observations(conn: Connection, election_id: str) -> list[Observation]:
    """Every observation of the election, oldest first (the audit trail of the count)."""
    rows = conn.execute(
        sa.select(t).where(t.c.election_id == election_id).order_by(t.c.observation_id)
    )
    return [
        Observation(
            r.counting_district, r.line, Fraction(r.votes), _utc(r.observed_at), r.observation_id
        )
        for r in rows
    ]


def snapshot(conn: Connection, election_id: str, as_of: datetime) -> Snapshot:
    """The result as of ``as_of``, computed by the database (newest row per line)."""
    cut = _utc(as_of)
    ranked = (
        sa.select(
            t.c.counting_district,
            t.c.line,
            t.c.votes,
            sa.func.row_number()
            .over(
                partition_by=(t.c.counting_district, t.c.line),
                order_by=(t.c.observed_at.desc(), t.c.observation_id.desc()),
            )
            .label("n"),
        )
        .where(t.c.election_id == election_id, t.c.observed_at <= cut)
        .subquery()
    )
    rows = conn.execute(
        sa.select(ranked.c.counting_district, ranked.c.line, ranked.c.votes)
        .where(ranked.c.n == 1)
        .order_by(ranked.c.counting_district, ranked.c.line)
    )
    lines = {(r.counting_district, r.line): Fraction(r.votes) for r in rows}
    return Snapshot(election_id, cut, dict(sorted(lines.items())))


@dataclass(frozen=True)
class Declaration:
    outcome: DistrictOutcome
    forfeited: tuple[str, ...]  # 供託物没収点 not reached (93条1項)
    deposit_line: Fraction | None


def declare(e: Election, snap: Snapshot, *, lot: tuple[str, ...] | None = None) -> Declaration:
    """Who is elected (法定得票数, lot for ties) and whose deposit is forfeited."""
    votes = {c.candidate_id: Fraction(0) for c in e.candidates}
    votes.update(snap.candidate_votes())
    valid = sum(votes.values(), Fraction(0))
    kind = e.kind.threshold_kind
    outcome = district_winners(kind, votes, e.seats, lot=lot, valid_votes=valid)
    line = deposit_threshold(kind, valid, e.seats)
    forfeited = tuple(sorted(c for c, v in votes.items() if deposit_forfeited(v, line)))
    return Declaration(outcome, forfeited, line)


def _rows(snap: Snapshot, labels: Mapping[str, str]) -> list[dict[str, str]]:
    def row(district: str, line: str, votes: Fraction) -> dict[str, str]:
        return {
            "counting_district": district,
            "line": line,
            "label": labels.get(line, line),
            "votes_exact": str(votes),
            "votes": decimal_string(votes, PLACES),
        }

    out = [row(d, line, v) for (d, line), v in snap.lines.items()]
    out.extend(row("合計", line, v) for line, v in snap.totals().items())
    return out


def export_json(snap: Snapshot, labels: Mapping[str, str] | None = None) -> str:
    body: dict[str, Any] = {
        "election_id": snap.election_id,
        "as_of": snap.as_of.isoformat(),
        "lines": _rows(snap, labels or {}),
    }
    return json.dumps(body, ensure_ascii=False, indent=2)


def export_csv(
    snap: Snapshot, labels: Mapping[str, str] | None = None, *, encoding: str = "utf-8"
) -> bytes:
    """CSV in UTF-8 or CP932 (Excel); a name CP932 cannot hold is ELE-026, never "?"."""
    buffer = io.StringIO()
    fields = ["counting_district", "line", "label", "votes_exact", "votes"]
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\r\n")
    writer.writeheader()
    for i, row in enumerate(_rows(snap, labels or {})):
        if encoding.lower().replace("-", "") in ("cp932", "shiftjis", "sjis"):
            for key, value in row.items():
                for char in value:
                    try:
                        char.encode("cp932")
                    except UnicodeEncodeError:
                        raise JichiError(
                            NOT_ENCODABLE, field=f"lines[{i}].{key}", char=char
                        ) from None
        writer.writerow(row)
    return buffer.getvalue().encode(encoding)
