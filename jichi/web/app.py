"""The FastAPI application: one factory, the composition root of the web process."""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from jichi import __version__
from jichi.places.catalog import default_catalog
from jichi.web import problems
from jichi.web.routes import era, home, identifiers, meta, places


def create_app(engine: Engine, *, municipality: str | None = None) -> FastAPI:
    """Build the app around an engine made by the caller (nothing at import time)."""
    app = FastAPI(
        title="jichi API",
        version=__version__,
        description="自治体基幹業務（住民基本台帳・住基ネット・マイナンバー・選挙・政治資金）",
    )
    app.state.engine = engine
    app.state.municipality = default_catalog().get(municipality) if municipality else None
    problems.install(app)
    app.include_router(meta.router)
    app.include_router(identifiers.router)
    app.include_router(places.router)
    app.include_router(era.router)
    app.include_router(home.router)
    app.mount("/static", StaticFiles(directory=str(files("jichi.web") / "static")), name="static")
    return app
