"""Seats: D'Hondt per block with list exhaustion (公職選挙法95条の2・95条の3).

Each list's votes are divided by 1, 2, 3, … and the seats go to the largest quotients.
Three things make the real rule more than a sort, and each is explicit here:

* **List exhaustion.** A list never takes more seats than it has eligible names
  (``eligible``: names left after 衆院 dual candidates who won their district or fell
  below the deposit line are removed, see :func:`hor_list_winners`).  The quotient it
  cannot use is skipped and the seat goes to the next quotient of another list; the
  skip is reported as a :class:`PassedOn` (the 2005 Tokyo block: 自民's 8th seat went to
  社民).
* **Ties.** When equal quotients compete for the last seats, the 選挙長 draws lots
  (95条の2第2項).  The allocation then stops at :class:`LotNeeded` and leaves those
  seats undecided: a tie is never broken by input or sort order.  A recorded lot
  (``lot=``, the lists that won the draw) decides them on a second run.
* **Exact arithmetic.** Votes may carry 按分 decimals (``694578.943``), so quotients
  are :class:`~fractions.Fraction` and compare exactly.

Ranks in ``order`` and ``passed_on`` are positions in the descending sequence of *all*
quotients, usable or not (equal quotients share the first position of their run), so
a published quotient table (「17番目は民主÷6、18番目は社民÷1」) reads off directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import groupby

from jichi.elections.errors import (
    BAD_COUNT,
    BAD_LOT,
    BAD_SEATS,
    DUPLICATE_NAME,
    NEGATIVE,
    SHARED_RANK_NOT_DUAL,
    unused_lot,
)
from jichi.kernel.errors import JichiError

__all__ = [
    "Allocation",
    "CandidateLot",
    "Contender",
    "DistrictResult",
    "ListCandidate",
    "ListOutcome",
    "LotNeeded",
    "PartyList",
    "PassedOn",
    "Seat",
    "dhondt",
    "hoc_list_winners",
    "hor_list_winners",
]


@dataclass(frozen=True)
class PartyList:
    """One party's list in a block: its votes and, if capped, how many names can win."""

    name: str
    votes: Fraction
    eligible: int | None = None  # None: no cap (more names than seats)


@dataclass(frozen=True)
class Seat:
    """A seat won by ``party`` with the quotient votes ÷ ``divisor``."""

    rank: int
    party: str
    divisor: int
    quotient: Fraction


@dataclass(frozen=True)
class PassedOn:
    """A seat an exhausted list could not take, and the list that got it instead.

    ``to_party`` is None when no other list could take the seat (it is counted in
    ``Allocation.unfilled``) or when it is among the seats a pending lot decides.
    """

    from_party: str
    to_party: str | None
    rank: int


@dataclass(frozen=True)
class Contender:
    party: str
    divisor: int


@dataclass(frozen=True)
class LotNeeded:
    """Equal quotients at ``rank`` compete for ``seats`` seats: the 選挙長 draws lots."""

    rank: int
    quotient: Fraction
    seats: int
    contenders: tuple[Contender, ...]


@dataclass(frozen=True)
class Allocation:
    seats: dict[str, int]
    order: tuple[Seat, ...]
    passed_on: tuple[PassedOn, ...] = ()
    lot_needed: tuple[LotNeeded, ...] = ()
    lot_used: tuple[str, ...] = ()
    unfilled: int = 0  # seats no list could take: every list exhausted (or without votes)
    undecided: int = field(default=0)  # seats waiting for the lot in ``lot_needed``


@dataclass(frozen=True)
class _Quotient:
    value: Fraction
    party: str
    divisor: int
    usable: bool  # False: the list has no eligible name left for this seat


def _validate(seats: int, lists: Sequence[PartyList], where: str) -> None:
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 1:
        raise JichiError(BAD_SEATS, field=f"{where}.seats", value=seats)
    seen: set[str] = set()
    for i, party in enumerate(lists):
        if party.name in seen:
            raise JichiError(DUPLICATE_NAME, field=f"{where}.parties", name=party.name)
        seen.add(party.name)
        if party.votes < 0:
            raise JichiError(NEGATIVE, field=f"{where}.parties[{i}].votes", value=party.votes)
        cap = party.eligible
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 0):
            raise JichiError(BAD_COUNT, field=f"{where}.parties[{i}].eligible", value=cap)


def _quotients(seats: int, lists: Sequence[PartyList]) -> list[list[_Quotient]]:
    """All quotients that could matter, grouped by equal value, largest first.

    A list can never take more than ``seats`` seats, so divisors stop there; quotients
    beyond a list's ``eligible`` are kept (unusable) only to report passed-on seats.
    Within a group the input order is kept for display; it never decides a seat.
    """
    every = [
        _Quotient(p.votes / d, p.name, d, p.eligible is None or d <= p.eligible)
        for p in lists
        if p.votes > 0
        for d in range(1, seats + 1)
    ]
    every.sort(key=lambda q: q.value, reverse=True)  # stable: input order within a value
    return [list(group) for _, group in groupby(every, key=lambda q: q.value)]


def _check_lot(lot: Sequence[str], contenders: Sequence[_Quotient], seats: int, where: str) -> None:
    names = [q.party for q in contenders]
    if len(set(lot)) != len(lot):
        raise JichiError(
            BAD_LOT, field=f"{where}.lot", reason="同じ名簿が2回あります", reason_en="a list twice"
        )
    if len(lot) != seats:
        raise JichiError(
            BAD_LOT,
            field=f"{where}.lot",
            reason=f"くじで決める議席は{seats}です",
            reason_en=f"the lot decides {seats} seat(s), got {len(lot)}",
        )
    for name in lot:
        if name not in names:
            raise JichiError(
                BAD_LOT,
                field=f"{where}.lot",
                reason=f"「{name}」は同点の名簿ではありません",
                reason_en=f"{name} is not among the tied lists",
            )


def dhondt(
    seats: int,
    lists: Sequence[PartyList],
    *,
    lot: Sequence[str] | None = None,
    where: str = "block",
) -> Allocation:
    """Allocate ``seats`` among ``lists`` by D'Hondt, with caps, passed-on seats and lots.

    ``lot``: the lists that won a recorded draw for the tied last seats (as many as the
    tie decides).  Without it a tie is reported in ``lot_needed`` and left undecided.
    """
    _validate(seats, lists, where)
    won = {p.name: 0 for p in lists}
    order: list[Seat] = []
    unusable: list[tuple[int, _Quotient]] = []  # (rank, quotient) of exhausted lists
    lots: list[LotNeeded] = []
    lot_used: tuple[str, ...] = ()
    remaining = seats
    position = 0
    cutoff: Fraction | None = None
    for group in _quotients(seats, lists):
        if remaining == 0:
            break
        rank = position + 1
        usable = [q for q in group if q.usable]
        unusable.extend((rank, q) for q in group if not q.usable)
        position += len(group)
        if not usable:
            continue
        cutoff = group[0].value
        if len(usable) <= remaining:
            winners = usable
        elif lot is None:
            contenders = tuple(Contender(q.party, q.divisor) for q in usable)
            lots.append(LotNeeded(rank, group[0].value, remaining, contenders))
            break
        else:
            _check_lot(lot, usable, remaining, where)
            winners = [q for q in usable if q.party in lot]
            lot_used = tuple(lot)
        for q in winners:
            won[q.party] += 1
            order.append(Seat(rank, q.party, q.divisor, q.value))
        remaining -= len(winners)
    if lot is not None and not lot_used:
        raise unused_lot(f"{where}.lot")
    undecided = lots[0].seats if lots else 0
    if remaining > undecided:  # quotients ran out: nothing below the last seat competed
        cutoff = None
    passed = _passed_on(seats, unusable, cutoff, order, undecided, remaining - undecided)
    return Allocation(
        seats=won,
        order=tuple(order),
        passed_on=passed,
        lot_needed=tuple(lots),
        lot_used=lot_used,
        unfilled=remaining - undecided,
        undecided=undecided,
    )


def _passed_on(
    seats: int,
    unusable: Iterable[tuple[int, _Quotient]],
    cutoff: Fraction | None,
    order: Sequence[Seat],
    undecided: int,
    unfilled: int,
) -> tuple[PassedOn, ...]:
    """Pair each seat an exhausted list lost with the seat that list's loss created.

    A lost seat is an unusable quotient above the last quotient that took (or ties
    for) a seat and within the first ``seats`` positions: without the cap it would have
    won.  Without the cap the usable lists would have had one seat fewer each time, so
    the seats it created are the last ones filled, in order (and the undecided lot
    seats after them); a lost seat no list could take goes to None.  Seats and counts
    never depend on this pairing; it only names where each lost seat went.
    """
    lost = [
        (rank, q) for rank, q in unusable if rank <= seats and (cutoff is None or q.value > cutoff)
    ]
    receivers: list[str | None] = [s.party for s in order] + [None] * undecided
    lost = lost[:seats]  # equal unusable quotients at the line: no more than the seats
    taken = min(len(receivers), max(0, len(lost) - unfilled))  # the rest: no list took it
    tail = receivers[len(receivers) - taken :] if taken else []
    tail += [None] * (len(lost) - taken)
    return tuple(PassedOn(q.party, to, rank) for (rank, q), to in zip(lost, tail, strict=True))


# --- Who wins inside a list ---------------------------------------------------------


@dataclass(frozen=True)
class CandidateLot:
    """Candidates tied on ``value`` (惜敗率 or personal votes) for ``seats`` seats: a lot."""

    seats: int
    candidates: tuple[str, ...]
    value: Fraction


@dataclass(frozen=True)
class ListOutcome:
    """The order of a list's eligible names and, given its seats, who won."""

    eligible: tuple[str, ...]
    dropped: tuple[tuple[str, str], ...]  # (name, "won_district" | "below_deposit")
    winners: tuple[str, ...]
    lot_needed: tuple[CandidateLot, ...] = ()
    loss_ratios: dict[str, Fraction] = field(default_factory=dict)


def _fill(
    groups: Sequence[tuple[Fraction | None, Sequence[str]]],
    seats: int,
    lot: Sequence[str] | None,
    where: str,
) -> tuple[tuple[str, ...], tuple[CandidateLot, ...]]:
    """Take names group by group; a group larger than the seats left needs a lot."""
    winners: list[str] = []
    for value, names in groups:
        left = seats - len(winners)
        if left <= 0:
            break
        if len(names) <= left:
            winners.extend(names)
            continue
        if lot is None:
            return tuple(winners), (CandidateLot(left, tuple(names), value or Fraction(0)),)
        if len(set(lot)) != len(lot) or len(lot) != left or not set(lot) <= set(names):
            raise JichiError(
                BAD_LOT,
                field=f"{where}.lot",
                reason=f"同点の{len(names)}人から{left}人を選んでください",
                reason_en=f"pick {left} of the {len(names)} tied names",
            )
        winners.extend(n for n in names if n in lot)
        return tuple(winners), ()  # the lot decides the last seats
    if lot is not None:
        raise unused_lot(f"{where}.lot")
    return tuple(winners), ()


@dataclass(frozen=True)
class DistrictResult:
    """A dual candidate's single-member-district result (小選挙区)."""

    votes: Fraction
    winner_votes: Fraction  # 最多得票者 (the district winner) — the 惜敗率 denominator
    valid_votes: Fraction  # 有効投票総数 of that district — the deposit line's base
    won: bool


@dataclass(frozen=True)
class ListCandidate:
    name: str
    rank: int
    district: DistrictResult | None = None  # None: on the PR list only


HOR_DEPOSIT_FRACTION = Fraction(1, 10)  # 公職選挙法93条1項1号, 95条の2第6項 (since 2000)


def hor_list_winners(
    candidates: Sequence[ListCandidate],
    seats: int,
    *,
    lot: Sequence[str] | None = None,
    deposit_fraction: Fraction = HOR_DEPOSIT_FRACTION,
    where: str = "list",
) -> ListOutcome:
    """衆院 PR: who of a party's list takes its ``seats`` (95条の2, 86条の2).

    1. names that won their district drop out; 2. dual candidates whose district votes
    are below ``deposit_fraction`` of that district's valid votes are ineligible;
    3. the rest in list rank; 4. equal ranks by 惜敗率 (votes ÷ the district winner's),
    highest first, computed exactly.  Equal 惜敗率 straddling the last seat is a lot.
    ``len(eligible)`` is the list's ``eligible`` cap for :func:`dhondt`.
    """
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 0:
        raise JichiError(BAD_COUNT, field=f"{where}.seats", value=seats)
    seen: set[str] = set()
    ranks: dict[int, int] = {}
    for c in candidates:
        if c.name in seen:
            raise JichiError(DUPLICATE_NAME, field=where, name=c.name)
        seen.add(c.name)
        ranks[c.rank] = ranks.get(c.rank, 0) + 1
    for c in candidates:
        if ranks[c.rank] > 1 and c.district is None:
            raise JichiError(SHARED_RANK_NOT_DUAL, field=where, name=c.name)
    dropped: list[tuple[str, str]] = []
    ratios: dict[str, Fraction] = {}
    kept: list[ListCandidate] = []
    for c in candidates:
        d = c.district
        if d is not None:
            if d.won:
                dropped.append((c.name, "won_district"))
                continue
            if d.votes < d.valid_votes * deposit_fraction:
                dropped.append((c.name, "below_deposit"))
                continue
            if d.winner_votes <= 0:
                raise JichiError(NEGATIVE, field=f"{where}.{c.name}.winner_votes", value=0)
            ratios[c.name] = d.votes / d.winner_votes
        kept.append(c)
    kept.sort(key=lambda c: (c.rank, -ratios.get(c.name, Fraction(0))))
    groups = [
        (value, [c.name for c in run])
        for (_, value), run in groupby(kept, key=lambda c: (c.rank, ratios.get(c.name)))
    ]
    winners, lots = _fill(groups, seats, lot, where)
    return ListOutcome(
        eligible=tuple(c.name for c in kept),
        dropped=tuple(dropped),
        winners=winners,
        lot_needed=lots,
        loss_ratios=ratios,
    )


def hoc_list_winners(
    priority: Sequence[str],
    personal_votes: Sequence[tuple[str, Fraction]],
    seats: int,
    *,
    lot: Sequence[str] | None = None,
    where: str = "list",
) -> ListOutcome:
    """参院 PR: 特定枠 first in the party's order, then personal votes (95条の3第3項).

    Equal personal votes straddling the last seat go to a lot.
    """
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 0:
        raise JichiError(BAD_COUNT, field=f"{where}.seats", value=seats)
    names = [*priority, *(n for n, _ in personal_votes)]
    for name in names:
        if names.count(name) > 1:
            raise JichiError(DUPLICATE_NAME, field=where, name=name)
    for name, votes in personal_votes:
        if votes < 0:
            raise JichiError(NEGATIVE, field=f"{where}.{name}", value=votes)
    by_votes = sorted(personal_votes, key=lambda nv: nv[1], reverse=True)
    groups: list[tuple[Fraction | None, Sequence[str]]] = [(None, [n]) for n in priority]
    groups += [(v, [n for n, _ in run]) for v, run in groupby(by_votes, key=lambda nv: nv[1])]
    winners, lots = _fill(groups, seats, lot, where)
    return ListOutcome(
        eligible=tuple(names[: len(priority)]) + tuple(n for n, _ in by_votes),
        dropped=(),
        winners=winners,
        lot_needed=lots,
    )
