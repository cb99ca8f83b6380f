"""A demo exchange on the bundled (illustrative) catalogue, acting as the agencies.

Used by ``jichi hub exchange demo``: every agency step goes through the agencies' API,
so the demo shows exactly what an agency can see — its own token, the provider's data,
never another agency's token.  The demo person's resident code is synthetic.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from jichi.kernel.errors import JichiError
from jichi.kernel.identifiers import IdKind, with_check_digit
from jichi.mynumber.hub.catalogue import ILLUSTRATIVE, read
from jichi.mynumber.hub.service import ExchangeHub

DEMO_CODE = with_check_digit(IdKind.RESIDENT_CODE, "9900000001")  # synthetic


def run_demo(hub: ExchangeHub) -> dict[str, Any]:
    try:
        hub.catalogue()
    except JichiError:
        hub.load_catalogue(read(ILLUSTRATIVE), by="system:demo")
    catalogue = hub.catalogue()
    requester, provider = "nenkin", "lg-112011"
    affair, item = "pension-exemption", "resident_tax_income"
    today = hub.now().date()
    start, end = today - timedelta(days=30), date(today.year + 5, 3, 31)
    hub.record_pia(requester, "affair", affair, evaluated_on=start, valid_until=end)
    hub.record_pia(provider, "item", item, evaluated_on=start, valid_until=end)
    creds = {a: hub.issue_credential(a) for a in (requester, provider)}
    api = hub.agencies
    tokens = {
        a: api.redeem(
            creds[a],
            hub.issue_request_number(resident_code=DEMO_CODE, agency_id=a, lg_code="112011"),
        )
        for a in (requester, provider)
    }
    api.offer(
        creds[provider],
        agency_token=tokens[provider],
        item=item,
        value={"fiscal_year": today.year, "income": 2_400_000},
    )
    outcome = api.request(
        creds[requester],
        agency_token=tokens[requester],
        affair=affair,
        item=item,
        provider=provider,
    )
    history = hub.history(DEMO_CODE)
    return {
        "catalogue": catalogue.version,
        "requester": {"agency": requester, "agency_token": tokens[requester]},
        "provider": {"agency": provider, "agency_token": tokens[provider]},
        "exchange": {
            "exchange_id": outcome.exchange_id,
            "result": outcome.result,
            "value": outcome.value,
        },
        "tokens_differ": tokens[requester] != tokens[provider],
        "history": [
            {
                "requested_at": h.requested_at.isoformat(),
                "requester": h.requester_name,
                "provider": h.provider_name,
                "affair": h.affair_name,
                "item": h.item_name,
                "result": h.result,
            }
            for h in history
        ],
    }
