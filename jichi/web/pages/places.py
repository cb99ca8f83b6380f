"""``/places/history``: the number of municipalities over time, as a chart and a table.

Public (no sign-in): it shows only the bundled open data.  Every figure comes from
:meth:`jichi.places.history.History.counts_over_time`; the page only draws it.  The chart is
an SVG step line drawn on the server (no script), labelled for screen readers, and the same
numbers are in the table beside it, so nothing is only in the picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from jichi import __version__
from jichi.places.history import Counts, History, default_history
from jichi.web.pages.common import templates

router = APIRouter(include_in_schema=False)

# Drawing area in SVG user units (the SVG scales to its box).
WIDTH, HEIGHT = 720, 360
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 40


@dataclass(frozen=True)
class Chart:
    """What the template draws: the step path, the axes' ticks, the view box."""

    path: str
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM


def chart(counts: list[Counts], end: date) -> Chart:
    """A step line of 市町村 over time, from the first count to ``end``; y starts at zero."""
    first = counts[0].on
    span = max((end - first).days, 1)
    top_value = max(c.municipalities for c in counts)
    y_max = -(-top_value // 500) * 500  # round up to the next 500

    def x(day: date) -> float:
        return round(LEFT + (day - first).days / span * (WIDTH - LEFT - RIGHT), 1)

    def y(value: int) -> float:
        return round(HEIGHT - BOTTOM - value / y_max * (HEIGHT - TOP - BOTTOM), 1)

    parts = [f"M{x(first)},{y(counts[0].municipalities)}"]
    for count in counts[1:]:
        parts.append(f"H{x(count.on)}V{y(count.municipalities)}")
    parts.append(f"H{x(end)}")
    years = range(first.year + (10 - first.year % 10) % 10, end.year + 1, 10)
    return Chart(
        path="".join(parts),
        x_ticks=[(x(date(year, 1, 1)), str(year)) for year in years],
        y_ticks=[(y(v), f"{v:,}") for v in range(0, y_max + 1, 500)],
    )


def yearly(history: History, counts: list[Counts]) -> list[Counts]:
    """The count on 3月31日 of each year (fiscal year end) the history covers, and the last."""
    rows = [
        history.count(date(year, 3, 31))
        for year in range(history.start.year + 1, history.end.year + 1)
    ]
    return [*rows, counts[-1]]


@router.get("/places/history", response_class=HTMLResponse)
def places_history(request: Request) -> HTMLResponse:
    history = default_history()
    counts = history.counts_over_time()
    last = counts[-1]
    context = {
        "version": __version__,
        "municipality": getattr(request.app.state, "municipality", None),
        "chart": chart(counts, last.on),
        "rows": yearly(history, counts),
        "first": counts[0],
        "last": last,
        "peak": max(counts, key=lambda c: c.municipalities),
        "start": history.start,
        "changes": len(history.change_dates()),
    }
    return templates.TemplateResponse(request, "places/history.html", context)
