"""What the results pages print of a 比例代表 election's seats (both the public page and
the commission's): :func:`jichi.elections.pr_seats.declare_pr` decides, this only writes
its figures as text (votes and quotients truncated to three decimals with the exact
value kept for a ``title``; 惜敗率 as a percentage), so the two pages cannot disagree.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from jichi.elections.apportion import decimal_string
from jichi.elections.model import Election
from jichi.elections.pr_seats import PrDeclaration

DROPPED = {"won_district": "小選挙区で当選", "below_deposit": "小選挙区で供託物没収点に達せず"}


def _num(value: Fraction) -> dict[str, str]:
    return {"printed": decimal_string(value), "exact": str(value)}


def pr_context(e: Election, d: PrDeclaration) -> dict[str, Any]:
    """The template's ``pr``: parties, the quotient order, passed-on seats, lots, rules."""
    names = {c.candidate_id: c for c in e.candidates}
    parties = []
    for p in d.parties:
        ratios = p.outcome.loss_ratios if p.outcome else {}
        winners = []
        for n, cid in enumerate(p.winners, start=1):
            c = names[cid]
            ratio = ratios.get(cid)
            winners.append(
                {
                    "n": n,
                    "name": c.name,
                    "rank": c.list_rank,
                    "priority": c.priority_order,
                    "loss_ratio": decimal_string(ratio * 100) + "%" if ratio is not None else "",
                }
            )
        parties.append(
            {
                "party": p.party,
                "named": _num(p.party_name_votes),
                "personal": _num(p.personal_votes),
                "votes": _num(p.votes),
                "eligible": p.eligible,
                "seats": p.seats,
                "winners": winners,
                "dropped": [
                    (names[cid].name, DROPPED.get(why, why))
                    for cid, why in (p.outcome.dropped if p.outcome else ())
                ],
                "pending": [names[cid].name for cid in p.pending],
                "list_lots": [
                    {"seats": lot.seats, "names": [names[c].name for c in lot.candidates]}
                    for lot in (p.outcome.lot_needed if p.outcome else ())
                ],
            }
        )
    a = d.allocation
    return {
        "hoc": e.kind.value == "hoc_pr",
        "parties": parties,
        "order": [
            {"rank": s.rank, "party": s.party, "divisor": s.divisor, **_num(s.quotient)}
            for s in a.order
        ],
        "passed_on": [
            {"rank": x.rank, "from": x.from_party, "to": x.to_party or "（なし）"}
            for x in a.passed_on
        ],
        "lot_needed": [
            {"seats": lot.seats, "parties": [c.party for c in lot.contenders]}
            for lot in a.lot_needed
        ],
        "unfilled": a.unfilled,
        "rules": d.rules,
    }
