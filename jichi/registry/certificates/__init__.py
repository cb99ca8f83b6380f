"""Certificates: 住民票の写し (世帯連記式・個人票), 除票の写し, 記載事項証明書, 転出証明書.

HTML templates rendered to PDF with WeasyPrint in IPAmj明朝, issued only through the
support-measure gate, logged with the PDF's SHA-256 and checked by a verification code.
Guide: ``docs/guide/certificates.md``.
"""

from jichi.registry.certificates.issue import (
    Preview,
    issue,
    issue_from_data,
    municipality_settings,
    preview,
)
from jichi.registry.certificates.model import (
    Alert,
    Certificate,
    CertificateKind,
    CertificateRequest,
    CertificateSettings,
    Items,
    Official,
    RemoteIssuance,
)
from jichi.registry.certificates.verify import Verification, verify

__all__ = [
    "Alert",
    "Certificate",
    "CertificateKind",
    "CertificateRequest",
    "CertificateSettings",
    "Items",
    "Official",
    "Preview",
    "RemoteIssuance",
    "Verification",
    "issue",
    "issue_from_data",
    "municipality_settings",
    "preview",
    "verify",
]
