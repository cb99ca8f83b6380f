"""比例代表の議席と当選人: a party-list election's seats from its snapshot, for the pages.

The arithmetic is :mod:`jichi.elections.seats`; this module only gathers its inputs
from what the count recorded and names the rules it applied, so a results page (or an
export) shows the seats without computing anything itself.

* **Party votes.** 参院比例 (非拘束名簿): the party-name ballots (``party:<name>`` lines of
  the tally) **plus** the personal votes of all its candidates, 特定枠 included (95条の3,
  facts §4.3).  衆院比例: the party-name ballots only (a ballot names a party).
* **Seats between parties:** D'Hondt with list exhaustion and passed-on seats
  (:func:`seats.dhondt`, 95条の2・95条の3); a party's cap is the number of its names
  still eligible.  Equal quotients for the last seats wait for the recorded lot.
* **Inside a list.** 衆院: :func:`seats.hor_list_winners` — names that won their
  小選挙区 drop out, dual candidates below the deposit line (1/10 of the district's valid
  votes, a parameter) are ineligible, equal ranks by 惜敗率.  The district result of a
  dual candidate is read from the 衆院小選挙区 election of the same municipality that
  lists the same ``candidate_id`` as dual (the link of model.py); while that election
  has no count, the party's winners are **pending** (never guessed).  参院:
  :func:`seats.hoc_list_winners` — 特定枠 in order, then personal votes.
* A tie inside a list (equal 惜敗率 or personal votes straddling the last seat) is shown
  as such; the lot for it is recorded under the purpose ``list:<party>``.

The rules applied are returned in :attr:`PrDeclaration.rules`, each with whether the
facts file confirms it, so a page can name an UNCONFIRMED one as such.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.elections import election_store
from jichi.elections.counting import lot_for
from jichi.elections.model import Candidate, Election, ElectionType
from jichi.elections.results import Snapshot, declare, snapshot
from jichi.elections.seats import (
    HOR_DEPOSIT_FRACTION,
    Allocation,
    DistrictResult,
    ListCandidate,
    ListOutcome,
    PartyList,
    dhondt,
    hoc_list_winners,
    hor_list_winners,
)
from jichi.elections.tables import election, election_candidate

__all__ = ["PartyResult", "PrDeclaration", "Rule", "declare_pr", "district_results"]


@dataclass(frozen=True)
class Rule:
    """A rule the allocation applied, named for the reader (with its article)."""

    name: str
    text_ja: str
    confirmed: bool = True  # False: the facts file marks it UNCONFIRMED (a parameter)


@dataclass(frozen=True)
class PartyResult:
    party: str
    party_name_votes: Fraction  # ballots naming the party
    personal_votes: Fraction  # 参院: its candidates' votes (0 for 衆院)
    votes: Fraction  # what D'Hondt divides
    eligible: int
    seats: int
    winners: tuple[str, ...]  # candidate ids, in the order they take the seats
    outcome: ListOutcome | None  # None: pending (a dual candidate's district not counted)
    pending: tuple[str, ...] = ()  # candidate ids whose 小選挙区 result is missing


@dataclass(frozen=True)
class PrDeclaration:
    allocation: Allocation
    parties: tuple[PartyResult, ...]  # in the election's party order
    rules: tuple[Rule, ...]
    elected: frozenset[str] = field(default_factory=frozenset)  # candidate ids


def _rules(e: Election, deposit_fraction: Fraction) -> tuple[Rule, ...]:
    dhondt_rule = Rule(
        "dhondt",
        "ドント式（公職選挙法95条の2・95条の3）。名簿の当選可能な人数を超える議席は"
        "次に大きい商の政党へ。同じ商が最後の議席を争うときはくじ（95条の2第2項）",
    )
    if e.kind is ElectionType.HOR_PR:
        return (
            Rule("party_votes_hor", "政党の得票数は政党等の名称を記載した票"),
            dhondt_rule,
            Rule(
                "hor_list",
                "拘束名簿の順位順。小選挙区で当選した者を除き、重複立候補者で小選挙区の得票が"
                f"有効投票総数の{deposit_fraction.numerator}/{deposit_fraction.denominator}"
                "（供託物没収点）に達しない者を除く（95条の2第6項）。同じ順位は惜敗率"
                "（小選挙区の得票÷その選挙区の最多得票者の得票）の高い順（86条の2）",
            ),
            Rule(
                "hor_loss_ratio_lot",
                "惜敗率が同じで最後の議席を争うときはくじ（根拠条文は未確認）",
                confirmed=False,
            ),
        )
    return (
        Rule(
            "party_votes_hoc",
            "政党の得票数は政党等の名称を記載した票と、その名簿の候補者（特定枠を含む）の"
            "得票の合計（95条の3）",
        ),
        dhondt_rule,
        Rule(
            "hoc_list",
            "特定枠の候補者を名簿の順に先に、残りは候補者の得票の多い順。"
            "同数で最後の議席を争うときはくじ（95条の3第3項）",
        ),
    )


def district_results(conn: Connection, e: Election, as_of: datetime) -> dict[str, DistrictResult]:
    """The 小選挙区 result of each dual candidate of the 衆院比例 ``e`` as of ``as_of``:
    from the 衆院小選挙区 election of the same municipality listing the same candidate id
    as dual.  A candidate whose district election has no count yet is absent."""
    dual = [c.candidate_id for c in e.candidates if c.dual]
    if e.kind is not ElectionType.HOR_PR or not dual:
        return {}
    t, c = election, election_candidate
    links = conn.execute(
        sa.select(c.c.candidate_id, c.c.election_id)
        .join(t, t.c.election_id == c.c.election_id)
        .where(
            t.c.lg_code == e.lg_code,
            t.c.kind == ElectionType.HOR_DISTRICT.value,
            c.c.dual.is_(True),
            c.c.candidate_id.in_(dual),
        )
        .order_by(c.c.election_id)
    ).all()

    out: dict[str, DistrictResult] = {}
    for election_id in sorted({r.election_id for r in links}):
        district = election_store.load(conn, election_id)
        snap = snapshot(conn, election_id, as_of)
        if not snap.lines:
            continue
        votes = {x.candidate_id: Fraction(0) for x in district.candidates}
        votes.update(snap.candidate_votes())
        won = set(declare(district, snap, lot=lot_for(conn, election_id, "seat")).outcome.elected)
        valid = sum(votes.values(), Fraction(0))
        top = max(votes.values(), default=Fraction(0))
        for r in links:
            if r.election_id == election_id:
                out[r.candidate_id] = DistrictResult(
                    votes[r.candidate_id], top, valid, r.candidate_id in won
                )
    return out


def _party_votes(e: Election, snap: Snapshot) -> dict[str, tuple[Fraction, Fraction]]:
    totals = snap.totals()
    personal = snap.candidate_votes()
    out: dict[str, tuple[Fraction, Fraction]] = {}
    for party in e.parties:
        named = totals.get(f"party:{party}", Fraction(0))
        own = Fraction(0)
        if e.kind is ElectionType.HOC_PR:
            own = sum(
                (personal.get(c.candidate_id, Fraction(0)) for c in e.candidates
                 if c.party == party),
                Fraction(0),
            )  # fmt: skip
        out[party] = (named, own)
    return out


def _list(
    e: Election,
    members: Sequence[Candidate],
    seats: int,
    personal: Mapping[str, Fraction],
    districts: Mapping[str, DistrictResult],
    lot: Sequence[str] | None,
    deposit_fraction: Fraction,
    where: str,
) -> ListOutcome:
    if e.kind is ElectionType.HOR_PR:
        return hor_list_winners(
            [ListCandidate(c.candidate_id, c.list_rank or 0, districts.get(c.candidate_id))
             for c in members],
            seats, lot=lot, deposit_fraction=deposit_fraction, where=where,
        )  # fmt: skip
    priority = sorted(
        (c for c in members if c.priority_order is not None),
        key=lambda c: c.priority_order or 0,
    )
    others = [
        (c.candidate_id, personal.get(c.candidate_id, Fraction(0)))
        for c in members
        if c.priority_order is None
    ]
    return hoc_list_winners([c.candidate_id for c in priority], others, seats, lot=lot, where=where)


def declare_pr(
    conn: Connection,
    e: Election,
    snap: Snapshot,
    *,
    deposit_fraction: Fraction = HOR_DEPOSIT_FRACTION,
) -> PrDeclaration:
    """Seats per party and who takes them, from the snapshot ``snap`` of ``e``."""
    votes = _party_votes(e, snap)
    personal = snap.candidate_votes()
    districts = district_results(conn, e, snap.as_of)
    members = {p: [c for c in e.candidates if c.party == p] for p in e.parties}
    pending = {
        p: tuple(c.candidate_id for c in m if c.dual and c.candidate_id not in districts)
        for p, m in members.items()
    }
    eligible: dict[str, int] = {}
    for party, m in members.items():
        if pending[party]:
            eligible[party] = len(m)  # unknown yet: at most the whole list
        else:
            order = _list(e, m, 0, personal, districts, None, deposit_fraction, party)
            eligible[party] = len(order.eligible)
    allocation = dhondt(
        e.seats,
        [PartyList(p, named + own, eligible[p]) for p, (named, own) in votes.items()],
        lot=lot_for(conn, e.election_id, "seat"),
        where="parties",
    )
    results: list[PartyResult] = []
    elected: set[str] = set()
    for party, (named, own) in votes.items():
        won = allocation.seats.get(party, 0)
        outcome: ListOutcome | None = None
        if not pending[party]:
            lot = lot_for(conn, e.election_id, f"list:{party}")
            outcome = _list(
                e, members[party], won, personal, districts, lot, deposit_fraction, party
            )
            elected.update(outcome.winners)
        results.append(
            PartyResult(
                party, named, own, named + own, eligible[party], won,
                outcome.winners if outcome else (), outcome, pending[party],
            )
        )  # fmt: skip
    return PrDeclaration(
        allocation, tuple(results), _rules(e, deposit_fraction), frozenset(elected)
    )
