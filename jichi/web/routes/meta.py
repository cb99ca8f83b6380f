"""Health and version: what an operator's monitor polls."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import text

from jichi import __version__
from jichi.store import migrate

router = APIRouter(prefix="/api", tags=["meta"])


class Health(BaseModel):
    status: str
    version: str
    database: str
    schema_revision: str | None


@router.get("/health", response_model=Health)
def health(request: Request) -> Health:
    engine = request.app.state.engine
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return Health(
        status="ok",
        version=__version__,
        database=engine.dialect.name,
        schema_revision=migrate.current_revision(engine),
    )
