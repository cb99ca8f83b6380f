"""Every verification failure is a typed JPKI-0xx reason; the CRL schedule publishes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine

from jichi.mynumber.jpki import ca, crl
from jichi.mynumber.jpki.ca import CaSet
from jichi.mynumber.jpki.charset import CharsetPolicy
from jichi.mynumber.jpki.profiles import Endpoints, build_end_entity, validity_end
from jichi.mynumber.jpki.status import Status
from jichi.mynumber.jpki.token import Purpose
from jichi.mynumber.jpki.verify import verify
from tests.integration.mynumber.jpki.conftest import holder


def _cert(
    cas: CaSet, purpose: Purpose, days: int = 30
) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    authority = cas.for_purpose(purpose)
    cert, _ = build_end_entity(
        purpose=purpose,
        serial=x509.random_serial_number(),
        public_key=key.public_key(),
        holder=holder(),
        issuer_cert=authority.cert,
        issuer_key=authority.key,
        not_before=now - timedelta(minutes=1),
        not_after=now + timedelta(days=days),
        charset=CharsetPolicy(),
        endpoints=Endpoints(),
    )
    return cert, key


def _good(cert: x509.Certificate, issuer: x509.Certificate) -> tuple[Status, str]:
    return Status("good"), "test"


def test_every_reason_is_reported_at_once(cas: CaSet, tmp_path: Path) -> None:
    other = ca.create(tmp_path / "other-ca", b"other")  # a CA nobody trusts
    stranger, _ = _cert(other, Purpose.SIGN)
    intermediates = [a.cert for a in cas.issuing.values()]
    result = verify(stranger, root=cas.root.cert, intermediates=intermediates, status_source=_good)
    assert [e.code for e in result.errors] == ["JPKI-021"] and result.status == "unknown"

    cert, key = _cert(cas, Purpose.AUTH, days=10)
    later = datetime.now(UTC) + timedelta(days=11)
    payload = b"challenge"
    result = verify(
        cert,
        root=cas.root.cert,
        intermediates=intermediates,
        status_source=_good,
        payload=payload,
        signature=key.sign(b"other", padding.PKCS1v15(), hashes.SHA256()),
        expected=Purpose.SIGN,
        now=later,
    )
    assert [e.code for e in result.errors] == ["JPKI-023", "JPKI-027", "JPKI-026"]
    assert all(e.message_ja and e.field for e in result.errors)
    early = datetime.now(UTC) - timedelta(days=1)
    result = verify(
        cert, root=cas.root.cert, intermediates=intermediates, status_source=_good, now=early,
        payload=payload,
    )  # fmt: skip
    assert [e.code for e in result.errors] == ["JPKI-022", "JPKI-034"]
    ok = verify(
        cert,
        root=cas.root.cert,
        intermediates=intermediates,
        status_source=_good,
        payload=payload,
        signature=key.sign(payload, padding.PKCS1v15(), hashes.SHA256()),
        expected=Purpose.AUTH,
    )
    assert ok.ok and ok.status == "good"


def test_the_crl_schedule_publishes_each_round(engine: Engine, cas: CaSet, tmp_path: Path) -> None:
    out = tmp_path / "sign.crl"
    slept: list[float] = []
    done = crl.run_schedule(engine, cas, out, Purpose.SIGN, every=60, rounds=2, sleep=slept.append)
    assert done == 2 and slept == [60]
    published = x509.load_pem_x509_crl(out.read_bytes())
    assert published.next_update_utc is not None and published.last_update_utc is not None
    assert published.next_update_utc - published.last_update_utc == timedelta(seconds=120)
    assert published.is_signature_valid(cas.for_purpose(Purpose.SIGN).cert.public_key())  # type: ignore[arg-type]


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)),
    st.dates(min_value=date(2021, 1, 1), max_value=date(2090, 12, 31)),
)
def test_validity_ends_on_the_fifth_birthday_after_issue(birth: date, issued: date) -> None:
    end = validity_end(birth, issued)
    assert (end.month, end.day) == (birth.month, birth.day) or (birth.month, birth.day) == (2, 29)
    # the first birthday after issue is within a year, the fifth four years after it
    assert issued + timedelta(days=4 * 365) <= end <= issued + timedelta(days=5 * 366)
