"""``/elections/{election_id}/results``: the public result page (開票結果), in Japanese.

Public (no sign-in): a count is public once reconciled.  Every figure comes from
:func:`jichi.elections.results.snapshot` — the same snapshot the CLI exports — so the
page can be asked for any moment (``?as_of=``) and shows what was known then.  Votes
are printed truncated to three decimals (按分), with the exact value in a ``title``;
who is elected comes from :func:`jichi.elections.results.declare` — for 比例代表, the
seats per party and the names who take them from
:func:`jichi.elections.pr_seats.declare_pr` — and a tie the lot has not decided is
shown as such, never broken by order.
"""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from jichi import __version__
from jichi.elections import election_store
from jichi.elections.apportion import decimal_string
from jichi.elections.counting import lot_for
from jichi.elections.pr_seats import declare_pr
from jichi.elections.progress import declaration
from jichi.elections.results import declare, snapshot
from jichi.elections.tally import DEFAULT_INVALID_CATEGORIES
from jichi.elections.tickets import KIND_LABELS
from jichi.web.pages.common import templates
from jichi.web.pages.election_seats import pr_context

router = APIRouter(include_in_schema=False)


@router.get("/elections/{election_id}/results", response_class=HTMLResponse)
def election_results(
    request: Request,
    election_id: str,
    as_of: Annotated[datetime | None, Query(description="この時点の結果（ISO 8601）")] = None,
) -> HTMLResponse:
    moment = as_of or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    with request.app.state.engine.connect() as conn:
        e = election_store.load(conn, election_id)
        snap = snapshot(conn, election_id, moment)
        lot = lot_for(conn, election_id, "seat")
        declared = declaration(conn, election_id, moment)
        pr = declare_pr(conn, e, snap) if e.kind.party_list else None
    votes = snap.candidate_votes()
    names = {c.candidate_id: c for c in e.candidates}
    decided = None if e.kind.party_list else declare(e, snap, lot=lot)
    elected = set(decided.outcome.elected) if decided else set(pr.elected if pr else ())
    rows = sorted(
        (
            {
                "name": c.name,
                "party": c.party or "",
                "votes": votes.get(cid, Fraction(0)),
                "printed": decimal_string(votes.get(cid, Fraction(0))),
                "exact": str(votes.get(cid, Fraction(0))),
                "elected": cid in elected,
            }
            for cid, c in names.items()
        ),
        key=lambda r: (-r["votes"], r["name"]),  # type: ignore[operator]
    )
    totals = snap.totals()
    invalid = [
        (label, int(totals.get(f"invalid:{code}", 0)))
        for code, label in DEFAULT_INVALID_CATEGORIES.items()
        if f"invalid:{code}" in totals
    ]
    context = {
        "version": __version__,
        "municipality": getattr(request.app.state, "municipality", None),
        "election": e,
        "title": ("補欠選挙 " if e.by_election else "") + KIND_LABELS[e.kind.value],
        "as_of": snap.as_of,
        "declared": declared,
        "rows": rows,
        "valid": decimal_string(sum(votes.values(), Fraction(0))),
        "invalid": invalid,
        "districts": sorted({d for d, _ in snap.lines}),
        "pr": pr_context(e, pr) if pr else None,
        "lot_needed": [names[c].name for c in decided.outcome.lot_candidates] if decided else [],
        "threshold": (
            decimal_string(decided.outcome.threshold)
            if decided and decided.outcome.threshold is not None
            else None
        ),
    }
    return templates.TemplateResponse(request, "elections/results.html", context)
