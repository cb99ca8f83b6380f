"""開票: tallies entered by two staff and reconciled (four eyes), then 速報 and 確定.

Each counting district's tally is typed twice, by two different signed-in staff: the
first entry waits, the second is compared line by line
(:func:`jichi.elections.counting.enter_tally`) — the same person twice is ELE-022, a
difference is ELE-023 with every differing line shown, and only an agreed tally becomes
observations.  The results page is the snapshot now (速報) with each district's state;
the commission declares it 確定 once no district waits
(:func:`jichi.elections.progress.declare_final`).  Exports are the CLI's.
"""

from __future__ import annotations

import csv
import io
from fractions import Fraction
from typing import Any

from fastapi import APIRouter, Request, Response

from jichi.elections.apportion import AmbiguousGroup, decimal_string
from jichi.elections.counting import enter_tally, lot_for
from jichi.elections.errors import BAD_INPUT, raise_all
from jichi.elections.model import Election, ElectionType
from jichi.elections.pr_seats import declare_pr
from jichi.elections.progress import declaration, declare_final, progress
from jichi.elections.results import declare, export_csv, export_json, snapshot
from jichi.elections.tally import DEFAULT_INVALID_CATEGORIES, Tally, TallyMismatch
from jichi.elections.tickets import KIND_LABELS
from jichi.kernel.errors import JichiError
from jichi.security.actor import Actor
from jichi.store.engine import write_transaction
from jichi.web.pages.commission_common import BASE, commission, election_of, field_errors, now
from jichi.web.pages.common import Form, Page, PageRoute
from jichi.web.pages.election_seats import pr_context
from jichi.web.pages.forms import values_of

router = APIRouter(route_class=PageRoute)

EXPORTS = {"json": "application/json", "csv": "text/csv; charset=utf-8",
           "csv-cp932": "text/csv; charset=shift_jis"}  # fmt: skip


def _bad(field: str, reason: str) -> JichiError:
    return JichiError(BAD_INPUT, field=field, reason=reason, reason_en=reason)


def _count(text: str, field: str, errors: list[JichiError]) -> int:
    text = text.strip() or "0"
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        errors.append(_bad(field, "0以上の半角数字で書いてください"))
        return 0
    return int(text)


def parse_tally(e: Election, values: dict[str, Any]) -> tuple[str, Tally]:
    """The counting district and tally of the form; every problem at once."""
    errors: list[JichiError] = []
    district = str(values.get("counting_district", "")).strip()
    if not district or len(district) > 40:
        errors.append(_bad("counting_district", "開票区を40文字までで書いてください"))
    names = {c.candidate_id: f"votes.{c.candidate_id}" for c in e.candidates}
    if e.kind is ElectionType.HOR_PR:
        names = {}  # 衆院比例: a ballot names a party, never a candidate
    votes = {cid: _count(str(values.get(name, "")), name, errors) for cid, name in names.items()}
    parties = e.parties if e.kind.party_list else ()
    party_votes = {
        party: _count(str(values.get(f"party.p{i}", "")), f"party.p{i}", errors)
        for i, party in enumerate(parties)
    }
    invalid = {
        code: n
        for code in DEFAULT_INVALID_CATEGORIES
        if (n := _count(str(values.get(f"invalid.{code}", "")), f"invalid.{code}", errors))
    }
    groups = []
    rows = csv.reader(io.StringIO(str(values.get("ambiguous", ""))))
    for i, row in enumerate(r for r in rows if any(c.strip() for c in r)):
        cells = [c.strip() for c in row]
        if len(cells) < 3:
            errors.append(_bad("ambiguous", f"{i + 1}行目は「記載,票数,候補者ID 候補者ID」です"))
            continue
        count = _count(cells[1], "ambiguous", errors)
        groups.append(AmbiguousGroup(cells[0], count, tuple(cells[2].split())))
    raise_all(errors)
    tally = Tally(votes=votes, invalid=invalid, ambiguous=tuple(groups), party_votes=party_votes)
    return district, tally


def _tally_page(page: Page, actor: Actor, e: Election, **extra: Any) -> Response:
    with page.registry.engine.connect() as conn:
        rows = progress(conn, e.election_id)
    context: dict[str, Any] = {"values": {}, "errors": {}, "entered": None, "mismatch": [], **extra}
    return page.render(
        "commission/tally.html",
        status_code=422 if context["errors"] else 200,
        election=e,
        progress=rows,
        categories=DEFAULT_INVALID_CATEGORIES,
        **context,
    )


@router.get("/{election_id}/tally")
def tally_page(request: Request, election_id: str) -> Response:
    page, actor = commission(request, "election.tally")
    return _tally_page(page, actor, election_of(page, actor, election_id))


@router.post("/{election_id}/tally")
def enter_tally_page(request: Request, election_id: str, form: Form) -> Response:
    page, actor = commission(request, "election.tally", form)
    e = election_of(page, actor, election_id)
    values = values_of(form)
    try:
        district, entry = parse_tally(e, values)
        with write_transaction(page.registry.engine) as conn:
            state = enter_tally(conn, e, district, actor.staff_id, entry, now=now())
    except TallyMismatch as error:
        return _tally_page(
            page, actor, e, values=values, errors={"form": error.message_ja},
            mismatch=error.differences,
        )  # fmt: skip
    except JichiError as error:
        return _tally_page(page, actor, e, values=values, errors=field_errors(error))
    return _tally_page(page, actor, e, entered=state)


def _text(value: Fraction | None) -> str:
    return "—" if value is None else decimal_string(value)


def _results(page: Page, e: Election) -> dict[str, Any]:
    moment = now()
    with page.registry.engine.connect() as conn:
        snap = snapshot(conn, e.election_id, moment)
        rows = progress(conn, e.election_id)
        declared = declaration(conn, e.election_id)
        lot = lot_for(conn, e.election_id, "seat")
        pr = declare_pr(conn, e, snap) if e.kind.party_list else None
    votes = snap.candidate_votes()
    decided = None if e.kind.party_list else declare(e, snap, lot=lot)
    elected = set(decided.outcome.elected) if decided else set(pr.elected if pr else ())
    table = sorted(
        (
            (votes.get(c.candidate_id, Fraction(0)), c.name, c.party or "無所属",
             c.candidate_id in elected)
            for c in e.candidates
        ),
        key=lambda r: (-r[0], r[1]),
    )  # fmt: skip
    return {
        "election": e,
        "title": ("補欠選挙 " if e.by_election else "") + KIND_LABELS[e.kind.value],
        "as_of": moment,
        "rows": [(decimal_string(v), name, party, won) for v, name, party, won in table],
        "progress": rows,
        "waiting": [p for p in rows if not p.reconciled],
        "declared": declared,
        "decided": decided,
        "threshold": _text(decided.outcome.threshold if decided else None),
        "deposit_line": _text(decided.deposit_line if decided else None),
        "names": {c.candidate_id: c.name for c in e.candidates},
        "pr": pr_context(e, pr) if pr else None,
    }


@router.get("/{election_id}/results")
def results_page(request: Request, election_id: str) -> Response:
    page, actor = commission(request, "election.results")
    e = election_of(page, actor, election_id)
    return page.render("commission/results.html", errors={}, **_results(page, e))


@router.post("/{election_id}/declare")
def declare_page(request: Request, election_id: str, form: Form) -> Response:
    page, actor = commission(request, "election.results", form)
    e = election_of(page, actor, election_id)
    try:
        with write_transaction(page.registry.engine) as conn:
            declare_final(conn, e, actor.staff_id, now())
    except JichiError as error:
        return page.render(
            "commission/results.html", status_code=409, errors=field_errors(error),
            **_results(page, e),
        )  # fmt: skip
    return page.redirect(f"{BASE}/{e.election_id}/results")


@router.get("/{election_id}/results/export")
def results_export(request: Request, election_id: str, format: str = "json") -> Response:
    page, actor = commission(request, "election.results")
    e = election_of(page, actor, election_id)
    if format not in EXPORTS:
        raise _bad("format", "json・csv・csv-cp932 のいずれかです")
    with page.registry.engine.connect() as conn:
        snap = snapshot(conn, e.election_id, now())
    labels = {f"candidate:{c.candidate_id}": c.name for c in e.candidates}
    if format == "json":
        data = export_json(snap, labels).encode("utf-8")
    else:
        data = export_csv(snap, labels, encoding="cp932" if format == "csv-cp932" else "utf-8")
    name = f"{e.election_id}-results.{'json' if format == 'json' else 'csv'}"
    return Response(
        data,
        media_type=EXPORTS[format],
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )
