"""The CA: a root and one issuing CA per profile, keys in passphrase-encrypted PEM files.

File keys are for tests and the demo.  In production the CA keys belong in an HSM and are
used through the same PKCS#11 module path as the card (``jichi.mynumber.jpki.token``);
this module is the only place that touches CA private keys, so that swap stays local.
Layout of a CA directory: ``root.pem``, ``sign-ca.pem``, ``auth-ca.pem`` and the matching
``*.key.pem`` (PKCS#8, BestAvailableEncryption with the passphrase).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from jichi.kernel.errors import JichiError
from jichi.mynumber.jpki import errors as e
from jichi.mynumber.jpki.token import Purpose

CA_KEY_BITS = 3072
ROOT_YEARS = 20
ISSUING_YEARS = 12
NAMES = {
    "root": "jichi JPKI Root CA",
    Purpose.SIGN: "jichi JPKI Signature CA",  # 署名用認証局
    Purpose.AUTH: "jichi JPKI Authentication CA",  # 利用者証明用認証局
}
FILES = {"root": "root", Purpose.SIGN: "sign-ca", Purpose.AUTH: "auth-ca"}


@dataclass(frozen=True)
class Authority:
    """One CA: its certificate and private key."""

    cert: x509.Certificate
    key: rsa.RSAPrivateKey


@dataclass(frozen=True)
class CaSet:
    root: Authority
    issuing: dict[Purpose, Authority]

    def for_purpose(self, purpose: Purpose) -> Authority:
        return self.issuing[purpose]

    def issuer_of(self, cert: x509.Certificate) -> tuple[Purpose, Authority] | None:
        for purpose, authority in self.issuing.items():
            if cert.issuer == authority.cert.subject:
                return purpose, authority
        return None


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "jichi"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _ca_cert(
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    issuer: Authority | None,
    now: datetime,
    years: int,
) -> x509.Certificate:
    signer_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365 * years))
        .add_extension(
            x509.BasicConstraints(ca=True, path_length=None if issuer is None else 0),
            critical=True,
        )
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key()),
            critical=False,
        )
    )
    return builder.sign(signer_key, hashes.SHA256())


def create(directory: Path, passphrase: bytes, *, now: datetime | None = None) -> CaSet:
    """Make a fresh root and the two issuing CAs and write them to ``directory``."""
    now = now or datetime.now(UTC)
    directory.mkdir(parents=True, exist_ok=True)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=CA_KEY_BITS)
    root = Authority(_ca_cert(_name(NAMES["root"]), root_key, None, now, ROOT_YEARS), root_key)
    issuing: dict[Purpose, Authority] = {}
    for purpose in Purpose:
        key = rsa.generate_private_key(public_exponent=65537, key_size=CA_KEY_BITS)
        issuing[purpose] = Authority(
            _ca_cert(_name(NAMES[purpose]), key, root, now, ISSUING_YEARS), key
        )
    cas = CaSet(root, issuing)
    for which, authority in (("root", root), *issuing.items()):
        _write(directory, FILES[which], authority, passphrase)
    return cas


def _write(directory: Path, stem: str, authority: Authority, passphrase: bytes) -> None:
    (directory / f"{stem}.pem").write_bytes(authority.cert.public_bytes(serialization.Encoding.PEM))
    key_path = directory / f"{stem}.key.pem"
    key_path.write_bytes(
        authority.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase),
        )
    )
    key_path.chmod(0o600)


def _read(directory: Path, stem: str, passphrase: bytes) -> Authority:
    cert_path, key_path = directory / f"{stem}.pem", directory / f"{stem}.key.pem"
    if not cert_path.exists() or not key_path.exists():
        raise JichiError(e.CA_NOT_INITIALISED, field="ca_dir", directory=str(directory))
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), passphrase)
    except (ValueError, TypeError):
        raise JichiError(e.CA_PASSPHRASE, field="passphrase") from None
    assert isinstance(key, rsa.RSAPrivateKey)
    return Authority(cert, key)


def load(directory: Path, passphrase: bytes) -> CaSet:
    root = _read(directory, FILES["root"], passphrase)
    issuing = {p: _read(directory, FILES[p], passphrase) for p in Purpose}
    return CaSet(root, issuing)


def load_certificates(directory: Path) -> dict[str, x509.Certificate]:
    """The public CA certificates only (what a relying party installs)."""
    out: dict[str, x509.Certificate] = {}
    for which, stem in (("root", "root"), ("sign", "sign-ca"), ("auth", "auth-ca")):
        path = directory / f"{stem}.pem"
        if not path.exists():
            raise JichiError(e.CA_NOT_INITIALISED, field="ca_dir", directory=str(directory))
        out[which] = x509.load_pem_x509_certificate(path.read_bytes())
    return out


def from_environment() -> tuple[Path, bytes]:
    """``JICHI_JPKI_CA_DIR`` (default ``./jpki-ca``) and ``JICHI_JPKI_CA_PASSPHRASE``."""
    directory = Path(os.environ.get("JICHI_JPKI_CA_DIR", "jpki-ca"))
    passphrase = os.environ.get("JICHI_JPKI_CA_PASSPHRASE", "")
    return directory, passphrase.encode("utf-8")
