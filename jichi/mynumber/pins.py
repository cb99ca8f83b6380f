"""The card's four PINs: formats, tries and lock-out (facts mynumber.md §2.4).

* 署名用 (``signature``): 6–16 characters, upper-case ASCII letters and digits, at least
  one of each; locked after **5** consecutive wrong entries.
* 利用者証明用 (``user_authentication``), 住民基本台帳用 (``resident_registry``),
  券面事項入力補助用 (``text_input``): 4 digits; locked after **3**.

The counter lives on the card record (as on the chip): a success resets it, failures
persist across sessions, and a locked PIN refuses even the right value until it is
reset at the counter.  PINs are stored only as a salted scrypt digest; with 10^4
possible 4-digit PINs the lock-out, not the hash, is the protection, so the cost is
kept low.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass, replace
from enum import StrEnum

from jichi.kernel.errors import JichiError
from jichi.mynumber.errors import PIN_FORMAT


class PinKind(StrEnum):
    SIGNATURE = "signature"  # 署名用電子証明書
    USER_AUTHENTICATION = "user_authentication"  # 利用者証明用電子証明書
    RESIDENT_REGISTRY = "resident_registry"  # 住民基本台帳用
    TEXT_INPUT = "text_input"  # 券面事項入力補助用


LABELS_JA = {
    PinKind.SIGNATURE: "署名用電子証明書",
    PinKind.USER_AUTHENTICATION: "利用者証明用電子証明書",
    PinKind.RESIDENT_REGISTRY: "住民基本台帳用",
    PinKind.TEXT_INPUT: "券面事項入力補助用",
}
LABELS_EN = {
    PinKind.SIGNATURE: "signature",
    PinKind.USER_AUTHENTICATION: "user authentication",
    PinKind.RESIDENT_REGISTRY: "resident registry",
    PinKind.TEXT_INPUT: "text input support",
}
TRY_LIMITS = {
    PinKind.SIGNATURE: 5,
    PinKind.USER_AUTHENTICATION: 3,
    PinKind.RESIDENT_REGISTRY: 3,
    PinKind.TEXT_INPUT: 3,
}
_SIGNATURE = re.compile(r"(?=.*[A-Z])(?=.*[0-9])[A-Z0-9]{6,16}")
_FOUR_DIGITS = re.compile(r"[0-9]{4}")
_SCRYPT = {"n": 2**10, "r": 8, "p": 1, "dklen": 32}


def labels(kind: PinKind) -> dict[str, str]:
    return {"label": LABELS_JA[kind], "label_en": LABELS_EN[kind]}


def check_format(kind: PinKind, pin: str) -> None:
    """MYN-020 unless ``pin`` has the format of ``kind`` (the value never appears)."""
    if kind is PinKind.SIGNATURE:
        if not _SIGNATURE.fullmatch(pin):
            raise JichiError(
                PIN_FORMAT,
                field=f"pin.{kind.value}",
                rule="英大文字と数字を各1字以上含む6〜16字",
                rule_en="6-16 upper-case letters and digits, at least one of each",
                **labels(kind),
            )
    elif not _FOUR_DIGITS.fullmatch(pin):
        raise JichiError(
            PIN_FORMAT,
            field=f"pin.{kind.value}",
            rule="数字4桁",
            rule_en="4 digits",
            **labels(kind),
        )


@dataclass(frozen=True)
class PinRecord:
    """One PIN on one card: salted digest and consecutive failures."""

    salt: str
    digest: str
    failures: int = 0

    def locked(self, kind: PinKind) -> bool:
        return self.failures >= TRY_LIMITS[kind]

    def remaining(self, kind: PinKind) -> int:
        return max(TRY_LIMITS[kind] - self.failures, 0)


def new_record(kind: PinKind, pin: str) -> PinRecord:
    """A fresh record for a PIN of the right format, counter at zero."""
    check_format(kind, pin)
    salt = os.urandom(16)
    return PinRecord(salt.hex(), _digest(pin, salt))


def attempt(record: PinRecord, kind: PinKind, pin: str) -> tuple[PinRecord, bool]:
    """The record after one try and whether it succeeded; a locked PIN never succeeds."""
    if record.locked(kind):
        return record, False
    if hmac.compare_digest(_digest(pin, bytes.fromhex(record.salt)), record.digest):
        return replace(record, failures=0), True
    return replace(record, failures=record.failures + 1), False


def _digest(pin: str, salt: bytes) -> str:
    return hashlib.scrypt(pin.encode("utf-8"), salt=salt, **_SCRYPT).hex()
