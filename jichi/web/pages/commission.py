"""選挙管理委員会の画面 (``/counter/elections/…``): the roll, elections, check-in, counting.

The commission's staff sign in at the counter's sign-in page with a role of their own
(``election``, :data:`jichi.security.policy.COMMISSION_ROLES`); the session, CSRF and the
served-tenant check are the counter's (:func:`jichi.web.pages.common.counter_page`), so
staff of another municipality are refused exactly as at the counter.  Every election is
loaded through :func:`jichi.elections.election_store.load_for`, which treats another
municipality's election as unknown.  This router holds the list of elections and
includes the roll, set-up, desk, counting and ticket pages, each in its own module.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from jichi.elections import election_store
from jichi.elections.tickets import KIND_LABELS
from jichi.web.pages import (
    commission_count,
    commission_desk,
    commission_roll,
    commission_setup,
    commission_tickets,
)
from jichi.web.pages.commission_common import commission
from jichi.web.pages.common import PageRoute

router = APIRouter(prefix="/counter/elections", include_in_schema=False, route_class=PageRoute)


@router.get("/")
def elections_index(request: Request) -> Response:
    page, actor = commission(request, "election.results")
    with page.registry.engine.connect() as conn:
        rows = election_store.list_for(conn, actor.lg_code)
    return page.render("commission/index.html", elections=rows, kind_labels=KIND_LABELS)


# Fixed paths first: /roll and /new are not election ids.
router.include_router(commission_roll.router)
router.include_router(commission_setup.router)
router.include_router(commission_desk.router)
router.include_router(commission_count.router)
router.include_router(commission_tickets.router)
