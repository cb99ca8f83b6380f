"""The home page (server-rendered, Japanese)."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from jichi import __version__
from jichi.kernel.clock import today as clock_today
from jichi.store import migrate

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(files("jichi.web") / "templates"))


def page_context(request: Request, **extra: Any) -> dict[str, Any]:
    return {
        "version": __version__,
        "municipality": getattr(request.app.state, "municipality", None),
        **extra,
    }


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    engine = request.app.state.engine
    context = page_context(
        request,
        database=engine.dialect.name,
        revision=migrate.current_revision(engine),
        today=clock_today().isoformat(),
    )
    return templates.TemplateResponse(request, "home.html", context)
