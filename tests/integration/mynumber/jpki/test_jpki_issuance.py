"""The CA: two profiles, the basic four in otherName, substitutions, ages, renewal, chains."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.mynumber.jpki import store
from jichi.mynumber.jpki.profiles import OID_NAME, read_basic_four, validity_end
from jichi.mynumber.jpki.service import Jpki
from jichi.mynumber.jpki.token import ChipToken, Purpose
from jichi.store.engine import write_transaction
from tests.integration.mynumber.jpki.conftest import PIN, holder


def pem(cert: x509.Certificate, path: Path) -> Path:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def test_openssl_verifies_both_card_certificates(
    engine: Engine, jpki: Jpki, card: ChipToken, ca_dir: Path, tmp_path: Path
) -> None:
    with write_transaction(engine) as conn:
        certs = jpki.issuer.issue_card(conn, holder(), card, PIN)
    for purpose, stem in ((Purpose.SIGN, "sign-ca"), (Purpose.AUTH, "auth-ca")):
        leaf = pem(certs[purpose], tmp_path / f"{purpose}.pem")
        ok = subprocess.run(
            [
                "openssl",
                "verify",
                "-CAfile",
                str(ca_dir / "root.pem"),
                "-untrusted",
                str(ca_dir / f"{stem}.pem"),
                str(leaf),
            ],
            capture_output=True,
            text=True,
        )
        assert ok.returncode == 0, ok.stderr
        assert ok.stdout.strip().endswith(": OK")
        wrong = "auth-ca" if stem == "sign-ca" else "sign-ca"
        bad = subprocess.run(
            [
                "openssl",
                "verify",
                "-CAfile",
                str(ca_dir / "root.pem"),
                "-untrusted",
                str(ca_dir / f"{wrong}.pem"),
                str(leaf),
            ],
            capture_output=True,
            text=True,
        )
        assert bad.returncode != 0


def test_signing_certificate_carries_the_basic_four_and_auth_none(
    engine: Engine, jpki: Jpki, card: ChipToken
) -> None:
    person = holder("髙橋　𠮷男", date(1990, 1, 2))
    with write_transaction(engine) as conn:
        certs = jpki.issuer.issue_card(conn, person, card, PIN)
        row = store.get(conn, f"{certs[Purpose.SIGN].serial_number:x}")
    four = read_basic_four(certs[Purpose.SIGN])
    assert four == {
        "name": "高橋　吉男",
        "name_positions": "1,4",
        "sex": "1",
        "date_of_birth": "419900102",
        "address": "埼玉県川越市大字的場1-2-3",
        "address_positions": "",
    }
    assert row is not None and row.person_id == person.person_id and row.status == "good"
    auth = certs[Purpose.AUTH]
    assert read_basic_four(auth) == {}
    assert "髙" not in auth.subject.rfc4514_string() and "山田" not in auth.subject.rfc4514_string()
    with pytest.raises(x509.ExtensionNotFound):
        auth.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    names = certs[Purpose.SIGN].extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert OID_NAME in {o.type_id for o in names.value.get_values_for_type(x509.OtherName)}
    assert certs[Purpose.SIGN].public_key().key_size >= 2048  # type: ignore[union-attr]


def test_no_signing_certificate_under_15_but_an_auth_one(
    engine: Engine, jpki: Jpki, card: ChipToken
) -> None:
    child = holder("山田　一郎", date(2015, 1, 20))
    with write_transaction(engine) as conn:
        with pytest.raises(JichiError) as caught:
            jpki.issuer.issue_card(conn, child, card, PIN)
        assert caught.value.code == "JPKI-001" and caught.value.field == "date_of_birth"
        certs = jpki.issuer.issue_card(conn, child, card, PIN, purposes=[Purpose.AUTH])
    assert set(certs) == {Purpose.AUTH}


def test_validity_runs_to_the_fifth_birthday_after_issue() -> None:
    assert validity_end(date(1980, 4, 2), date(2026, 12, 3)) == date(2031, 4, 2)
    assert validity_end(date(1980, 12, 31), date(2026, 12, 3)) == date(2030, 12, 31)
    assert validity_end(date(1980, 4, 2), date(2026, 12, 3), card_expiry=date(2029, 1, 1)) == date(
        2029, 1, 1
    )


def test_renewal_links_new_to_old_and_supersedes_it(
    engine: Engine, jpki: Jpki, card: ChipToken
) -> None:
    person = holder()
    with write_transaction(engine) as conn:
        old = jpki.issuer.issue_card(conn, person, card, PIN, purposes=[Purpose.AUTH])[Purpose.AUTH]
        keys = card.generate_keys(PIN)
        new = jpki.issuer.renew(
            conn, f"{old.serial_number:x}", person, keys[Purpose.AUTH], token_label=card.token_label
        )
        old_row = store.get(conn, f"{old.serial_number:x}")
        new_row = store.get(conn, f"{new.serial_number:x}")
    assert old_row is not None and new_row is not None
    assert old_row.superseded_by == new_row.serial and new_row.renews == old_row.serial
    assert old_row.status == "revoked" and old_row.revocation_reason == 4  # superseded
    assert new_row.status == "good"
