"""The supervisor's statistics: notifications and certificates by kind, today and this
month, and a bar chart (SVG) for each with the same figures as a table beside it.

Counts only — no person is named, so no read is audited.  The chart is plain SVG with a
title and description (``role="img"``) for screen readers; the page shows the data
table next to it, so nothing is only in the picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from html import escape

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.kernel.clock import JST
from jichi.registry.certificates.tables import certificate
from jichi.registry.counter_day.tables import certificate_void
from jichi.registry.tables import notification


@dataclass(frozen=True)
class Counts:
    """Counts by kind code for one period (``day`` or the month it is in)."""

    notifications: dict[str, int]
    certificates: dict[str, int]
    voided: int


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The UTC moments of the JST days ``start`` .. ``end`` (exclusive)."""
    low = datetime.combine(start, time(0), JST).astimezone(UTC)
    high = datetime.combine(end, time(0), JST).astimezone(UTC)
    return low, high


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def counts(conn: Connection, lg_code: str, start: date, end: date) -> Counts:
    """Notifications recorded and certificates issued from ``start`` to ``end`` (excl.)."""
    low, high = _bounds(start, end)
    notes = conn.execute(
        sa.select(notification.c.kind, sa.func.count())
        .where(
            notification.c.lg_code == lg_code,
            notification.c.recorded_at >= low,
            notification.c.recorded_at < high,
        )
        .group_by(notification.c.kind)
    ).all()
    certs = conn.execute(
        sa.select(certificate.c.kind, sa.func.count())
        .where(
            certificate.c.lg_code == lg_code,
            certificate.c.issued_on >= start,
            certificate.c.issued_on < end,
        )
        .group_by(certificate.c.kind)
    ).all()
    voided = conn.execute(
        sa.select(sa.func.count()).where(
            certificate_void.c.lg_code == lg_code,
            certificate_void.c.voided_on >= start,
            certificate_void.c.voided_on < end,
        )
    ).scalar_one()
    return Counts(
        {str(k): int(n) for k, n in notes}, {str(k): int(n) for k, n in certs}, int(voided)
    )


def today_and_month(conn: Connection, lg_code: str, day: date) -> tuple[Counts, Counts]:
    return (
        counts(conn, lg_code, day, day + timedelta(days=1)),
        counts(conn, lg_code, month_start(day), next_month(day)),
    )


BAR_HEIGHT = 22
LABEL_WIDTH = 220
BAR_WIDTH = 300


def bar_chart_svg(chart_id: str, title: str, rows: list[tuple[str, int]]) -> str:
    """A horizontal bar chart; ``rows`` are (label, value).  Pure, escaped."""
    height = max(1, len(rows)) * BAR_HEIGHT + 10
    largest = max([value for _, value in rows] or [0]) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {LABEL_WIDTH + BAR_WIDTH + 60} {height}" width="100%">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">'
        + escape("、".join(f"{label} {value}件" for label, value in rows) or "件数なし")
        + "</desc>",
    ]
    for index, (label, value) in enumerate(rows):
        y = 5 + index * BAR_HEIGHT
        width = round(BAR_WIDTH * value / largest)
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end" font-size="13">'
            f"{escape(label)}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width}" height="{BAR_HEIGHT - 6}" '
            f'fill="#0031d8"></rect>'
            f'<text x="{LABEL_WIDTH + width + 6}" y="{y + 15}" font-size="13">{value}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
