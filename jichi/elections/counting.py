"""Counting persisted (migration 0033): two tally entries, observations, recorded lots.

:func:`enter_tally` takes one entry at a time: the first is kept, the second is
reconciled against it (:func:`jichi.elections.tally.reconcile`) and only then do the
counts become **observations** — append-only rows of what was known at what time,
with 按分 applied per 開票区 by :func:`jichi.elections.apportion.apportion` and kept as
exact fractions.  A later correction is another observation (:func:`record_correction`),
never an UPDATE.  A lot (くじ) is entered as the 選挙長 drew it and stored
(:func:`record_lot`); nothing here draws one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.elections.apportion import ClearVotes, apportion
from jichi.elections.errors import ALREADY_EXISTS, ALREADY_RECONCILED, BAD_LOT
from jichi.elections.model import Election
from jichi.elections.tables import count_observation, lot_record, tally_entry
from jichi.elections.tally import DEFAULT_INVALID_CATEGORIES, Tally, check_tally, reconcile
from jichi.kernel.errors import JichiError

__all__ = [
    "TallyState",
    "enter_tally",
    "fraction_text",
    "lot_for",
    "record_correction",
    "record_lot",
]


@dataclass(frozen=True)
class TallyState:
    counting_district: str
    reconciled: bool  # False: waiting for the second entry
    lines: dict[str, Fraction]  # the observations written (empty until reconciled)


def fraction_text(value: Fraction) -> str:
    """Exact and lossless: "337" or "36700/33"."""
    return str(value)


def _observations(tally: Tally) -> dict[str, Fraction]:
    shares = apportion([ClearVotes(k, v) for k, v in sorted(tally.votes.items())], tally.ambiguous)
    lines = {f"candidate:{s.name}": s.exact_total for s in shares}
    lines.update({f"invalid:{k}": Fraction(v) for k, v in sorted(tally.invalid.items())})
    lines.update({f"party:{k}": Fraction(v) for k, v in sorted(tally.party_votes.items())})
    return lines


def _append(
    conn: Connection, election_id: str, district: str, lines: Mapping[str, Fraction], at: datetime
) -> None:
    conn.execute(
        count_observation.insert(),
        [
            {
                "election_id": election_id,
                "counting_district": district,
                "line": line,
                "votes": fraction_text(votes),
                "observed_at": at.astimezone(UTC),
            }
            for line, votes in lines.items()
        ],
    )


def enter_tally(
    conn: Connection,
    e: Election,
    counting_district: str,
    staff_id: str,
    tally: Tally,
    *,
    now: datetime | None = None,
    categories: Mapping[str, str] = DEFAULT_INVALID_CATEGORIES,
) -> TallyState:
    """Keep the first entry; reconcile the second and write its observations."""
    now = now or datetime.now(UTC)
    parties = e.parties if e.kind.party_list else ()
    check_tally(tally, [c.candidate_id for c in e.candidates], categories, parties)
    t = tally_entry
    rows = {
        r.round: r
        for r in conn.execute(
            sa.select(t).where(
                t.c.election_id == e.election_id, t.c.counting_district == counting_district
            )
        )
    }
    if 2 in rows:
        raise JichiError(ALREADY_RECONCILED, field="counting_district")
    round_ = 2 if 1 in rows else 1
    if round_ == 2:
        first = rows[1]
        reconcile(Tally.from_json(first.lines), first.staff_id, tally, staff_id)
    conn.execute(
        t.insert().values(
            election_id=e.election_id,
            counting_district=counting_district,
            round=round_,
            staff_id=staff_id,
            lines=tally.to_json(),
            entered_at=now.astimezone(UTC),
        )
    )
    if round_ == 1:
        return TallyState(counting_district, False, {})
    lines = _observations(tally)
    _append(conn, e.election_id, counting_district, lines, now)
    return TallyState(counting_district, True, lines)


def record_correction(
    conn: Connection,
    election_id: str,
    counting_district: str,
    lines: Mapping[str, Fraction],
    *,
    at: datetime,
) -> None:
    """A newer observation for some lines (a 再点検, a late box): the old rows stay."""
    _append(conn, election_id, counting_district, lines, at)


def record_lot(
    conn: Connection,
    election_id: str,
    purpose: str,
    contenders: Sequence[str],
    drawn: Sequence[str],
    *,
    recorded_by: str,
    now: datetime | None = None,
) -> tuple[str, ...]:
    """Store the outcome of a lot as drawn; ELE-013 if it does not fit, ELE-028 if twice."""
    if (
        not drawn
        or len(set(drawn)) != len(drawn)
        or not set(drawn) < set(contenders)
        or len(set(contenders)) != len(contenders)
    ):
        raise JichiError(
            BAD_LOT,
            field="drawn",
            reason="くじで選ばれた者は同点者の一部でなければなりません",
            reason_en="the drawn names must be some, not all, of the contenders",
        )
    exists = conn.execute(
        sa.select(lot_record.c.purpose).where(
            lot_record.c.election_id == election_id, lot_record.c.purpose == purpose
        )
    ).first()
    if exists:
        raise JichiError(ALREADY_EXISTS, field="purpose", value=purpose)
    conn.execute(
        lot_record.insert().values(
            election_id=election_id,
            purpose=purpose,
            contenders=json.dumps(list(contenders), ensure_ascii=False),
            drawn=json.dumps(list(drawn), ensure_ascii=False),
            recorded_by=recorded_by,
            recorded_at=(now or datetime.now(UTC)).astimezone(UTC),
        )
    )
    return tuple(drawn)


def lot_for(conn: Connection, election_id: str, purpose: str) -> tuple[str, ...] | None:
    """The names a recorded lot chose, or None when no lot was drawn for ``purpose``."""
    row = conn.execute(
        sa.select(lot_record.c.drawn).where(
            lot_record.c.election_id == election_id, lot_record.c.purpose == purpose
        )
    ).first()
    return None if row is None else tuple(json.loads(row.drawn))
