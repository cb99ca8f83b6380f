"""``ExchangeHub``: the hub's operations around one engine, key and settings.

Two kinds of caller, two surfaces:

* the hub's operator and the municipalities' 団体内統合宛名 side — this class (catalogue,
  credentials, PIA records, request numbers, the purge, a person's やりとり履歴);
* agencies — only :class:`~jichi.mynumber.hub.agency_api.AgencyApi` (``hub.agencies``),
  which every HTTP route and the CLI's demo go through;
* the portal — :meth:`ExchangeHub.portal_history` only, under its own credential
  (:func:`~jichi.mynumber.hub.credentials.issue_portal`, ADR 0032).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Engine

from jichi.kernel.clock import Clock, system_clock
from jichi.mynumber.hub import acquisition, catalogue_store, credentials, log, pia
from jichi.mynumber.hub.agency_api import AgencyApi
from jichi.mynumber.hub.catalogue import Catalogue
from jichi.mynumber.hub.catalogue_store import CatalogueCache
from jichi.mynumber.hub.history import HistoryEntry, exchange_history
from jichi.mynumber.hub.keys import HubKey, load_hub_key
from jichi.mynumber.hub.settings import HubSettings
from jichi.store.engine import write_transaction


class ExchangeHub:
    def __init__(
        self,
        engine: Engine,
        *,
        key: HubKey | None = None,
        settings: HubSettings | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.engine = engine
        self.key = key or load_hub_key(engine.url.render_as_string(hide_password=False))
        self.settings = settings or HubSettings.from_env()
        self.clock = clock or system_clock()
        self.cache = CatalogueCache()
        self.agencies = AgencyApi(self)

    def now(self) -> datetime:
        return self.clock()

    def catalogue(self) -> Catalogue:
        with self.engine.connect() as conn:
            return self.cache.get(conn)

    def load_catalogue(self, catalogue: Catalogue, *, by: str) -> int:
        with write_transaction(self.engine) as conn:
            return catalogue_store.load(conn, catalogue, by=by, at=self.now())

    def issue_credential(self, agency_id: str) -> str:
        with write_transaction(self.engine) as conn:
            return credentials.issue(conn, self.cache.get(conn), agency_id, at=self.now())

    def issue_portal_credential(self) -> str:
        """The portal's credential (reads やりとり履歴 only); shown once."""
        with write_transaction(self.engine) as conn:
            return credentials.issue_portal(conn, at=self.now())

    def revoke_credential(self, credential: str) -> bool:
        with write_transaction(self.engine) as conn:
            return credentials.revoke(conn, credential, at=self.now())

    def record_pia(
        self,
        agency_id: str,
        scope_kind: str,
        scope_id: str,
        *,
        evaluated_on: date,
        valid_until: date,
        level: str = "full",
    ) -> int:
        with write_transaction(self.engine) as conn:
            self.cache.get(conn).agency(agency_id)
            return pia.record(
                conn,
                agency_id,
                scope_kind,
                scope_id,
                evaluated_on=evaluated_on,
                valid_until=valid_until,
                level=level,
                at=self.now(),
            )

    def issue_request_number(self, *, resident_code: str, agency_id: str, lg_code: str) -> str:
        """The 団体内統合宛名 side's call: a one-time number for ``agency_id``."""
        with write_transaction(self.engine) as conn:
            return acquisition.issue(
                conn,
                self.key,
                self.cache.get(conn),
                resident_code=resident_code,
                agency_id=agency_id,
                lg_code=lg_code,
                at=self.now(),
                ttl=self.settings.request_ttl,
            )

    def purge(self) -> int:
        """Delete the records past their retention (a daily job)."""
        with write_transaction(self.engine) as conn:
            return log.purge(conn, self.now())

    def history(self, resident_code: str) -> list[HistoryEntry]:
        """The person's やりとり履歴 (the operator's view; the portal calls the next one)."""
        with self.engine.connect() as conn:
            return exchange_history(conn, self.key, resident_code, now=self.now())

    def portal_history(
        self, credential: str | None, resident_code: str, *, limit: int = 500
    ) -> list[HistoryEntry]:
        """The person's やりとり履歴 for the portal's credential (HUB-013 for any other).

        The portal vouches for the person (it signed them in with the card), as a
        municipality vouches for a request number; the hub still shows only its own
        records, 不開示 ones left out (番号法23条2項).
        """
        with self.engine.connect() as conn:
            credentials.authenticate_portal(conn, credential)
            return exchange_history(
                conn, self.key, resident_code, now=self.now(), limit=min(max(limit, 1), 1000)
            )
