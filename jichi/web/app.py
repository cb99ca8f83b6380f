"""The FastAPI application: one factory, the composition root of the web process."""

from __future__ import annotations

import os
from importlib.resources import files

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from jichi import __version__
from jichi.mynumber import wiring as mynumber_wiring
from jichi.mynumber.jpki import ca as jpki_ca
from jichi.mynumber.jpki.service import Jpki
from jichi.mynumber.portal.hub_history import HistorySource
from jichi.mynumber.portal.hub_history import from_env as hub_client_from_env
from jichi.places.catalog import default_catalog
from jichi.registry.entrusted_issue import SharedDatabaseHolders
from jichi.registry.service import Registry
from jichi.security.crypto import FieldCipher
from jichi.security.keys import load_keys
from jichi.security.tenancy import Tenant
from jichi.store.engine import tenant_engine
from jichi.web import operations, problems
from jichi.web.limits import LimitsMiddleware, max_body_from_env
from jichi.web.openapi_limits import describe_url_limits
from jichi.web.pages import (
    card_certificates,
    certificates,
    commission,
    counter,
    counter_day,
    day_reports,
    funds_search,
    mynumber_card,
    portal,
    portal_exchanges,
    portal_move,
    resident,
    visits,
)
from jichi.web.pages import elections as elections_pages
from jichi.web.pages import places as places_pages
from jichi.web.pages import stats as stats_pages
from jichi.web.pages.assets import MOUNT, design_tokens_dir
from jichi.web.public_url import parse_public_base_url, public_base_url
from jichi.web.routes import checkins, era, funds, home, identifiers, jpki, meta, places, registry


def create_app(
    engine: Engine,
    *,
    municipality: str | None = None,
    cipher: FieldCipher | None = None,
    jpki_service: Jpki | None = None,
    base_url: str | None = None,
    hub_history: HistorySource | None = None,
) -> FastAPI:
    """Build the app around an engine made by the caller (nothing at import time).

    ``municipality`` is the served tenant: staff of any other municipality are refused
    at sign-in and on every token (:mod:`jichi.security.tenancy`), and on PostgreSQL the
    registry's engine sets ``jichi.lg_code`` per transaction for row-level security.
    ``base_url`` is the public address printed on certificates (else
    ``JICHI_PUBLIC_BASE_URL``; :mod:`jichi.web.public_url`), never the request's Host.
    """
    app = FastAPI(
        title="jichi API",
        version=__version__,
        description="自治体基幹業務（住民基本台帳・住基ネット・マイナンバー・選挙・政治資金）",
        responses=problems.PROBLEM_RESPONSES,
    )
    app.state.engine = engine
    app.state.public_base_url = (
        parse_public_base_url(base_url) if base_url is not None else public_base_url()
    )
    app.state.municipality = default_catalog().get(municipality) if municipality else None
    app.state.registry = None
    app.state.tenant = None
    app.state.holders = None
    if municipality:
        if cipher is None:
            cipher = FieldCipher(load_keys(engine.url.render_as_string(hide_password=False)))
        code = app.state.municipality.code
        app.state.tenant = Tenant(code)
        app.state.engine = tenant_engine(engine, code)
        # The registry's events revoke signing certificates and end cards (死亡, 国外転出)
        # in the same transaction (ADR 0011; docs/guide/mynumber.md).
        app.state.registry = Registry(
            app.state.engine,
            code,
            cipher,
            listeners=mynumber_wiring.registry_listeners(),
        )
        # 事務の委託: the holders' answers run on the deployment's engine, each bound to
        # the holder's tenant (one database for all members; jichi.registry.entrusted_issue).
        app.state.holders = SharedDatabaseHolders(engine, cipher)
    if jpki_service is None and os.environ.get("JICHI_JPKI_CA_DIR"):
        directory, passphrase = jpki_ca.from_environment()  # `jichi serve` with a CA
        jpki_service = Jpki.from_directory(engine, directory, passphrase)
    app.state.jpki = jpki_service
    # The portal's やりとり履歴 comes from the exchange hub (JICHI_HUB_URL, ADR 0032).
    app.state.hub_history = hub_history if hub_history is not None else hub_client_from_env()
    problems.install(app, pages=True)
    describe_url_limits(app)  # the schema says which URLs the limits middleware takes
    app.add_middleware(LimitsMiddleware, max_body=max_body_from_env())
    # The timer wraps the limits, so a refused body is counted too.
    operations.install(
        app, service="web", engine=engine, collectors=[operations.QueueCollector(engine)]
    )
    app.include_router(meta.router)
    app.include_router(identifiers.router)
    app.include_router(places.router)
    app.include_router(era.router)
    app.include_router(registry.router)
    app.include_router(funds.router)
    app.include_router(jpki.router)
    app.include_router(checkins.router)
    app.include_router(home.router)
    app.include_router(counter.router)
    app.include_router(resident.router)
    app.include_router(certificates.router)
    app.include_router(counter_day.router)
    app.include_router(day_reports.router)
    app.include_router(mynumber_card.router)
    app.include_router(card_certificates.router)
    app.include_router(portal.router)
    app.include_router(portal_move.router)
    app.include_router(portal_exchanges.router)
    app.include_router(visits.router)
    app.include_router(places_pages.router)
    app.include_router(funds_search.router)
    app.include_router(elections_pages.router)
    app.include_router(commission.router)
    app.include_router(stats_pages.router)
    if (tokens := design_tokens_dir()) is not None:  # npm ci; see jichi/web/pages/assets.py
        app.mount(MOUNT, StaticFiles(directory=str(tokens)), name="design-tokens")
    app.mount("/static", StaticFiles(directory=str(files("jichi.web") / "static")), name="static")
    return app
