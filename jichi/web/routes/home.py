"""The home page (server-rendered, Japanese): the served municipality and today's date.

Today is the Japanese day from the one clock (:mod:`jichi.kernel.clock`, which honours
``JICHI_TODAY`` for training and rehearsals), shown in 和暦 with the Western year, so a
server on UTC never shows yesterday in the morning before 09:00 JST.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from jichi import __version__
from jichi.kernel.clock import configured_today
from jichi.kernel.clock import today as clock_today
from jichi.kernel.era import format_wareki
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
    day = clock_today()
    context = page_context(
        request,
        database=engine.dialect.name,
        revision=migrate.current_revision(engine),
        today=day,
        today_wareki=format_wareki(day),
        today_western=f"{day.year}年{day.month}月{day.day}日",
        weekday="月火水木金土日"[day.weekday()],
        fixed_day=configured_today() is not None,
    )
    return templates.TemplateResponse(request, "home.html", context)
