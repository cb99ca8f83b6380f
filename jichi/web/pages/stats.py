"""``/stats/…``: public population statistics — pyramids, trends, aging, a ranking, CSV.

Public (no sign-in) and aggregate only: every figure comes from the bundled official
tables (総務省, 2013/2018/2023) and jichi's projection of them
(:mod:`jichi.statistics.outlook`); nothing here reads the registry.  Charts are SVG drawn
on the server by :mod:`jichi.statistics.charts`, each with a data table beside it, so
nothing is only in the picture.  CSV comes in UTF-8 or CP932 (``?encoding=cp932``) for
spreadsheet software that still expects Shift_JIS.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from jichi import __version__
from jichi.kernel.errors import JichiError
from jichi.statistics.bands import BAND_LABELS_JA
from jichi.statistics.charts import pyramid, trend
from jichi.statistics.errors import BAD_CHOICE
from jichi.statistics.official import attribution, edition
from jichi.statistics.outlook import outlook, past_totals
from jichi.statistics.ranking import ranking, ranking_csv
from jichi.web.pages.common import templates

router = APIRouter(include_in_schema=False)

PUBLIC_ROUTES = ("/stats/", "/stats/ranking.csv", "/stats/{code}.csv", "/stats/{code}")
ENCODINGS = ("utf-8", "cp932")
AGED = 13
YEARS = (2040, 2050)


def _csv_response(text: str, encoding: str, filename: str) -> Response:
    if encoding not in ENCODINGS:
        raise JichiError(
            BAD_CHOICE, field="encoding", value=encoding, choices=" | ".join(ENCODINGS)
        )
    charset = "shift_jis" if encoding == "cp932" else "utf-8"
    return Response(
        text.encode(encoding, errors="replace"),
        media_type=f"text/csv; charset={charset}",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/stats/", response_class=HTMLResponse)
def stats_index(request: Request, sort: str = "change") -> HTMLResponse:
    rows = ranking(sort)
    context = {
        "version": __version__,
        "municipality": getattr(request.app.state, "municipality", None),
        "rows": rows,
        "sort": sort,
        "source": attribution(date(2023, 1, 1)),
    }
    return templates.TemplateResponse(request, "stats/index.html", context)


@router.get("/stats/ranking.csv")
def stats_ranking_csv(sort: str = "change", encoding: str = "utf-8") -> Response:
    return _csv_response(ranking_csv(sort), encoding, f"ranking-{sort}.csv")


def _bands_csv(code: str) -> str:
    result = outlook(code)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["年", "性別", "総数", *BAND_LABELS_JA])
    for year in (2023, *YEARS):
        p = result.projection.at(float(year))
        for sex, label in (("male", "男"), ("female", "女")):
            values = getattr(p, sex)
            writer.writerow([year, label, round(sum(values)), *(round(v) for v in values)])
    writer.writerow([attribution(date(2023, 1, 1)) + "（2040年・2050年は jichi の推計）"])
    return out.getvalue()


@router.get("/stats/{code}.csv")
def stats_municipality_csv(code: str, encoding: str = "utf-8") -> Response:
    return _csv_response(_bands_csv(code), encoding, f"population-{code}.csv")


@router.get("/stats/{code}", response_class=HTMLResponse)
def stats_municipality(request: Request, code: str) -> HTMLResponse:
    result = outlook(code)
    steps = result.projection
    base = steps.steps[0]
    later = [(year, steps.at(float(year))) for year in YEARS]
    past = past_totals(code)
    published = [(on.year + (on.timetuple().tm_yday - 1) / 365.0, float(n)) for on, n in past]
    projected = [(p.year, p.total) for p in steps.steps[1:] if p.year <= 2050] + [
        (2050.0, later[-1][1].total)
    ]
    bands = [
        (label, base.male[i], base.female[i], *(p.male[i] + p.female[i] for _, p in later))
        for i, label in enumerate(BAND_LABELS_JA)
    ]
    aging = [(2023, base.share_from(AGED))] + [(y, p.share_from(AGED)) for y, p in later]
    context = {
        "version": __version__,
        "municipality": getattr(request.app.state, "municipality", None),
        "code": code,
        "name": result.name,
        "base": base,
        "later": later,
        "pyramid": pyramid(base, later, BAND_LABELS_JA),
        "trend": trend(published, projected),
        "past": past,
        "projected": projected,
        "bands": bands,
        "aging": aging,
        "parameters": result.parameters,
        "source": attribution(date(2023, 1, 1)),
        "editions": [attribution(on) for on, _ in past],
        "in_2023": code in edition(date(2023, 1, 1)).rows,
    }
    return templates.TemplateResponse(request, "stats/municipality.html", context)
