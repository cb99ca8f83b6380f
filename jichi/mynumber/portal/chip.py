"""The card's chip for the portal: one PKCS#11 token per PIN, keys made inside it.

A real card's JPKI application has a PIN per key (署名用, 利用者証明用) and OpenSC's
JPKI driver shows each as its own slot; SoftHSM2 has one user PIN per token.  So the
demo's chip is two tokens per card, labelled from the card id (:func:`label_for`), each
initialised with that PIN and holding only its own key pair: signing with a key logs in
to the token with the PIN the resident typed, exactly as with a real card.  The labels
are a function of configuration (``JICHI_CHIP_LABEL_PREFIX``), never of personal data.

The tries are counted on the card record (:meth:`jichi.mynumber.card_store.CardStore.use_pin`,
the chip's counter: 署名用 5, 利用者証明用 3), because SoftHSM2 does not lock a PIN.
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime

import sqlalchemy as sa
from cryptography import x509

from jichi.kernel.errors import JichiError
from jichi.mynumber.jpki.issuance import Issuer
from jichi.mynumber.jpki.profiles import Holder
from jichi.mynumber.jpki.tables import jpki_certificate
from jichi.mynumber.jpki.token import ChipToken, Purpose, init_softhsm_token
from jichi.mynumber.pins import PinKind
from jichi.mynumber.portal import errors as e

PIN_OF = {Purpose.SIGN: PinKind.SIGNATURE, Purpose.AUTH: PinKind.USER_AUTHENTICATION}


def label_for(card_id: str, purpose: Purpose) -> str:
    """The token label of one of the card's keys (PKCS#11 labels are at most 32 bytes)."""
    prefix = os.environ.get("JICHI_CHIP_LABEL_PREFIX", "jc")
    return f"{prefix}-{card_id.replace('-', '')[:24]}-{purpose.value[0]}"


def token_for(card_id: str, purpose: Purpose) -> ChipToken:
    return ChipToken(label_for(card_id, purpose))


def provision_softhsm(card_id: str, pins: dict[Purpose, str]) -> None:
    """A blank chip in SoftHSM2 (tests, demo): one token per PIN; the SO PIN is thrown away.

    A real card arrives from J-LIS with its chip; this step has no counterpart there.
    """
    for purpose, pin in pins.items():
        init_softhsm_token(label_for(card_id, purpose), so_pin=secrets.token_hex(8), pin=pin)


def certify(
    conn: sa.Connection,
    issuer: Issuer,
    holder: Holder,
    card_id: str,
    pins: dict[Purpose, str],
    *,
    card_expiry: datetime | None = None,
) -> dict[Purpose, x509.Certificate]:
    """Generate each key pair inside its token and issue its certificate (on ``conn``)."""
    certs: dict[Purpose, x509.Certificate] = {}
    for purpose, pin in pins.items():
        chip = token_for(card_id, purpose)
        public = chip.generate_key_pairs(pin, (purpose,))[purpose]
        certs[purpose] = issuer.issue(
            conn, holder, purpose, public, token_label=chip.token_label, card_expiry=card_expiry
        )
    return certs


def certificate_on_chip(conn: sa.Connection, card_id: str, purpose: Purpose) -> bytes:
    """The DER certificate the chip holds for ``purpose`` (the newest issued to its token).

    Revoked or not: the chip keeps what was written to it; the verifier decides.
    """
    der = conn.execute(
        sa.select(jpki_certificate.c.der)
        .where(
            jpki_certificate.c.token_label == label_for(card_id, purpose),
            jpki_certificate.c.profile == purpose.value,
        )
        .order_by(jpki_certificate.c.issued_at.desc())
        .limit(1)
    ).scalar_one_or_none()
    if der is None:
        raise JichiError(
            e.NO_CERTIFICATE_ON_CHIP,
            field="card_id",
            purpose=purpose.label_ja,
            purpose_en=purpose.value,
        )
    return bytes(der)
