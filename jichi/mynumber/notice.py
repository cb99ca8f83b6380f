"""個人番号通知書: the letter the municipality prints for a new or changed number.

番号法7条1項 (a new number) and 2項 (a changed one) oblige the mayor to notify the
person.  Since 2020-05-25 the letter is the 個人番号通知書, which proves neither the
number nor identity (facts standards.md §4), and says so.  Dates are in 和暦; the
layout of the official form is UNCONFIRMED (this is jichi's own A4 letter).  Data in,
HTML out (pure); :func:`to_pdf` turns it into a PDF with WeasyPrint, as the
certificates do.  The number is printed in groups of four; the PDF is the only
output of jichi, besides ``jichi mynumber issue``, that carries a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import jinja2

from jichi.kernel.era import format_wareki
from jichi.kernel.identifiers import IdKind, validate

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class NoticeData:
    """What the letter shows; ``changed`` selects 7条2項 wording."""

    individual_number: str
    name: str
    date_of_birth: date
    address: str
    notified_on: date
    issuer: str  # e.g. 埼玉県川越市長 川越 太郎
    changed: bool = False

    def __repr__(self) -> str:
        return f"NoticeData(notified_on={self.notified_on.isoformat()}, changed={self.changed})"


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def grouped(number: str) -> str:
    """「1234 5678 9012」: the validated number in groups of four."""
    digits = validate(IdKind.INDIVIDUAL_NUMBER, number, field="individual_number").value
    return " ".join(digits[i : i + 4] for i in range(0, 12, 4))


def render(data: NoticeData, *, font_family: str = "IPAmjMincho") -> str:
    """The letter as HTML (A4 portrait)."""
    return (
        _environment()
        .get_template("notice.html.j2")
        .render(
            font_family=font_family,
            number=grouped(data.individual_number),
            name=data.name,
            date_of_birth=format_wareki(data.date_of_birth),
            address=data.address,
            notified_on=format_wareki(data.notified_on),
            issuer=data.issuer,
            paragraph=2 if data.changed else 1,
            reason="個人番号の変更（漏えいして不正に用いられるおそれがあるため）"
            if data.changed
            else "",
        )
    )


def to_pdf(html: str) -> bytes:
    """The PDF of ``html`` (WeasyPrint)."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
