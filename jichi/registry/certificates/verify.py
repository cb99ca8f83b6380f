"""Checking a certificate by its verification code: issued? unaltered? — nothing personal.

The public page asks for the code printed on the certificate (text and QR) and,
optionally, the PDF.  A certificate voided as issued by mistake (誤交付の取消,
:mod:`jichi.registry.counter_day.voids`) answers 取消 with the day.  The answer says
whether a certificate with that code was issued, its kind, the day and the issuing
municipality, and — given the PDF — whether its SHA-256 is the one recorded at
issue: one changed byte and it is not authentic.  It never says whose certificate it
is, nor what it holds.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.kernel.text import normalize_width
from jichi.places.catalog import default_catalog
from jichi.registry.certificates.issue import CODE_ALPHABET, CODE_LENGTH
from jichi.registry.certificates.model import CertificateKind
from jichi.registry.certificates.tables import certificate
from jichi.registry.counter_day.tables import certificate_void

_CONFUSABLE = str.maketrans({"I": "1", "L": "1", "O": "0"})  # Crockford's reading rules


@dataclass(frozen=True)
class Verification:
    """What anyone may learn from a code.  ``authentic`` is ``None`` without a PDF."""

    issued: bool
    kind: CertificateKind | None = None
    kind_ja: str = ""
    issued_on: date | None = None
    lg_code: str = ""
    municipality: str = ""  # 埼玉県川越市
    authentic: bool | None = None
    voided_on: date | None = None  # 誤交付の取消: the certificate is void since this day

    @property
    def voided(self) -> bool:
        return self.voided_on is not None

    @property
    def message_ja(self) -> str:
        if not self.issued:
            return "この検証コードの証明書は発行されていません。"
        if self.voided_on is not None:
            return (
                f"{self.municipality}が{self.issued_on}に発行した{self.kind_ja}ですが、"
                f"{self.voided_on}に取り消されました（取消）。この証明書は無効です。"
            )
        if self.authentic is False:
            return "この検証コードの証明書は発行されていますが、PDFが発行時のものと一致しません。"
        return f"{self.municipality}が{self.issued_on}に発行した{self.kind_ja}です。"


def normalize_code(text: str) -> str | None:
    """The code as stored (XXXX-XXXX-XXXX-XXXX), or ``None`` if it cannot be one."""
    raw = re.sub(r"[\s\-‐－ー]", "", normalize_width(text)).upper().translate(_CONFUSABLE)
    if len(raw) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in raw):
        return None
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def verify(conn: Connection, code: str, pdf_bytes: bytes | None = None) -> Verification:
    normalized = normalize_code(code)
    if normalized is None:
        return Verification(issued=False)
    row = conn.execute(
        sa.select(
            certificate.c.kind,
            certificate.c.issued_on,
            certificate.c.lg_code,
            certificate.c.pdf_sha256,
            certificate_void.c.voided_on,
        )
        .outerjoin(
            certificate_void,
            (certificate_void.c.lg_code == certificate.c.lg_code)
            & (certificate_void.c.serial == certificate.c.serial),
        )
        .where(certificate.c.verification_code == normalized)
    ).first()
    if row is None:
        return Verification(issued=False)
    kind = CertificateKind(row.kind)
    authentic = None
    if pdf_bytes is not None:
        digest = hashlib.sha256(pdf_bytes).hexdigest()
        authentic = hmac.compare_digest(digest, row.pdf_sha256)
    return Verification(
        issued=True,
        kind=kind,
        kind_ja=kind.label_ja,
        issued_on=row.issued_on,
        lg_code=row.lg_code,
        municipality=default_catalog().get(row.lg_code).display_name,
        authentic=authentic,
        voided_on=row.voided_on,
    )
