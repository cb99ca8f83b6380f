"""収支報告書作成ソフトの XML: the donation sheets (様式第14号その7) in and out.

Most accountants fill their 収支報告書 in the ministry's free 収支報告書作成ソフト and hand in
(or upload) its XML file.  Its specification is not public, so jichi reads and writes only
the parts that two independent public readers of that file agree on, and says so.

**What two public readers agree on** (a TypeScript and a Java project that read and write
the file; neither is copied here — this module is written from their observable element
names only):

- Shift_JIS text, root ``BOOK``; ``HEAD`` with ``VERSION``, ``APP``, ``FILE_FORMAT_NO``,
  ``KOKUJI_APP_FLG``, ``CHOUBO_APP_VER``;
- ``SYUUSHI_UMU_FLG`` / ``SYUUSHI_UMU``: a string of ``0``/``1``, one digit per sheet;
- the donation sheet ``SYUUSHI07_07`` with ``KUBUN1`` (個人), ``KUBUN2`` (法人その他の団体),
  ``KUBUN3`` (政治団体), each a ``SHEET`` holding ``KINGAKU_GK`` (the sheet's total),
  ``SONOTA_GK`` (the gifts not itemised) and one ``ROW`` per itemised gift with
  ``ICHIREN_NO``, ``KIFUSYA_NM``, ``KINGAKU``, ``DT`` (和暦, ``R4/2/2``), ``ADR``,
  ``SYOKUGYO``, ``BIKOU``, ``SEQ_NO``, ``ZEIGAKUKOUJYO``, ``ROWKBN``.

**UNCONFIRMED** (one reader only, or the readers disagree — configurable or left out):

- the length (51) and digit positions of ``SYUUSHI_UMU`` (one reader: digits 7–9 are その7
  区分1–3) — :data:`FLAG_LENGTH`, :data:`FLAG_POSITIONS`;
- one reader's documentation names the sheet ``SYUUSHI07_7``; it is read under both names;
- ``ROWKBN`` values (one reader: ``0`` 明細, ``1`` 小計; the other's sample shows ``8``): rows
  marked ``1`` are read as subtotals and skipped, written rows carry ``0``;
- every other sheet (団体の基本情報 その1, 総括表 その2, income, expenditure, assets) is
  neither read nor written: its fields are not confirmed by two readers.

So an import gives the donor and donation lines of a report (which the accountant
completes in jichi), and an export gives a file with the donation sheets that the
software's own reader is expected to open — expected, not verified: no copy of the
software runs here.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from xml.parsers import expat

from jichi.funds import law
from jichi.funds.reports import AnnualReport, Donation, Donor, DonorKind
from jichi.kernel.era import format_wareki, parse_date
from jichi.kernel.errors import JichiError, JichiErrors, define

ENCODING = "cp932"  # Shift_JIS as Windows writes it (the software runs on Windows)
MAX_BYTES = 20 * 1024 * 1024
HEAD = {
    "VERSION": "20081001",
    "APP": "収支報告書作成ソフト (収支報告書作成ソフト)",
    "FILE_FORMAT_NO": "1",
    "KOKUJI_APP_FLG": "0",
    "CHOUBO_APP_VER": "20081001",
}
DONATION_SHEET = "SYUUSHI07_07"
DONATION_SHEET_NAMES = (DONATION_SHEET, "SYUUSHI07_7")
#: UNCONFIRMED (one reader): the flag string's length and the digits of その7 区分1–3.
FLAG_LENGTH = 51
FLAG_POSITIONS = {"KUBUN1": 6, "KUBUN2": 7, "KUBUN3": 8}
SUBTOTAL_ROW = "1"

KUBUN_KINDS: dict[str, tuple[DonorKind, ...]] = {
    "KUBUN1": (DonorKind.INDIVIDUAL,),
    "KUBUN2": (DonorKind.COMPANY, DonorKind.UNION, DonorKind.OTHER_BODY),
    "KUBUN3": (DonorKind.POLITICAL_ORGANIZATION,),
}
#: On import a 法人その他の団体 row cannot say which of the three bodies it is.
IMPORTED_KIND = {
    "KUBUN1": DonorKind.INDIVIDUAL,
    "KUBUN2": DonorKind.OTHER_BODY,
    "KUBUN3": DonorKind.POLITICAL_ORGANIZATION,
}

NOT_SOFTWARE_XML = define(
    "FND-110",
    "収支報告書作成ソフトの XML として読めません（{reason}）。",
    "not an XML file of the ministry's report software (shushi houkokusho sakusei soft) ({reason})",
    params=("reason",),
)
BAD_ROW = define(
    "FND-111",
    "{sheet} の {row} 行目の「{item}」が正しくありません。",
    "{sheet} row {row}: {item} is not valid",
    params=("sheet", "row", "item"),
)


@dataclass
class Imported:
    """What a file's donation sheets hold: donors and gifts, and each sheet's totals."""

    head: dict[str, str]
    donors: list[Donor] = field(default_factory=list)
    donations: list[Donation] = field(default_factory=list)
    sheet_totals: dict[str, int] = field(default_factory=dict)
    not_itemised: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "head": self.head,
            "donors": [d.model_dump(mode="json", exclude_defaults=True) for d in self.donors],
            "donations": [g.model_dump(mode="json", exclude_defaults=True) for g in self.donations],
            "sheet_totals": self.sheet_totals,
            "not_itemised": self.not_itemised,
        }


# -- writing ---------------------------------------------------------------------------------


def _text(parent: ET.Element, tag: str, value: str = "") -> None:
    ET.SubElement(parent, tag).text = value or None


def _wareki_slashes(day: date) -> str:
    return format_wareki(day, "numeric").replace(".", "/")


def export_donations(report: AnnualReport, *, table: law.Table = law.RULES) -> bytes:
    """The report's donation sheets as the software's XML (Shift_JIS bytes).

    A donor's gifts are itemised when the donor's yearly total is over the disclosure
    threshold (12条1項), as on the paper form; the rest go into ``SONOTA_GK``.
    """
    donors = {d.donor_id: d for d in report.donors}
    totals: dict[str, int] = defaultdict(int)
    for gift in report.donations:
        if gift.donor_id is not None:
            totals[gift.donor_id] += gift.amount
    threshold = law.amount("donation_disclosure_over", date(report.year, 1, 1), table=table)

    book = ET.Element("BOOK")
    head = ET.SubElement(book, "HEAD")
    for tag, value in HEAD.items():
        _text(head, tag, value)
    flags = ["0"] * FLAG_LENGTH
    sheet_root = ET.Element(DONATION_SHEET)
    for kubun, kinds in KUBUN_KINDS.items():
        gifts = [
            g
            for g in report.donations
            if g.donor_id is not None and donors[g.donor_id].kind in kinds
        ]
        if not gifts:
            continue
        flags[FLAG_POSITIONS[kubun]] = "1"
        sheet = ET.SubElement(ET.SubElement(sheet_root, kubun), "SHEET")
        listed = [g for g in gifts if totals[str(g.donor_id)] > threshold]
        _text(sheet, "KINGAKU_GK", str(sum(g.amount for g in gifts)))
        rest = sum(g.amount for g in gifts) - sum(g.amount for g in listed)
        _text(sheet, "SONOTA_GK", str(rest) if rest else "")
        for number, gift in enumerate(listed, start=1):
            donor = donors[str(gift.donor_id)]
            row = ET.SubElement(sheet, "ROW")
            _text(row, "ICHIREN_NO", str(number))
            _text(row, "KIFUSYA_NM", donor.name)
            _text(row, "KINGAKU", str(gift.amount))
            _text(row, "DT", _wareki_slashes(gift.on))
            _text(row, "ADR", donor.address)
            _text(row, "SYOKUGYO", donor.occupation)
            _text(row, "BIKOU")
            _text(row, "SEQ_NO")
            _text(row, "ZEIGAKUKOUJYO", "0")
            _text(row, "ROWKBN", "0")
    umu = ET.SubElement(book, "SYUUSHI_UMU_FLG")
    _text(umu, "SYUUSHI_UMU", "".join(flags))
    if len(sheet_root):
        book.append(sheet_root)
    ET.indent(book)
    body = ET.tostring(book, encoding="unicode")
    return ('<?xml version="1.0" encoding="Shift_JIS"?>\n' + body + "\n").encode(
        ENCODING, errors="xmlcharrefreplace"
    )


# -- reading ---------------------------------------------------------------------------------


def _refuse_doctype(*_args: object) -> None:
    # No DTD, no entities: a file from outside must not expand or fetch anything.
    raise JichiError(NOT_SOFTWARE_XML, field="file", reason="DOCTYPE は受け付けません")


_DECLARATION = re.compile(
    rb"""\A(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding=["']([A-Za-z0-9_.-]{1,40})["'][^>]*\?>"""
)
_SHIFT_JIS = {"shift_jis", "shift-jis", "sjis", "x-sjis", "cp932", "windows-31j", "ms932"}


def _decode(data: bytes) -> str:
    """The file as text, without its declaration: expat reads no multi-byte Shift_JIS."""
    declared = _DECLARATION.match(data)
    name = declared.group(1).decode("ascii").lower() if declared else "utf-8"
    encoding = ENCODING if name in _SHIFT_JIS else name
    if encoding not in (ENCODING, "utf-8"):
        raise JichiError(NOT_SOFTWARE_XML, field="file", reason=f"encoding {name}")
    body = data[declared.end() :] if declared else data
    try:
        return body.decode(encoding).removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise JichiError(NOT_SOFTWARE_XML, field="file", reason=str(exc)[:200]) from None


def _parse(data: bytes) -> ET.Element:
    if len(data) > MAX_BYTES:
        raise JichiError(NOT_SOFTWARE_XML, field="file", reason="20MB を超えています")
    text = _decode(data)
    scan = expat.ParserCreate()  # a first pass that refuses any DTD before building a tree
    scan.StartDoctypeDeclHandler = _refuse_doctype
    scan.EntityDeclHandler = _refuse_doctype
    try:
        scan.Parse(text, True)
        root = ET.fromstring(text)
    except (expat.ExpatError, ET.ParseError) as exc:
        raise JichiError(NOT_SOFTWARE_XML, field="file", reason=str(exc)[:200]) from None
    if root.tag != "BOOK":
        raise JichiError(NOT_SOFTWARE_XML, field="file", reason=f"root {root.tag[:40]}")
    return root


def _field(row: ET.Element, tag: str) -> str:
    found = row.find(tag)
    return (found.text or "").strip() if found is not None else ""


def import_donations(data: bytes) -> Imported:
    """The donors and gifts of a file's donation sheets; every bad row at once (FND-111)."""
    root = _parse(data)
    head_element = root.find("HEAD")
    head = {
        c.tag: (c.text or "").strip() for c in (head_element if head_element is not None else [])
    }
    result = Imported(head=head)
    sheet_root = next(
        (s for name in DONATION_SHEET_NAMES if (s := root.find(name)) is not None), None
    )
    if sheet_root is None:
        return result
    errors: list[JichiError] = []
    donor_ids: dict[tuple[str, str, str], str] = {}
    for kubun, kind in IMPORTED_KIND.items():
        for sheet in sheet_root.findall(f"{kubun}/SHEET"):
            total, rest = _field(sheet, "KINGAKU_GK"), _field(sheet, "SONOTA_GK")
            result.sheet_totals[kubun] = result.sheet_totals.get(kubun, 0) + _amount(total)
            result.not_itemised[kubun] = result.not_itemised.get(kubun, 0) + _amount(rest)
            for number, row in enumerate(sheet.findall("ROW"), start=1):
                if _field(row, "ROWKBN") == SUBTOTAL_ROW:
                    continue
                where = {"sheet": f"{DONATION_SHEET} {kubun}", "row": str(number)}
                name, amount_text = _field(row, "KIFUSYA_NM"), _field(row, "KINGAKU")
                if not name:
                    errors.append(JichiError(BAD_ROW, field="KIFUSYA_NM", item="寄附者", **where))
                if not (amount_text.isascii() and amount_text.isdigit() and int(amount_text)):
                    errors.append(JichiError(BAD_ROW, field="KINGAKU", item="金額", **where))
                try:
                    on = parse_date(_field(row, "DT"), field="DT")
                except JichiError:
                    errors.append(JichiError(BAD_ROW, field="DT", item="年月日", **where))
                    continue
                if errors:
                    continue
                address = _field(row, "ADR")
                key = (kubun, name, address)
                if key not in donor_ids:
                    donor_ids[key] = f"xml-{kubun.lower()}-{len(donor_ids) + 1}"
                    result.donors.append(
                        Donor(
                            donor_id=donor_ids[key],
                            kind=kind,
                            name=name,
                            address=address,
                            occupation=_field(row, "SYOKUGYO"),
                        )
                    )
                result.donations.append(
                    Donation(donor_id=donor_ids[key], amount=int(amount_text), on=on)
                )
    if errors:
        raise JichiErrors(errors)
    return result


def _amount(text: str) -> int:
    return int(text) if text.isascii() and text.isdigit() else 0
