"""日計表: the day's certificates and takings by kind, balanced against what was issued.

Three sources must agree, and the report says where they do not:

* the ``certificate`` rows issued that day (the issuance log, spec 1.3.8);
* the ``certificate_charge`` rows of that day (each certificate's fee or exemption);
* the ``receipt`` rows of that day (what the resident was handed).

Every certificate issued must have exactly one charge, every charge a certificate;
the receipts' totals must equal the fees on them; voids (誤交付の取消) made that day
show as refunds (a certificate issued on an earlier day refunds today).  A report is
``balanced`` only when no line is out; the page, the CSV and the PDF show each
imbalance by 発行番号, so the supervisor can find it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.registry.certificates.model import CertificateKind
from jichi.registry.certificates.tables import certificate
from jichi.registry.counter_day.tables import certificate_charge, certificate_void, receipt


@dataclass
class KindLine:
    """One kind's row of the 日計表."""

    kind: CertificateKind
    issued: int = 0  # certificates issued (通)
    charged: int = 0  # of them with a fee
    exempt: int = 0  # of them exempt
    takings_yen: int = 0  # fees charged
    voided: int = 0  # voided today (誤交付の取消)
    refunds_yen: int = 0  # fees refunded today

    @property
    def net_yen(self) -> int:
        return self.takings_yen - self.refunds_yen


@dataclass(frozen=True)
class Imbalance:
    """Something that does not add up: ``what`` is a stable key, ``detail_ja`` for people."""

    what: str  # "no_charge" | "no_certificate" | "receipt_total"
    reference: str  # the 発行番号 or 領収書番号
    detail_ja: str


@dataclass
class DailyReport:
    lg_code: str
    day: date
    lines: dict[CertificateKind, KindLine]
    receipts: int = 0
    receipts_yen: int = 0
    imbalances: list[Imbalance] = field(default_factory=list)

    @property
    def issued(self) -> int:
        return sum(line.issued for line in self.lines.values())

    @property
    def takings_yen(self) -> int:
        return sum(line.takings_yen for line in self.lines.values())

    @property
    def refunds_yen(self) -> int:
        return sum(line.refunds_yen for line in self.lines.values())

    @property
    def net_yen(self) -> int:
        return self.takings_yen - self.refunds_yen

    @property
    def balanced(self) -> bool:
        return not self.imbalances


def daily_report(conn: Connection, lg_code: str, day: date) -> DailyReport:
    report = DailyReport(lg_code, day, {kind: KindLine(kind) for kind in CertificateKind})
    issued = conn.execute(
        sa.select(certificate.c.serial, certificate.c.kind).where(
            certificate.c.lg_code == lg_code, certificate.c.issued_on == day
        )
    ).all()
    charges = {
        row.serial: row
        for row in conn.execute(
            sa.select(certificate_charge).where(
                certificate_charge.c.lg_code == lg_code, certificate_charge.c.issued_on == day
            )
        ).all()
    }
    for row in issued:
        line = report.lines[CertificateKind(row.kind)]
        line.issued += 1
        charge = charges.pop(row.serial, None)
        if charge is None:
            report.imbalances.append(
                Imbalance("no_charge", row.serial, "手数料（または免除）の記録がない証明書です。")
            )
            continue
        if charge.exemption:
            line.exempt += 1
        else:
            line.charged += 1
        line.takings_yen += int(charge.fee_yen)
    for serial in sorted(charges):
        report.imbalances.append(
            Imbalance("no_certificate", serial, "発行の記録がない手数料です。")
        )
    voids = conn.execute(
        sa.select(certificate_void.c.serial, certificate_void.c.refund_yen, certificate.c.kind)
        .join(
            certificate,
            (certificate.c.lg_code == certificate_void.c.lg_code)
            & (certificate.c.serial == certificate_void.c.serial),
        )
        .where(certificate_void.c.lg_code == lg_code, certificate_void.c.voided_on == day)
    ).all()
    for void in voids:
        line = report.lines[CertificateKind(void.kind)]
        line.voided += 1
        line.refunds_yen += int(void.refund_yen)
    _receipts(conn, report)
    return report


def _receipts(conn: Connection, report: DailyReport) -> None:
    rows = conn.execute(
        sa.select(receipt.c.receipt_number, receipt.c.total_yen).where(
            receipt.c.lg_code == report.lg_code, receipt.c.issued_on == report.day
        )
    ).all()
    sums = dict(
        conn.execute(
            sa.select(
                certificate_charge.c.receipt_number, sa.func.sum(certificate_charge.c.fee_yen)
            )
            .where(
                certificate_charge.c.lg_code == report.lg_code,
                certificate_charge.c.receipt_number.in_([r.receipt_number for r in rows]),
            )
            .group_by(certificate_charge.c.receipt_number)
        ).all()
    )
    for row in rows:
        report.receipts += 1
        report.receipts_yen += int(row.total_yen)
        if int(sums.get(row.receipt_number) or 0) != int(row.total_yen):
            report.imbalances.append(
                Imbalance(
                    "receipt_total",
                    row.receipt_number,
                    "領収書の合計が、記載した手数料の合計と一致しません。",
                )
            )


CSV_HEADER = [
    "種類",
    "kind",
    "発行通数",
    "有料",
    "免除",
    "手数料（円）",
    "取消",
    "還付（円）",
    "差引（円）",
]


def report_csv(report: DailyReport) -> str:
    """The 日計表 as CSV (UTF-8 with a BOM, as spreadsheets in Japan expect)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["日計表", report.day.isoformat(), report.lg_code])
    writer.writerow(CSV_HEADER)
    for line in report.lines.values():
        writer.writerow(
            [
                line.kind.label_ja,
                line.kind.value,
                line.issued,
                line.charged,
                line.exempt,
                line.takings_yen,
                line.voided,
                line.refunds_yen,
                line.net_yen,
            ]
        )
    writer.writerow(
        [
            "合計",
            "total",
            report.issued,
            "",
            "",
            report.takings_yen,
            "",
            report.refunds_yen,
            report.net_yen,
        ]
    )
    writer.writerow(["領収書", "receipts", report.receipts, "", "", report.receipts_yen])
    writer.writerow(["照合", "balance", "一致" if report.balanced else "不一致"])
    for item in report.imbalances:
        writer.writerow(["不一致", item.what, item.reference, item.detail_ja])
    return "\ufeff" + out.getvalue()
