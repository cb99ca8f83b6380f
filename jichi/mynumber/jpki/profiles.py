"""The two certificate profiles: 署名用 (basic four in otherName) and 利用者証明用 (none).

OIDs are those public code agrees on (facts: mynumber.md §3.2, SECONDARY): the basic four
sit in subjectAltName ``otherName`` entries under the arc ``1.2.392.200149.8.5.5``, and the
policies are ``…8.5.1.1.20`` (署名) and ``…8.5.1.3.30`` (利用者証明).  The value encodings of
性別 (here ISO 5218 digits, as on the card's text AP) and of the position fields are
UNCONFIRMED; both are isolated here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from jichi.kernel.age import age_on
from jichi.kernel.errors import JichiError
from jichi.mynumber.jpki import errors as e
from jichi.mynumber.jpki.charset import CharsetPolicy
from jichi.mynumber.jpki.token import Purpose

ARC = "1.2.392.200149.8.5.5"
OID_NAME = x509.ObjectIdentifier(f"{ARC}.1")  # 氏名
OID_NAME_POSITIONS = x509.ObjectIdentifier(f"{ARC}.2")  # 氏名代替文字の使用位置
OID_SEX = x509.ObjectIdentifier(f"{ARC}.3")  # 性別
OID_BIRTH = x509.ObjectIdentifier(f"{ARC}.4")  # 生年月日 (era code + YYYYMMDD)
OID_ADDRESS = x509.ObjectIdentifier(f"{ARC}.5")  # 住所
OID_ADDRESS_POSITIONS = x509.ObjectIdentifier(f"{ARC}.6")  # 住所代替文字の使用位置
POLICY = {
    Purpose.SIGN: x509.ObjectIdentifier("1.2.392.200149.8.5.1.1.20"),
    Purpose.AUTH: x509.ObjectIdentifier("1.2.392.200149.8.5.1.3.30"),
}
SEX_CODES = {"male": "1", "female": "2"}  # ISO 5218; 9 = not applicable
#: 明治 1, 大正 2, 昭和 3, 平成 4, 令和 5 (the facts' example 419900102 is 平成).
ERA_STARTS = (
    (date(2019, 5, 1), "5"),
    (date(1989, 1, 8), "4"),
    (date(1926, 12, 25), "3"),
    (date(1912, 7, 30), "2"),
    (date(1868, 10, 23), "1"),
)
MIN_SIGNING_AGE = 15  # 署名用 is not issued to under-15s (standards.md §4)
VALIDITY_BIRTHDAYS = 5  # both certificates run to the 5th birthday after issue


@dataclass(frozen=True)
class Holder:
    """What the CA needs of a person: the registry's basic four, read by the caller."""

    person_id: str
    lg_code: str
    name: str
    address: str
    date_of_birth: date
    sex: str  # "male" / "female"


def birth_code(d: date) -> str:
    """9 characters: the era code and the Gregorian YYYYMMDD."""
    for start, code in ERA_STARTS:
        if d >= start:
            return f"{code}{d:%Y%m%d}"
    return f"0{d:%Y%m%d}"


def _birthday(birth: date, year: int) -> date:
    if birth.month == 2 and birth.day == 29:
        try:
            return date(year, 2, 29)
        except ValueError:
            return date(year, 2, 28)
    return birth.replace(year=year)


def validity_end(birth: date, issued: date, *, card_expiry: date | None = None) -> date:
    """The 5th birthday after issue, capped by the card's own validity."""
    first = _birthday(birth, issued.year)
    if first <= issued:
        first = _birthday(birth, issued.year + 1)
    end = _birthday(birth, first.year + VALIDITY_BIRTHDAYS - 1)
    return min(end, card_expiry) if card_expiry else end


def check_signing_age(holder: Holder, today: date) -> None:
    age = age_on(holder.date_of_birth, today)
    if age < MIN_SIGNING_AGE:
        raise JichiError(e.UNDER_SIGNING_AGE, field="date_of_birth", age=age)


def utf8(value: str) -> bytes:
    """DER UTF8String (tag 12)."""
    raw = value.encode("utf-8")
    n = len(raw)
    if n < 0x80:
        length = bytes([n])
    else:
        size = (n.bit_length() + 7) // 8
        length = bytes([0x80 | size]) + n.to_bytes(size, "big")
    return b"\x0c" + length + raw


def basic_four(
    holder: Holder, charset: CharsetPolicy
) -> tuple[list[x509.GeneralName], dict[str, list[int]]]:
    """The six otherName entries and a record of the substitutions made."""
    name = charset.convert(holder.name)
    address = charset.convert(holder.address)
    entries: list[x509.GeneralName] = [
        x509.OtherName(OID_NAME, utf8(name.text)),
        x509.OtherName(OID_NAME_POSITIONS, utf8(name.positions_text)),
        x509.OtherName(OID_SEX, utf8(SEX_CODES.get(holder.sex, "9"))),
        x509.OtherName(OID_BIRTH, utf8(birth_code(holder.date_of_birth))),
        x509.OtherName(OID_ADDRESS, utf8(address.text)),
        x509.OtherName(OID_ADDRESS_POSITIONS, utf8(address.positions_text)),
    ]
    record = {"name_positions": list(name.positions), "address_positions": list(address.positions)}
    return entries, record


def read_basic_four(cert: x509.Certificate) -> dict[str, str]:
    """The otherName values of a 署名用 certificate (empty for 利用者証明用)."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return {}
    keys = {
        OID_NAME: "name",
        OID_NAME_POSITIONS: "name_positions",
        OID_SEX: "sex",
        OID_BIRTH: "date_of_birth",
        OID_ADDRESS: "address",
        OID_ADDRESS_POSITIONS: "address_positions",
    }
    out: dict[str, str] = {}
    for other in san.get_values_for_type(x509.OtherName):
        if other.type_id in keys:
            out[keys[other.type_id]] = read_utf8(other.value)
    return out


def read_utf8(der: bytes) -> str:
    first = der[1]
    if first < 0x80:
        return der[2 : 2 + first].decode("utf-8")
    size = first & 0x7F
    n = int.from_bytes(der[2 : 2 + size], "big")
    return der[2 + size : 2 + size + n].decode("utf-8")


@dataclass(frozen=True)
class Endpoints:
    """Where relying parties find status (configuration: ``JICHI_JPKI_BASE_URL``)."""

    base_url: str = "http://127.0.0.1:8000"

    def crl(self, purpose: Purpose) -> str:
        return f"{self.base_url}/jpki/crl/{purpose.value}.crl"

    @property
    def ocsp(self) -> str:
        return f"{self.base_url}/jpki/ocsp"


def build_end_entity(
    *,
    purpose: Purpose,
    serial: int,
    public_key: rsa.RSAPublicKey,
    holder: Holder,
    issuer_cert: x509.Certificate,
    issuer_key: rsa.RSAPrivateKey,
    not_before: datetime,
    not_after: datetime,
    charset: CharsetPolicy,
    endpoints: Endpoints,
) -> tuple[x509.Certificate, dict[str, list[int]]]:
    """Sign one card certificate; the subject carries no personal data in either profile."""
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.LOCALITY_NAME, holder.lg_code),  # issuing municipality
            x509.NameAttribute(NameOID.COMMON_NAME, f"{serial:x}"),
        ]
    )
    usage_sign = purpose is Purpose.SIGN
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_cert.subject)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=usage_sign,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.CertificatePolicies([x509.PolicyInformation(POLICY[purpose], None)]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
        .add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        [x509.UniformResourceIdentifier(endpoints.crl(purpose))],
                        None,
                        None,
                        None,
                    )
                ]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP,
                        x509.UniformResourceIdentifier(endpoints.ocsp),
                    )
                ]
            ),
            critical=False,
        )
    )
    record: dict[str, list[int]] = {}
    if usage_sign:
        entries, record = basic_four(holder, charset)
        builder = builder.add_extension(x509.SubjectAlternativeName(entries), critical=False)
    else:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256()), record
