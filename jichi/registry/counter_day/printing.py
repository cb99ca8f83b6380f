"""The counter day's papers as PDF: the 領収書 and the 日計表 (WeasyPrint).

Both are set in the certificates' font (IPAmj明朝 where installed,
:func:`jichi.registry.certificates.fonts.default_font`), from Jinja templates beside
this module; dates in 和暦 as on the certificates.
"""

from __future__ import annotations

from importlib.resources import files

import jinja2

from jichi.kernel.era import format_wareki
from jichi.places.catalog import default_catalog
from jichi.registry.certificates.fonts import default_font
from jichi.registry.counter_day.daily_report import DailyReport
from jichi.registry.counter_day.receipts import Receipt


def yen(amount: int) -> str:
    return f"{amount:,}円"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(files("jichi.registry.counter_day") / "templates")),
        autoescape=True,
    )
    env.filters["yen"] = yen
    env.filters["wareki"] = format_wareki
    return env


def _pdf(html: str) -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string=html).write_pdf())


def receipt_html(found: Receipt, *, font_family: str | None = None) -> str:
    return (
        _environment()
        .get_template("receipt.html.j2")
        .render(
            receipt=found,
            municipality=default_catalog().get(found.lg_code).display_name,
            font_family=font_family or default_font().family,
        )
    )


def receipt_pdf(found: Receipt) -> bytes:
    """The 領収書 as a PDF."""
    return _pdf(receipt_html(found))


def report_html(report: DailyReport, *, font_family: str | None = None) -> str:
    return (
        _environment()
        .get_template("daily_report.html.j2")
        .render(
            report=report,
            municipality=default_catalog().get(report.lg_code).display_name,
            font_family=font_family or default_font().family,
        )
    )


def report_pdf(report: DailyReport) -> bytes:
    """The 日計表 as a PDF."""
    return _pdf(report_html(report))
