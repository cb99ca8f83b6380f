"""やりとり履歴 (/me/portal/exchanges): the hub's records about the signed-in person.

The portal asks the exchange hub (:mod:`jichi.mynumber.portal.hub_history`, ADR 0032)
with its own credential; the person's resident code is read from their record (an
audited read) and goes in the request's body, never in a URL.  The hub leaves out the
不開示 records (番号法23条2項).  The resident reading the history is itself written to
the audit log (``mynumber.exchange_history.read``), so it shows in their access record
like every other read.  When the hub is not configured or not reachable the page says
so (PTL-017/018) and nothing is audited as read.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from jichi.kernel.errors import JichiError
from jichi.mynumber.portal.hub_history import HistorySource
from jichi.registry.resident_access import ResidentAccess
from jichi.store.engine import write_transaction
from jichi.web.pages.common import PageRoute
from jichi.web.pages.portal import portal_page

router = APIRouter(prefix="/me/portal", include_in_schema=False, route_class=PageRoute)

ACTION = "mynumber.exchange_history.read"
PURPOSE = "本人によるやりとり履歴の閲覧（マイナポータル）"
NOT_CONFIGURED = (
    "現在ご利用いただけません（情報提供ネットワークシステムとの接続が設定されていません）。"
)
RESULT_JA = {"provided": "提供されました", "no_data": "該当する情報はありませんでした"}


@router.get("/exchanges")
def exchanges(request: Request) -> Response:
    page = portal_page(request)
    registry = page.registry
    person_id = str(page.session.get("person_id"))
    actor = ResidentAccess.actor(registry.lg_code)
    record = registry.read_record(person_id, actor, purpose=PURPOSE)
    source: HistorySource | None = getattr(request.app.state, "hub_history", None)
    rows: list[dict[str, Any]] = []
    problem = "" if source is not None else NOT_CONFIGURED
    status = 200
    if source is not None and record.resident_code:
        try:
            entries = source.history(record.resident_code)
        except JichiError as error:
            problem, status = error.message_ja, error.kind.http_status
        else:
            with write_transaction(registry.engine) as conn:
                registry.audit(
                    conn,
                    actor,
                    action=ACTION,
                    subject_person_id=person_id,
                    purpose=PURPOSE,
                    detail={"records": len(entries)},
                )
            rows = [
                {
                    "entry": entry,
                    "result": RESULT_JA.get(
                        entry.result, f"照会は受け付けられませんでした（{entry.result}）"
                    ),
                }
                for entry in entries
            ]
    elif source is not None:
        problem = "住民票コードが記載されていないため、やりとり履歴を照会できません。"
    return page.render(
        "me/portal_exchanges.html",
        status_code=status,
        record=record,
        rows=rows,
        problem=problem,
        signed_in=True,
        portal=True,
    )
