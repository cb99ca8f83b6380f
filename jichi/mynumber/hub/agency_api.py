"""What an agency may do at the hub — the whole of it, and nothing that links tokens.

Every function takes the agency's credential and acts as that agency only:

* :meth:`AgencyApi.issue_request_number` — a municipality's 団体内統合宛名 side issues a
  one-time number for another agency (it returns a number, never a token);
* :meth:`AgencyApi.redeem` — a request number for the agency's own token;
* :meth:`AgencyApi.request` — 照会 under the agency's own token; the answer carries the
  provider's *data*, never the provider's token;
* :meth:`AgencyApi.offer` — a provider puts a 副本 under its own token;
* :meth:`AgencyApi.log` — the agency's own records (its own tokens).

None of them takes or returns another agency's token: a token not the caller's own is
HUB-050, whoever holds it.  The translation requester-token → provider-token happens
inside :func:`jichi.mynumber.hub.exchange.exchange` only (``AGENCY_FUNCTIONS`` is what the
property test walks).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from jichi.kernel.errors import JichiError
from jichi.mynumber.hub import acquisition, credentials
from jichi.mynumber.hub import errors as e
from jichi.mynumber.hub import log as hub_log
from jichi.mynumber.hub.exchange import Outcome, Request, exchange
from jichi.mynumber.hub.tables import hub_offered_copy
from jichi.mynumber.hub.tokens import subject_of
from jichi.store.engine import write_transaction

if TYPE_CHECKING:
    from jichi.mynumber.hub.service import ExchangeHub

AGENCY_FUNCTIONS = ("issue_request_number", "redeem", "request", "offer", "log")


class AgencyApi:
    def __init__(self, hub: ExchangeHub) -> None:
        self._hub = hub

    def issue_request_number(
        self, credential: str | None, *, resident_code: str, agency: str
    ) -> str:
        """A municipality's call: a one-time number for ``agency``, under its own lg_code."""
        hub = self._hub
        with write_transaction(hub.engine) as conn:
            caller = credentials.authenticate(conn, credential)
            catalogue = hub.cache.get(conn)
            lg_code = catalogue.agency(caller).lg_code
            if lg_code is None:
                raise JichiError(e.NOT_A_MUNICIPALITY, field="credential")
            return acquisition.issue(
                conn,
                hub.key,
                catalogue,
                resident_code=resident_code,
                agency_id=agency,
                lg_code=lg_code,
                at=hub.now(),
                ttl=hub.settings.request_ttl,
            )

    def redeem(self, credential: str | None, request_number: str) -> str:
        """The caller's 機関別符号 for the person behind a one-time request number."""
        hub = self._hub
        with write_transaction(hub.engine) as conn:
            agency_id = credentials.authenticate(conn, credential)
            return acquisition.redeem(conn, hub.key, agency_id, request_number, at=hub.now())

    def request(
        self,
        credential: str | None,
        *,
        agency_token: str,
        affair: str,
        item: str,
        provider: str,
        withhold: bool = False,
    ) -> Outcome:
        """照会 → 提供; a refusal is recorded (committed) and then raised."""
        hub = self._hub
        with write_transaction(hub.engine) as conn:
            agency_id = credentials.authenticate(conn, credential)
            request = Request(agency_id, agency_token, affair, item, provider, withhold)
            outcome = exchange(
                conn, hub.key, hub.cache.get(conn), request, at=hub.now(), settings=hub.settings
            )
        if outcome.error is not None:
            raise outcome.error
        return outcome

    def offer(self, credential: str | None, *, agency_token: str, item: str, value: Any) -> None:
        """Put (or replace) a 副本 of ``item`` under the caller's own token."""
        hub = self._hub
        with write_transaction(hub.engine) as conn:
            agency_id = credentials.authenticate(conn, credential)
            agency = hub.cache.get(conn).agency(agency_id)
            if item not in agency.provides:
                raise JichiError(e.NOT_A_PROVIDER, field="item", item_id=item[:64])
            if subject_of(conn, agency_id, agency_token) is None:
                raise JichiError(e.UNKNOWN_TOKEN, field="agency_token")
            t = hub_offered_copy.c
            where = (t.agency_id == agency_id, t.token == agency_token, t.item_id == item)
            conn.execute(sa.delete(hub_offered_copy).where(*where))
            conn.execute(
                sa.insert(hub_offered_copy).values(
                    agency_id=agency_id,
                    token=agency_token,
                    item_id=item,
                    value=value,
                    updated_at=hub.now(),
                )
            )

    def log(self, credential: str | None, *, limit: int = 100) -> list[dict[str, Any]]:
        """The caller's own records of exchanges, newest first."""
        with self._hub.engine.connect() as conn:
            agency_id = credentials.authenticate(conn, credential)
            return hub_log.agency_rows(conn, agency_id, limit=min(max(limit, 1), 1000))
