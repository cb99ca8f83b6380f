"""Verification for relying parties: chain, validity, signature, status — all reasons at once.

Each failed check is a typed :class:`JichiError` (JPKI-02x) in ``Result.errors``; the
caller decides whether to raise the first.  Status comes from a :data:`StatusSource`:
the CA's records (the API, in-process), an OCSP responder over HTTP, or a CRL file —
:func:`ocsp_then_crl` tries OCSP and falls back to the CRL when the responder cannot be
reached or answers badly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib import error as urlerror
from urllib import request as urlrequest

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import ocsp

from jichi.kernel.errors import JichiError
from jichi.mynumber.jpki import errors as e
from jichi.mynumber.jpki.profiles import POLICY, read_basic_four
from jichi.mynumber.jpki.revocation import CODE_OF, REASON_JA
from jichi.mynumber.jpki.status import Status
from jichi.mynumber.jpki.token import Purpose

#: (certificate, its issuer) -> status and where it came from.
StatusSource = Callable[[x509.Certificate, x509.Certificate], tuple[Status, str]]


@dataclass
class Result:
    serial: str
    profile: str | None
    status: str = "unknown"
    status_source: str = ""
    errors: list[JichiError] = field(default_factory=list)
    basic_four: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "serial": self.serial,
            "profile": self.profile,
            "status": self.status,
            "status_source": self.status_source,
            "basic_four": self.basic_four,
            "errors": [err.to_dict() for err in self.errors],
        }


def load_certificate(data: bytes) -> x509.Certificate:
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise JichiError(e.NOT_A_CERTIFICATE, field="certificate") from None


def profile_of(cert: x509.Certificate) -> Purpose | None:
    try:
        policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    except x509.ExtensionNotFound:
        return None
    ids = {p.policy_identifier for p in policies}
    for purpose, oid in POLICY.items():
        if oid in ids:
            return purpose
    return None


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def verify(
    cert: x509.Certificate,
    *,
    root: x509.Certificate,
    intermediates: list[x509.Certificate],
    status_source: StatusSource | None,
    payload: bytes | None = None,
    signature: bytes | None = None,
    expected: Purpose | None = None,
    now: datetime | None = None,
) -> Result:
    """Check everything and collect every failure (a relying party wants all reasons)."""
    now = now or datetime.now(UTC)
    purpose = profile_of(cert)
    result = Result(f"{cert.serial_number:x}", purpose.value if purpose else None)
    result.basic_four = read_basic_four(cert)
    issuer = next((i for i in intermediates if _issued_by(cert, i)), None)
    if issuer is None:
        result.errors.append(
            JichiError(e.UNTRUSTED_CHAIN, field="certificate", reason="no known issuing CA")
        )
    elif not _issued_by(issuer, root):
        result.errors.append(
            JichiError(e.UNTRUSTED_CHAIN, field="certificate", reason="issuing CA not under root")
        )
    if now < cert.not_valid_before_utc:
        result.errors.append(
            JichiError(e.NOT_YET_VALID, field="certificate", not_before=cert.not_valid_before_utc)
        )
    if now > cert.not_valid_after_utc:
        result.errors.append(
            JichiError(e.EXPIRED, field="certificate", not_after=cert.not_valid_after_utc)
        )
    if expected is not None and purpose is not expected:
        result.errors.append(
            JichiError(
                e.WRONG_PROFILE,
                field="certificate",
                expected=f"{expected.label_ja}電子証明書",
                expected_en=expected.value,
            )
        )
    if (payload is None) != (signature is None):
        result.errors.append(JichiError(e.BAD_SIGNATURE_INPUT, field="signature"))
    elif payload is not None and signature is not None:
        key = cert.public_key()
        try:
            assert isinstance(key, rsa.RSAPublicKey)
            key.verify(signature, payload, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, AssertionError):
            result.errors.append(JichiError(e.BAD_SIGNATURE, field="signature"))
    if issuer is not None and status_source is not None:
        status, source = status_source(cert, issuer)
        result.status, result.status_source = status.answer, source
        if status.answer == "revoked":
            result.errors.append(
                JichiError(
                    e.REVOKED,
                    field="certificate",
                    reason=status.reason,
                    reason_ja=REASON_JA.get(status.reason or 0, "失効"),
                    revoked_at=status.revoked_at,
                )
            )
        elif status.answer == "unknown":
            result.errors.append(JichiError(e.STATUS_UNKNOWN, field="certificate", source=source))
    return result


# -- status sources ------------------------------------------------------------------


def crl_status(crls: list[x509.CertificateRevocationList]) -> StatusSource:
    """Status from CRL files: a CRL signed by the issuer that lists the serial → revoked."""

    def source(cert: x509.Certificate, issuer: x509.Certificate) -> tuple[Status, str]:
        for crl in crls:
            if crl.issuer != issuer.subject or not crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
                continue
            entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
            if entry is None:
                return Status("good"), "crl"
            try:
                flag = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
                code = CODE_OF.get(flag, 0)
            except x509.ExtensionNotFound:
                code = 0
            return Status("revoked", entry.revocation_date_utc, code), "crl"
        return Status("unknown"), "crl"

    return source


def ocsp_query(
    url: str, token: str, cert: x509.Certificate, issuer: x509.Certificate, timeout: float = 5
) -> Status:
    """Ask an OCSP responder (POST); raises ``ValueError`` on a transport or response error."""
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(cert, issuer, hashes.SHA1())
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    http_request = urlrequest.Request(
        url,
        data=request,
        headers={"Content-Type": "application/ocsp-request", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    try:
        with urlrequest.urlopen(http_request, timeout=timeout) as reply:
            body = reply.read()
    except (urlerror.URLError, OSError) as exc:
        raise ValueError(f"OCSP transport: {exc}") from None
    response = ocsp.load_der_ocsp_response(body)
    if response.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise ValueError(f"OCSP status {response.response_status.name}")
    try:
        issuer.public_key().verify(  # type: ignore[call-arg,union-attr]
            response.signature,
            response.tbs_response_bytes,
            padding.PKCS1v15(),  # type: ignore[arg-type]
            response.signature_hash_algorithm,  # type: ignore[arg-type]
        )
    except InvalidSignature:
        raise ValueError("OCSP response not signed by the issuer") from None
    if response.serial_number != cert.serial_number:
        raise ValueError("OCSP response is for another certificate")
    if response.certificate_status is ocsp.OCSPCertStatus.GOOD:
        return Status("good")
    if response.certificate_status is ocsp.OCSPCertStatus.REVOKED:
        reason = CODE_OF.get(response.revocation_reason, 0) if response.revocation_reason else 0
        return Status("revoked", response.revocation_time_utc, reason)
    return Status("unknown")


def ocsp_then_crl(
    url: str | None, token: str | None, crls: list[x509.CertificateRevocationList]
) -> StatusSource:
    fallback = crl_status(crls)

    def source(cert: x509.Certificate, issuer: x509.Certificate) -> tuple[Status, str]:
        if url and token:
            try:
                return ocsp_query(url, token, cert, issuer), "ocsp"
            except ValueError:
                pass  # the CRL is the fallback J-LIS offers for the same information
        if crls:
            return fallback(cert, issuer)
        return Status("unknown"), "none"

    return source
