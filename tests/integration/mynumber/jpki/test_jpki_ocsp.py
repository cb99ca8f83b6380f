"""OCSP over HTTP: jichi's answer and openssl's agree for good, revoked and unknown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import ocsp
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.mynumber.jpki import revocation, verifiers
from jichi.mynumber.jpki.ca import CaSet
from jichi.mynumber.jpki.charset import CharsetPolicy
from jichi.mynumber.jpki.profiles import Endpoints, build_end_entity
from jichi.mynumber.jpki.service import Jpki
from jichi.mynumber.jpki.token import Purpose
from jichi.store.engine import write_transaction
from jichi.web.app import create_app
from tests.integration.mynumber.jpki.conftest import holder
from tests.integration.mynumber.jpki.helpers import openssl_ocsp, openssl_status, serving, write_pem


def _issue_software_key(engine: Engine, jpki: Jpki, purpose: Purpose) -> x509.Certificate:
    """A certificate for a software key (the token path is covered in test_jpki_token)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with write_transaction(engine) as conn:
        return jpki.issuer.issue(conn, holder(), purpose, key.public_key(), token_label="soft")


def _unknown(cas: CaSet) -> x509.Certificate:
    """Signed by the real signing CA but never recorded: the responder must say unknown."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    authority = cas.for_purpose(Purpose.SIGN)
    cert, _ = build_end_entity(
        purpose=Purpose.SIGN,
        serial=x509.random_serial_number(),
        public_key=key.public_key(),
        holder=holder(),
        issuer_cert=authority.cert,
        issuer_key=authority.key,
        not_before=now - timedelta(minutes=1),
        not_after=now + timedelta(days=30),
        charset=CharsetPolicy(),
        endpoints=Endpoints(),
    )
    return cert


def _request(cert: x509.Certificate, issuer: x509.Certificate) -> bytes:
    return (
        ocsp.OCSPRequestBuilder()
        .add_certificate(cert, issuer, hashes.SHA1())
        .build()
        .public_bytes(serialization.Encoding.DER)
    )


def test_openssl_and_jichi_agree_on_good_revoked_unknown(
    engine: Engine, jpki: Jpki, cas: CaSet, ca_dir: Path, tmp_path: Path
) -> None:
    good = _issue_software_key(engine, jpki, Purpose.SIGN)
    revoked = _issue_software_key(engine, jpki, Purpose.SIGN)
    unknown = _unknown(cas)
    with write_transaction(engine) as conn:
        revocation.revoke(conn, f"{revoked.serial_number:x}", revocation.Ground.KEY_COMPROMISE)
        verifier_id, token = verifiers.register(conn, "テスト銀行")
    issuer = cas.for_purpose(Purpose.SIGN).cert
    expected = {"good": good, "revoked": revoked, "unknown": unknown}
    with serving(create_app(engine, jpki_service=jpki)) as url:
        for answer, cert in expected.items():
            leaf = write_pem(cert, tmp_path / f"{answer}.pem")
            result = openssl_ocsp(ca_dir, "sign-ca", leaf, url, token)
            assert "Response verify OK" in result.stderr, result.stderr
            assert openssl_status(result, leaf) == answer
            mine = ocsp.load_der_ocsp_response(jpki.responder.answer(_request(cert, issuer), token))
            assert mine.certificate_status.name.lower() == answer
            if answer == "revoked":
                assert mine.revocation_reason is x509.ReasonFlags.key_compromise
                assert "Reason: keyCompromise" in result.stdout
    with engine.connect() as conn:
        logged = verifiers.queries_for(conn, f"{revoked.serial_number:x}")
    assert [q["answer"] for q in logged] == ["revoked", "revoked"]
    assert {q["verifier_id"] for q in logged} == {verifier_id}
    assert all(q["channel"] == "ocsp" and q["at"] is not None for q in logged)


def test_an_unknown_verifier_gets_unauthorized_and_nothing_is_logged(
    engine: Engine, jpki: Jpki, cas: CaSet, ca_dir: Path, tmp_path: Path
) -> None:
    cert = _issue_software_key(engine, jpki, Purpose.AUTH)
    leaf = write_pem(cert, tmp_path / "leaf.pem")
    with serving(create_app(engine, jpki_service=jpki)) as url:
        for token in (None, "not-a-registered-token"):
            result = openssl_ocsp(ca_dir, "auth-ca", leaf, url, token)
            assert "unauthorized" in (result.stdout + result.stderr).lower()
    with engine.connect() as conn:
        assert verifiers.queries_for(conn, f"{cert.serial_number:x}") == []


def test_get_form_and_post_answer_the_same(engine: Engine, jpki: Jpki, cas: CaSet) -> None:
    import base64

    cert = _issue_software_key(engine, jpki, Purpose.AUTH)
    with write_transaction(engine) as conn:
        _, token = verifiers.register(conn, "検証者A")
    der = _request(cert, cas.for_purpose(Purpose.AUTH).cert)
    client = TestClient(create_app(engine, jpki_service=jpki))
    headers = {"Authorization": f"Bearer {token}"}
    posted = client.post(
        "/jpki/ocsp",
        content=der,
        headers={**headers, "Content-Type": "application/ocsp-request"},
    )
    got = client.get("/jpki/ocsp/" + base64.b64encode(der).decode(), headers=headers)
    for reply in (posted, got):
        assert reply.status_code == 200
        assert reply.headers["content-type"] == "application/ocsp-response"
        parsed = ocsp.load_der_ocsp_response(reply.content)
        assert parsed.certificate_status is ocsp.OCSPCertStatus.GOOD
        assert parsed.serial_number == cert.serial_number
    garbage = client.post("/jpki/ocsp", content=b"not der", headers=headers)
    assert (
        ocsp.load_der_ocsp_response(garbage.content).response_status
        is ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    )
