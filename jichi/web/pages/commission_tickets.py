"""投票所入場整理券 from the commission's pages: a district's tickets as PDF, in parts.

The page lists each 投票区 of the newest roll build (numbers only: how many tickets,
in how many parts, at which 当日投票所) and links each part's PDF.  A part is at most
:data:`jichi.elections.ticket_print.PART_SIZE` tickets, read, audited (one entry per
person printed, in the transaction that reads them) and laid out on its own, then sent
in 64 KiB chunks — so a request's memory is bounded by the part, whatever the size of
the district (:mod:`jichi.elections.ticket_print`).  The QR codes carry the web's
ticket key, the one the desk verifies (``ticket_key_of``).
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from jichi.elections.ticket_print import PART_SIZE, districts, ticket_part
from jichi.elections.tickets import KIND_LABELS, render_pdf, ticket_key_of
from jichi.store.engine import write_transaction
from jichi.web.pages.commission_common import commission, election_of
from jichi.web.pages.common import PageRoute

router = APIRouter(route_class=PageRoute)

CHUNK = 64 * 1024


@router.get("/{election_id}/tickets")
def tickets_page(request: Request, election_id: str) -> Response:
    """The districts and their parts (no person is shown here)."""
    page, actor = commission(request, "election.roll.read")
    e = election_of(page, actor, election_id)
    with page.registry.engine.connect() as conn:
        rows = districts(conn, e)
    return page.render(
        "commission/tickets.html",
        election=e,
        title=("補欠選挙 " if e.by_election else "") + KIND_LABELS[e.kind.value],
        districts=rows,
        part_size=PART_SIZE,
    )


def _chunks(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), CHUNK):
        yield data[start : start + CHUNK]


@router.get("/{election_id}/tickets/pdf")
def tickets_pdf(request: Request, election_id: str, district: str = "", part: int = 1) -> Response:
    """One part of a district's tickets as PDF; every person printed is audited."""
    page, actor = commission(request, "election.roll.read")
    e = election_of(page, actor, election_id)
    with write_transaction(page.registry.engine) as conn:
        printed = ticket_part(conn, actor, page.registry.cipher.audit_key, e, district, part)
    data, _pages = render_pdf(e, printed.tickets, ticket_key_of(page.registry.cipher))
    name = f"tickets-{e.election_id}-{printed.district}-{printed.part}of{printed.parts}.pdf"
    return StreamingResponse(
        _chunks(data),
        media_type="application/pdf",
        headers={
            "content-disposition": f'attachment; filename="{name}"',
            "content-length": str(len(data)),
            "cache-control": "no-store",
        },
    )
