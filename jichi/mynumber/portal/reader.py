"""The card reader: the stand-in for the JPKI client software (利用者クライアントソフト).

A browser cannot talk PKCS#11, so on a resident's computer J-LIS's client software (or a
phone app) reads the card, asks for the PIN and signs.  :class:`CardReader` plays that
part for the demo and the tests, run as ``jichi mynumber reader sign`` on the resident's
side: it counts the PIN try on the card (locking it as the card rules say), signs the
bytes with the key inside the chip's token, and hands back the certificate and the
signature as one JSON line (:class:`ReaderOutput`) that the portal page accepts.
The PIN goes to the card and the token only; it is never written anywhere.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.mynumber.card_store import CardStore
from jichi.mynumber.jpki.token import Purpose
from jichi.mynumber.portal import errors as e
from jichi.mynumber.portal.chip import PIN_OF, certificate_on_chip, token_for


@dataclass(frozen=True)
class ReaderOutput:
    purpose: Purpose
    certificate: bytes  # DER
    signature: bytes

    def to_json(self) -> str:
        return json.dumps(
            {
                "purpose": self.purpose.value,
                "certificate": base64.b64encode(self.certificate).decode("ascii"),
                "signature": base64.b64encode(self.signature).decode("ascii"),
            }
        )

    @classmethod
    def parse(cls, text: str, expected: Purpose) -> ReaderOutput:
        """The reader's JSON line; PTL-004 for anything else (never echoing the input)."""

        def bad(reason: str, reason_en: str) -> JichiError:
            return JichiError(
                e.READER_OUTPUT, field="reader_output", reason=reason, reason_en=reason_en
            )

        try:
            data = json.loads(text)
        except ValueError:
            raise bad("JSON ではありません", "not JSON") from None
        if not isinstance(data, dict):
            raise bad("JSON オブジェクトではありません", "not a JSON object")
        try:
            purpose = Purpose(str(data.get("purpose", "")))
        except ValueError:
            raise bad("証明書の種類が不明です", "unknown purpose") from None
        if purpose is not expected:
            raise bad(
                f"{expected.label_ja}の署名が必要です", f"a {expected.value} signature is needed"
            )
        try:
            certificate = base64.b64decode(str(data.get("certificate", "")), validate=True)
            signature = base64.b64decode(str(data.get("signature", "")), validate=True)
        except (binascii.Error, ValueError):
            raise bad("base64 ではありません", "not base64") from None
        if not certificate or not signature:
            raise bad("証明書または署名がありません", "certificate or signature missing")
        return cls(purpose, certificate, signature)


class CardReader:
    """Reads one municipality's cards: ``store`` counts the PIN, the token signs."""

    def __init__(self, engine: Engine, store: CardStore) -> None:
        self.engine = engine
        self.store = store

    def sign(self, card_id: str, purpose: Purpose, data: bytes, pin: str, on: date) -> ReaderOutput:
        """Count the try on the card (MYN-021/022 on a wrong or locked PIN), then sign."""
        self.store.use_pin(card_id, PIN_OF[purpose], pin, on)
        signature = token_for(card_id, purpose).sign(purpose, data, pin)
        with self.engine.connect() as conn:
            certificate = certificate_on_chip(conn, card_id, purpose)
        return ReaderOutput(purpose, certificate, signature)
