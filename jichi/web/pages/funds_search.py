"""``/funds/search``: the public search of donors and payers (政治資金の公開検索).

Public (no sign-in), reads only what the law publishes.  The form is a GET (a search of
published names, bookmarkable); its fields are checked here and every error is shown at
its field at once, never a server error.  Two charts are drawn on the server as SVG with
the statistics pages' chart helper (:mod:`jichi.statistics.charts`), each with the same
numbers in a table beside it: income by source over the years (all organisations, or the
one chosen) and the largest givers.
"""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from jichi import __version__
from jichi.funds.income_sources import SOURCES
from jichi.funds.public_search import (
    Search,
    income_history,
    organizations,
    search,
    top_donors,
    totals,
)
from jichi.kernel.errors import JichiError
from jichi.statistics.charts import bars, lines
from jichi.web.pages.common import templates

router = APIRouter(include_in_schema=False)

BAR_WIDTH = 480


def _digits(value: str, field: str, label: str, most: int, errors: dict[str, str]) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > most:
        errors[field] = f"{label}は半角数字{most}桁以内で入力してください。"
        return None
    return int(value)


def read_search(params: dict[str, str]) -> tuple[Search, dict[str, str]]:
    """The search the query string asks for, and every field error at once."""
    errors: dict[str, str] = {}
    name = params.get("name", "").strip()
    if len(name) > 100 or "\x00" in name or any(0xD800 <= ord(c) <= 0xDFFF for c in name):
        errors["name"] = "氏名・名称は100文字以内の文字で入力してください。"
        name = ""
    year = _digits(params.get("year", ""), "year", "年", 4, errors)
    if year is not None and not 1948 <= year <= 2200:
        errors["year"] = "年は1948年から2200年までで入力してください。"
        year = None
    minimum = _digits(params.get("min_amount", ""), "min_amount", "金額の下限", 12, errors)
    cursor = params.get("cursor") or None
    if cursor is not None and len(cursor) > 400:
        errors["cursor"] = "検索の続きの位置が正しくありません。"
        cursor = None
    return Search(name=name or None, year=year, min_amount=minimum, cursor=cursor), errors


@router.get("/funds/search", response_class=HTMLResponse)
def funds_search(request: Request) -> HTMLResponse:
    params = dict(request.query_params)
    query, errors = read_search(params)
    found = None
    with request.app.state.engine.connect() as conn:
        known = organizations(conn)
        chosen = params.get("organization", "")
        if chosen and chosen not in dict(known):
            errors["organization"] = "政治団体は一覧から選んでください。"
            chosen = ""
        query = replace(query, organization_id=chosen or None)
        if not errors:
            try:
                found = search(conn, query)
            except JichiError as error:
                errors[error.field or "name"] = error.message_ja
        givers = top_donors(conn, year=query.year, organization_id=chosen or None, limit=10)
        per_year = totals(conn, year=query.year)
        history = income_history(conn, organization_id=chosen or None)
    series = [
        (key, label, [(float(year), float(parts[key])) for year, parts in history])
        for key, label in SOURCES
    ]
    context = {
        "version": __version__,
        "municipality": getattr(request.app.state, "municipality", None),
        "params": {k: v for k, v in request.query_params.items() if k != "cursor"},
        "errors": errors,
        "found": found,
        "bars": bars([(g.name, int(g[3])) for g in givers], width=BAR_WIDTH),
        "bar_width": BAR_WIDTH,
        "totals": per_year,
        "organizations": known,
        "chosen": chosen,
        "chosen_name": dict(known).get(chosen, ""),
        "history": history,
        "sources": SOURCES,
        "income_chart": lines(series) if history else None,
    }
    status = 422 if errors else 200
    return templates.TemplateResponse(request, "funds/search.html", context, status_code=status)
