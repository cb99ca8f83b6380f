"""The JPKI parts a process needs, built once by the composition root (web app or CLI)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from sqlalchemy import Engine

from jichi.mynumber.jpki import ca, verifiers
from jichi.mynumber.jpki.issuance import Issuer
from jichi.mynumber.jpki.ocsp import Responder
from jichi.mynumber.jpki.profiles import Endpoints
from jichi.mynumber.jpki.status import Status, lookup
from jichi.mynumber.jpki.verify import Result, load_certificate, verify
from jichi.store.engine import write_transaction


class Jpki:
    def __init__(
        self,
        engine: Engine,
        cas: ca.CaSet,
        *,
        endpoints: Endpoints | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.cas = cas
        self.clock = clock
        self.issuer = Issuer(cas, endpoints=endpoints, clock=clock)
        self.responder = Responder(engine, cas, clock=clock)

    @classmethod
    def from_directory(cls, engine: Engine, directory: Path, passphrase: bytes) -> Jpki:
        return cls(engine, ca.load(directory, passphrase))

    def verify_for(
        self,
        verifier_token: str | None,
        certificate: bytes,
        *,
        payload: bytes | None = None,
        signature: bytes | None = None,
    ) -> Result:
        """Verify for a registered verifier, status from the CA's records; the query logged."""
        with write_transaction(self.engine) as conn:
            verifier_id = verifiers.authenticate(conn, verifier_token)
        cert = load_certificate(certificate)
        answers: list[str] = []

        def from_records(c: x509.Certificate, issuer: x509.Certificate) -> tuple[Status, str]:
            with self.engine.connect() as conn:
                status = lookup(conn, c.serial_number)
            answers.append(status.answer)
            return status, "records"

        result = verify(
            cert,
            root=self.cas.root.cert,
            intermediates=[a.cert for a in self.cas.issuing.values()],
            status_source=from_records,
            payload=payload,
            signature=signature,
            now=self.clock(),
        )
        with write_transaction(self.engine) as conn:
            verifiers.log_query(
                conn,
                verifier_id,
                result.serial,
                answers[0] if answers else "unknown",
                channel="verify",
                at=self.clock(),
            )
        return result
