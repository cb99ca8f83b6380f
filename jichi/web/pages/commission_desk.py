"""投票所の受付: scan (or type) the 入場整理券, check the voter in once, show why not.

The scanner types the QR payload (``T1|選挙|選挙人|符号``) into the focused input and
presses Enter, so the page needs no script; a clerk without a ticket types the voter id
after checking identity (the ticket says a voter may vote without it).  The answer is the
same :class:`jichi.elections.polling.CheckInOutcome` the station API and the CLI give:
accepted with the voter's district and number, or refused with where, when and by whom
the voter was checked in first.  A station in offline mode says so on every answer —
its laptop checks against a local copy until its queue is replayed, so a double vote is
possible meanwhile (:mod:`jichi.elections.offline`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from jichi.elections.desk import RollLine, check_in_voter, replay_voters
from jichi.elections.errors import BAD_TICKET_CODE, UNKNOWN_STATION
from jichi.elections.model import Election
from jichi.elections.offline import go_offline
from jichi.elections.polling import CheckInOutcome, stations
from jichi.elections.tickets import ticket_key_of, verify_code
from jichi.kernel.errors import JichiError
from jichi.security.actor import Actor
from jichi.web.pages.commission_common import BASE, commission, election_of, field_errors, now
from jichi.web.pages.common import Form, Page, PageRoute
from jichi.web.pages.forms import values_of

router = APIRouter(route_class=PageRoute)

ACTION = "election.checkin"


def _station(page: Page, e: Election, station_id: str) -> tuple[Any, dict[str, str]]:
    with page.registry.engine.connect() as conn:
        rows = stations(conn, e.election_id)
    names = {r.station_id: r.name for r in rows}
    found = next((r for r in rows if r.station_id == station_id), None)
    if found is None:
        raise JichiError(UNKNOWN_STATION, field="station_id", station_id=station_id)
    return found, names


def voter_of(page: Page, e: Election, code: str) -> str:
    """The voter id of a scanned QR payload (verified) or of a typed id."""
    code = code.strip()
    if code.upper().startswith("T1|"):
        return verify_code(ticket_key_of(page.registry.cipher), code, e.election_id)
    if not code or len(code) > 36 or "|" in code:
        raise JichiError(BAD_TICKET_CODE, field="code")
    return code


def _render(
    page: Page,
    actor: Actor,
    e: Election,
    station_id: str,
    *,
    line: RollLine | None = None,
    outcome: CheckInOutcome | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    station, names = _station(page, e, station_id)
    return page.render(
        "commission/station.html",
        status_code=status_code,
        election=e,
        station=station,
        station_names=names,
        line=line,
        outcome=outcome,
        values={},
        errors=errors or {},
    )


@router.get("/{election_id}/stations/{station_id}")
def station_page(request: Request, election_id: str, station_id: str) -> Response:
    page, actor = commission(request, ACTION)
    return _render(page, actor, election_of(page, actor, election_id), station_id)


@router.post("/{election_id}/stations/{station_id}/checkin")
def check_in_page(request: Request, election_id: str, station_id: str, form: Form) -> Response:
    page, actor = commission(request, ACTION, form)
    e = election_of(page, actor, election_id)
    _station(page, e, station_id)
    try:
        voter_id = voter_of(page, e, str(values_of(form).get("code", "")))
        line, outcome = check_in_voter(
            page.registry.engine, e, station_id, voter_id, clerk_id=actor.staff_id, at=now()
        )
    except JichiError as error:
        errors = {"code": " ".join(field_errors(error).values())}
        return _render(page, actor, e, station_id, errors=errors, status_code=422)
    status = 200 if outcome.accepted else 409
    return _render(page, actor, e, station_id, line=line, outcome=outcome, status_code=status)


@router.post("/{election_id}/stations/{station_id}/offline")
def station_offline_page(
    request: Request, election_id: str, station_id: str, form: Form
) -> Response:
    """The link is down: mark the station offline (every answer then carries the risk)."""
    page, actor = commission(request, ACTION, form)
    e = election_of(page, actor, election_id)
    _station(page, e, station_id)
    go_offline(page.registry.engine, e.election_id, station_id, now())
    return page.redirect(f"{BASE}/{e.election_id}/stations/{station_id}")


@router.post("/{election_id}/stations/{station_id}/online")
def station_online_page(
    request: Request, election_id: str, station_id: str, form: Form
) -> Response:
    """Back online once the laptop's queue was replayed through the station API."""
    page, actor = commission(request, ACTION, form)
    e = election_of(page, actor, election_id)
    _station(page, e, station_id)
    replay_voters(page.registry.engine, e, station_id, [])
    return page.redirect(f"{BASE}/{e.election_id}/stations/{station_id}")
