"""Certificate HTML: data in, HTML out (pure; WeasyPrint turns it into the PDF).

Layout rules and their sources (``shared/docs/facts/certificates.md``):

* A4 portrait (§1.1).  世帯連記式: at most four persons a sheet, latest values only, a
  household of five or more takes several sheets (§0.1, §1.1).  個人票: one person, with
  the 異動履歴 on request (§1.1); a 除票 only as a 個人票 and with its own items:
  消除事由, 事由の生じた年月日, 転出先（予定／確定） (§2).
* Every date in 和暦, except a foreign resident's 生年月日 and 在留期間の満了の日, which are
  in 西暦; never both side by side (§0.4).
* An empty item prints 【空欄】 (§1.2); an optional item left out prints ＊＊＊ in both its
  label and value cells (the replica's way; the official mark is UNCONFIRMED, §1.2).
* The 認証文 only on the last page (§0.2); the 発行番号 ends in page／total on every page
  (§1.8); the issuer's title includes the prefecture and carries a name (§0.5).
* A name too long for its field shrinks in steps; one that still does not fit, or that
  has a character the font cannot draw, raises an :class:`Alert`, and the field is
  printed as far as it goes or left blank by the ``overflow`` setting (spec 5.8, §9).
* 「以下余白」 marks the end of the content (its requirement is UNCONFIRMED, §1.8).

Names are printed exactly as stored, variation selectors included: nothing here
normalises text (§9).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache

import jinja2

from jichi.kernel.era import format_wareki
from jichi.registry.certificates.fonts import Measure
from jichi.registry.certificates.model import (
    Alert,
    CertificateKind,
    CertificateSettings,
    Items,
    Official,
    RemoteIssuance,
)
from jichi.registry.model import Address, PersonName, ResidentRecord

PER_SHEET = 4  # 世帯連記式: four persons a sheet (§0.1)
SIZE_STEPS_PT = (12.0, 10.5, 9.0, 8.0, 7.0, 6.0)  # a name shrinks through these
PT_TO_MM = 25.4 / 72
NAME_FIELD_MM = {"block": 60.0, "personal": 153.0}  # the value cells' widths
CELL_PADDING_MM = 2.0


@dataclass(frozen=True)
class HistoryLine:
    """One line of the 異動履歴: the day it took effect, what happened, when notified."""

    effective_on: date
    label: str
    notified_on: date | None = None


@dataclass(frozen=True)
class Subject:
    """A person on the certificate: their record as of the issue, and what is asked for."""

    record: ResidentRecord
    individual_number: str = ""  # only filled when the item was asked for
    history: tuple[HistoryLine, ...] = ()


@dataclass(frozen=True)
class CertificateData:
    kind: CertificateKind
    subjects: tuple[Subject, ...]  # in print order (spec 5.2 for a household)
    items: Items
    serial: str
    issued_on: date
    verification_code: str
    whole_household: bool = False
    head: ResidentRecord | None = None  # 世帯主, for the 世帯主氏名 line
    official_use: bool = False
    draft: bool = False  # a preview: marked 見本, no 発行番号, no verification code or QR
    remote: RemoteIssuance | None = None  # 広域交付: issued here from the 住所地's items
    former: str = ""  # a 除票 of a municipality merged into this one: its name (ADR 0027)


DRAFT_SERIAL = "見本（未発行・証明書ではありません） "  # a preview's page margin


@dataclass(frozen=True)
class Rendered:
    html: str
    alerts: tuple[Alert, ...]


@dataclass(frozen=True)
class Cell:
    label: str
    value: str
    cls: str = ""
    span: int = 1  # 1: half the row; 2: the whole row
    size_pt: float | None = None  # a name's font size after shrinking


@dataclass(frozen=True)
class Block:
    number: int  # 1..4 on its sheet
    rows: tuple[tuple[Cell, ...], ...]
    history: tuple[HistoryLine, ...] = ()
    history_dates: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sheet:
    blocks: tuple[Block, ...]


@dataclass
class _Context:
    data: CertificateData
    settings: CertificateSettings
    measure: Measure
    alerts: list[Alert] = field(default_factory=list)

    @property
    def omitted(self) -> str:
        return self.settings.omitted_mark

    @property
    def blank(self) -> str:
        return self.settings.blank_mark


# -- values -----------------------------------------------------------------------------


def wareki(d: date | None) -> str:
    return format_wareki(d) if d is not None else ""


def seireki(d: date | None) -> str:
    """西暦, for a foreign resident's birth date and expiry (§0.4)."""
    return f"{d.year}年{d.month}月{d.day}日" if d is not None else ""


def birth_date(record: ResidentRecord) -> str:
    return seireki(record.date_of_birth) if record.foreign else wareki(record.date_of_birth)


def address_text(address: Address | None) -> str:
    return address.text() if address is not None else ""


def name_text(record: ResidentRecord) -> str:
    """氏名 as stored; a foreign resident's alphabet name comes first (法30条の45)."""
    name = record.name.text()
    latin = record.name.latin if record.foreign else ""
    if latin and latin not in name:
        return f"{latin}　{name}"
    return name


def _kana(name: PersonName | None) -> str:
    return name.kana() if name is not None else ""


# -- cells ------------------------------------------------------------------------------


def _value(ctx: _Context, text: str) -> str:
    return text if text else ctx.blank


def _cell(ctx: _Context, label: str, text: str, *, span: int = 1, cls: str = "") -> Cell:
    return Cell(label, _value(ctx, text), cls, span)


def _optional(
    ctx: _Context, chosen: bool, label: str, text: str, *, span: int = 1, cls: str = ""
) -> Cell:
    if not chosen:
        return Cell(ctx.omitted, ctx.omitted, "omitted", span)
    return _cell(ctx, label, text, span=span, cls=cls)


def _checked(ctx: _Context, record: ResidentRecord, field_name: str, text: str) -> str:
    """The text, or blank if it has a character the font cannot draw (by the setting)."""
    missing = ctx.measure.missing(text)
    if not missing:
        return text
    ctx.alerts.append(
        Alert(
            "missing_glyph",
            field_name,
            record.person_id,
            " ".join(f"U+{'+'.join(f'{ord(c):04X}' for c in m)}" for m in missing),
        )
    )
    return "" if ctx.settings.overflow == "blank" else text


def _name_cell(
    ctx: _Context, record: ResidentRecord, label: str, where: str, span: int = 1
) -> Cell:
    text = _checked(ctx, record, "name", name_text(record))
    width_mm = NAME_FIELD_MM[where] - CELL_PADDING_MM
    em = ctx.measure.width(text)
    for size in SIZE_STEPS_PT:
        if em * size * PT_TO_MM <= width_mm:
            return Cell(label, _value(ctx, text), "name", span, size)
    ctx.alerts.append(
        Alert("overflow", "name", record.person_id, f"{em:.1f} em in {width_mm:.0f} mm")
    )
    if ctx.settings.overflow == "blank":
        text = ""
    return Cell(label, _value(ctx, text), "name overflow", span, SIZE_STEPS_PT[-1])


def _relationship(ctx: _Context, record: ResidentRecord) -> Cell:
    return _optional(ctx, ctx.data.items.relationship, "続柄", record.relationship)


def _foreign_lines(ctx: _Context, record: ResidentRecord) -> list[str]:
    f = record.foreign
    if f is None:
        return []
    if not ctx.data.items.foreign_items:
        return []
    lines = [
        f"国籍・地域　{f.nationality}",
        f"区分　{f.category or ctx.blank}",
        f"在留資格　{f.status_of_residence or ctx.blank}",
        f"在留期間　{f.period_of_stay or ctx.blank}",
        f"在留期間の満了の日　{seireki(f.period_expires) or ctx.blank}",
        f"在留カード等番号　{f.residence_card_number or ctx.blank}",
    ]
    return lines


def _remarks(ctx: _Context, record: ResidentRecord) -> str:
    lines = []
    if record.alias is not None:
        lines.append(f"通称　{_checked(ctx, record, 'alias', record.alias.text())}")
    lines += _foreign_lines(ctx, record)
    kind = ctx.data.kind
    if kind is CertificateKind.REMOVED_RECORD_COPY or (
        kind is CertificateKind.MOVE_OUT_CERTIFICATE
    ):
        lines += _removal_lines(ctx, record)
    return "\n".join(lines)


def _removal_lines(ctx: _Context, record: ResidentRecord) -> list[str]:
    lines = []
    if ctx.data.kind is CertificateKind.REMOVED_RECORD_COPY and record.removal_reason:
        lines.append(f"消除事由　{record.removal_reason.label_ja}")
        lines.append(f"事由の生じた年月日　{wareki(record.removed_on) or ctx.blank}")
    if record.move_out_destination is not None:
        state = "確定" if record.move_out_confirmed else "予定"
        lines.append(f"転出先（{state}）　{address_text(record.move_out_destination)}")
    if ctx.data.kind is CertificateKind.MOVE_OUT_CERTIFICATE and record.planned_move_out:
        lines.append(f"転出予定年月日　{wareki(record.planned_move_out)}")
    return lines


def _since_label(record: ResidentRecord) -> str:
    return "外国人住民となった年月日" if record.foreign else "住民となった年月日"


def _address_since(ctx: _Context, record: ResidentRecord) -> str:
    # Without a move inside the municipality the field is 【空欄】 (§1.2).
    if record.address_since == record.resident_since:
        return ""
    return wareki(record.address_since)


def _honseki_cells(ctx: _Context, record: ResidentRecord) -> tuple[Cell, Cell]:
    chosen = ctx.data.items.honseki
    if record.foreign:  # 法30条の45: no 戸籍 items for a foreign resident
        return (
            _optional(ctx, chosen, "本籍", "", span=1),
            _optional(ctx, chosen, "筆頭者", "", span=1),
        )
    honseki = _checked(ctx, record, "honseki", record.honseki)
    head = _checked(ctx, record, "family_register_head", record.family_register_head)
    return _optional(ctx, chosen, "本籍", honseki), _optional(ctx, chosen, "筆頭者", head)


def _block_rows(ctx: _Context, subject: Subject) -> tuple[tuple[Cell, ...], ...]:
    """A person on a 世帯連記式-style sheet (the replica's grid, §1.3, SECONDARY)."""
    r = subject.record
    items = ctx.data.items
    kind = ctx.data.kind
    name = _name_cell(ctx, r, "氏名", "block")
    number = _optional(ctx, items.individual_number, "個人番号", subject.individual_number)
    code = _optional(ctx, items.resident_code, "住民票コード", r.resident_code)
    honseki, fr_head = _honseki_cells(ctx, r)
    kana = _cell(ctx, "氏名の振り仮名", _kana(r.name))
    born = (_cell(ctx, "生年月日", birth_date(r)), _cell(ctx, "性別", r.sex.label_ja))
    remarks = (_cell(ctx, "備考", _remarks(ctx, r), span=2, cls="remarks"),)
    if kind is CertificateKind.RECORD_ITEMS_CERTIFICATE:
        # 氏名・生年月日・性別・住所 and what was asked for (§3).
        rows: list[tuple[Cell, ...]] = [(kana, number), (name, code), born]
        if items.relationship:
            rows.append((_relationship(ctx, r),))
        if items.honseki:
            rows.append((honseki, fr_head))
        if items.previous_address:
            rows.append((_cell(ctx, "転入前住所", address_text(r.previous_address), span=2),))
        rows.append(remarks)
        return tuple(rows)
    rows = [
        (kana, number),
        (name, code),
        (_cell(ctx, "旧氏", r.former_surname.text() if r.former_surname else ""),),
        born,
        (_relationship(ctx, r), _cell(ctx, _since_label(r), wareki(r.resident_since))),
        (
            _cell(ctx, "住所を定めた年月日", _address_since(ctx, r)),
            _cell(ctx, "届出日", wareki(r.moved_in_on)),
        ),
        (honseki, fr_head),
        (
            _optional(
                ctx, items.previous_address, "転入前住所", address_text(r.previous_address), span=2
            ),
        ),
        remarks,
    ]
    return tuple(rows)


def _personal_rows(ctx: _Context, subject: Subject) -> tuple[tuple[Cell, ...], ...]:
    """A 個人票 (one person, A4 portrait): every item on its own row."""
    r = subject.record
    items = ctx.data.items
    honseki, fr_head = _honseki_cells(ctx, r)
    head_name = ctx.data.head.name.text() if ctx.data.head is not None else ""
    rows: list[tuple[Cell, ...]] = [
        (_cell(ctx, "氏名の振り仮名", _kana(r.name)),),
        (_name_cell(ctx, r, "氏名", "personal", span=2),),
        (_cell(ctx, "旧氏", r.former_surname.text() if r.former_surname else ""),),
        (_cell(ctx, "生年月日", birth_date(r)), _cell(ctx, "性別", r.sex.label_ja)),
        (
            _optional(ctx, items.relationship, "世帯主", head_name),
            _relationship(ctx, r),
        ),
        (_cell(ctx, "住所", _checked(ctx, r, "address", address_text(r.address)), span=2),),
        (
            _cell(ctx, _since_label(r), wareki(r.resident_since)),
            _cell(ctx, "住所を定めた年月日", _address_since(ctx, r)),
        ),
        (_cell(ctx, "届出日", wareki(r.moved_in_on)), honseki),
        (
            _optional(ctx, items.resident_code, "住民票コード", r.resident_code),
            fr_head,
        ),
        (_optional(ctx, items.individual_number, "個人番号", subject.individual_number),),
        (
            _optional(
                ctx, items.previous_address, "転入前住所", address_text(r.previous_address), span=2
            ),
        ),
        (_cell(ctx, "備考", _remarks(ctx, r), span=2, cls="remarks"),),
    ]
    return tuple(rows)


def _sheets(ctx: _Context) -> list[Sheet]:
    data = ctx.data
    if data.kind.personal:
        subject = data.subjects[0]
        history = subject.history if data.items.history else ()
        return [
            Sheet(
                (
                    Block(
                        1,
                        _personal_rows(ctx, subject),
                        history,
                        tuple(wareki(h.effective_on) for h in history),
                    ),
                )
            )
        ]
    sheets = []
    for start in range(0, len(data.subjects), PER_SHEET):
        group = data.subjects[start : start + PER_SHEET]
        sheets.append(Sheet(tuple(Block(i + 1, _block_rows(ctx, s)) for i, s in enumerate(group))))
    return sheets


# -- the page ---------------------------------------------------------------------------


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("jichi.registry.certificates", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def qr_svg(payload: str) -> str:
    """The verification QR code as SVG (segno; error correction M, black on white)."""
    import io

    import segno

    out = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(
        out, kind="svg", scale=4, border=2, xmldecl=False, svgns=True
    )
    return out.getvalue().decode("utf-8")


def verification_payload(settings: CertificateSettings, code: str) -> str:
    if settings.verify_url:
        sep = "&" if "?" in settings.verify_url else "?"
        return f"{settings.verify_url}{sep}code={code}"
    return code


def css_string(text: str) -> str:
    """A CSS string literal (for the 発行番号 in the page margin)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(
    data: CertificateData,
    settings: CertificateSettings,
    *,
    font_family: str = "IPAmjMincho",
    measure: Measure | None = None,
) -> Rendered:
    """The certificate as one HTML document, and the alerts the clerk must see."""
    ctx = _Context(data, settings, measure or Measure())
    sheets = _sheets(ctx)
    issuer: Official = settings.issuer_on(data.issued_on)
    head = data.head
    header_address = ""
    head_cell: Cell | None = None
    if not data.kind.personal and data.subjects:
        first = data.subjects[0].record
        header_address = _checked(ctx, first, "address", address_text(first.address))
        head_name = head.name.text() if head is not None else ""
        head_cell = _optional(ctx, data.items.relationship, "世帯主", head_name)
    html = (
        _environment()
        .get_template("certificate.html.j2")
        .render(
            data=data,
            kind=data.kind,
            title=data.kind.title_ja,
            label=data.kind.label_ja,
            sheets=sheets,
            personal=data.kind.personal,
            header_address=header_address or settings.blank_mark,
            head_cell=head_cell,
            font_family=font_family,
            serial_css=css_string(DRAFT_SERIAL if data.draft else f"発行番号 {data.serial} "),
            draft=data.draft,
            certification=settings.certification_for(data.kind, data.whole_household, data.remote),
            remote=data.remote,
            former=data.former,
            issued_on=wareki(data.issued_on),
            issuer=issuer,
            seal_uri=svg_data_uri(settings.seal_svg) if settings.seal_svg else None,
            seal_note=settings.seal_note,
            end_mark=settings.end_mark,
            code=data.verification_code,
            qr_uri=(
                ""
                if data.draft
                else svg_data_uri(qr_svg(verification_payload(settings, data.verification_code)))
            ),
            verify_url=settings.verify_url,
            official_use=data.official_use,
        )
    )
    return Rendered(html, tuple(_unique(ctx.alerts)))


def _unique(alerts: Iterable[Alert]) -> list[Alert]:
    seen: dict[Alert, None] = {}
    for alert in alerts:
        seen.setdefault(alert, None)
    return list(seen)
