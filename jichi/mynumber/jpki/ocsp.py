"""The OCSP responder (RFC 6960): good / revoked / unknown, to registered verifiers only.

Each issuing CA signs the answers for its own certificates (no delegated responder
certificate; RFC 6960 §4.2.2.2 allows the issuer itself).  A request from an unknown
verifier gets the ``unauthorized`` response status; a request that cannot be parsed gets
``malformedRequest``.  The status lookup and the query log share one transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.mynumber.jpki import verifiers
from jichi.mynumber.jpki.ca import Authority, CaSet
from jichi.mynumber.jpki.revocation import FLAG_OF
from jichi.mynumber.jpki.status import Status, lookup
from jichi.mynumber.jpki.store import serial_hex
from jichi.mynumber.jpki.token import Purpose
from jichi.store.engine import write_transaction

NEXT_UPDATE = timedelta(hours=1)
HASHES = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha384": hashlib.sha384}


def key_hash(authority: Authority, algorithm: str) -> bytes:
    """issuerKeyHash: the hash of the issuer's subjectPublicKey BIT STRING contents."""
    bits = authority.cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.PKCS1
    )
    return HASHES[algorithm](bits).digest()


class Responder:
    def __init__(
        self,
        engine: Engine,
        cas: CaSet,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        next_update: timedelta = NEXT_UPDATE,
    ) -> None:
        self.engine = engine
        self.cas = cas
        self.clock = clock
        self.next_update = next_update

    def _issuer(self, request: ocsp.OCSPRequest) -> tuple[Purpose, Authority] | None:
        algorithm = request.hash_algorithm.name
        if algorithm not in HASHES:
            return None
        for purpose, authority in self.cas.issuing.items():
            if key_hash(authority, algorithm) == request.issuer_key_hash:
                return purpose, authority
        return None

    def answer(self, der: bytes, token: str | None) -> bytes:
        """The DER OCSP response for a DER request from the verifier holding ``token``."""
        try:
            request = ocsp.load_der_ocsp_request(der)
        except ValueError:
            return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
        with write_transaction(self.engine) as conn:
            try:
                verifier_id = verifiers.authenticate(conn, token)
            except JichiError:
                return _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
            found = self._issuer(request)
            purpose, authority = found if found else (Purpose.SIGN, self.cas.issuing[Purpose.SIGN])
            status = (
                lookup(conn, request.serial_number, purpose.value) if found else Status("unknown")
            )
            verifiers.log_query(
                conn,
                verifier_id,
                serial_hex(request.serial_number),
                status.answer,
                channel="ocsp",
                at=self.clock(),
            )
        return self._signed(request, authority, status)

    def _signed(self, request: ocsp.OCSPRequest, authority: Authority, status: Status) -> bytes:
        now = self.clock().replace(microsecond=0)
        cert_status = {
            "good": ocsp.OCSPCertStatus.GOOD,
            "revoked": ocsp.OCSPCertStatus.REVOKED,
            "unknown": ocsp.OCSPCertStatus.UNKNOWN,
        }[status.answer]
        builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
            issuer_name_hash=request.issuer_name_hash,
            issuer_key_hash=request.issuer_key_hash,
            serial_number=request.serial_number,
            algorithm=request.hash_algorithm,
            cert_status=cert_status,
            this_update=now,
            next_update=now + self.next_update,
            revocation_time=status.revoked_at if status.answer == "revoked" else None,
            revocation_reason=FLAG_OF.get(status.reason or 0)
            if status.answer == "revoked"
            else None,
        )
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, authority.cert)
        nonce = _nonce(request)
        if nonce is not None:
            builder = builder.add_extension(nonce, critical=False)
        response = builder.sign(authority.key, hashes.SHA256())
        return response.public_bytes(serialization.Encoding.DER)


def _nonce(request: ocsp.OCSPRequest) -> x509.OCSPNonce | None:
    try:
        return request.extensions.get_extension_for_class(x509.OCSPNonce).value
    except x509.ExtensionNotFound:
        return None


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(
        serialization.Encoding.DER
    )
