"""What the portal checks in a card signature: chain, validity, signature, status.

Both uses go through :func:`check`: the login (利用者証明用, over a challenge) and the
online 転出届 (署名用, over the form's canonical bytes).  Status comes from the CA's own
records at the moment of receipt (the same answer its OCSP responder gives), through
:func:`jichi.mynumber.jpki.verify.verify`, so a certificate revoked a second ago is
refused.  The first failure is raised as its own typed JPKI error.
"""

from __future__ import annotations

from datetime import datetime

from cryptography import x509
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.mynumber.jpki import store
from jichi.mynumber.jpki.ca import CaSet
from jichi.mynumber.jpki.status import Status, lookup
from jichi.mynumber.jpki.store import CertificateRow
from jichi.mynumber.jpki.token import Purpose
from jichi.mynumber.jpki.verify import load_certificate, verify
from jichi.mynumber.portal import errors as e
from jichi.mynumber.portal.reader import ReaderOutput


def check(
    engine: Engine,
    cas: CaSet,
    output: ReaderOutput,
    payload: bytes,
    expected: Purpose,
    now: datetime,
) -> CertificateRow:
    """The issued certificate's record when everything holds; else the first typed error."""
    cert = load_certificate(output.certificate)

    def from_records(c: x509.Certificate, _issuer: x509.Certificate) -> tuple[Status, str]:
        with engine.connect() as conn:
            return lookup(conn, c.serial_number, expected.value), "records"

    result = verify(
        cert,
        root=cas.root.cert,
        intermediates=[a.cert for a in cas.issuing.values()],
        status_source=from_records,
        payload=payload,
        signature=output.signature,
        expected=expected,
        now=now,
    )
    if result.errors:
        raise result.errors[0]
    with engine.connect() as conn:
        row = store.get(conn, result.serial)
    if row is None:  # verify() answered "unknown" already; kept for the type checker
        raise JichiError(
            e.CERTIFICATE_REFUSED,
            field="certificate",
            reason="記録がありません",
            reason_en="no record",
        )
    return row
