"""The card's chip as a PKCS#11 token: keys are generated inside it and never leave it.

Each card holds two RSA-2048 key pairs, labelled :data:`SIGN_LABEL` (署名用) and
:data:`AUTH_LABEL` (利用者証明用).  Private keys are created ``SENSITIVE`` and not
``EXTRACTABLE``; only the public half is read out, to build the certificate.  Every use
of a private key logs in with the user PIN, so a wrong PIN fails in the token, where the
retry counter lives (the chip counts 5 tries for 署名用, 3 for 利用者証明用).

The module is configuration (``JICHI_PKCS11_MODULE``): SoftHSM2 in tests and the demo,
OpenSC's JPKI driver for a real card, an HSM for the CA in production — one code path.
SoftHSM2 has one user PIN per token while the chip has one PIN per key; callers pass the
PIN for each use, so a module with per-key PINs fits the same calls.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any

import pkcs11
from cryptography.hazmat.primitives.asymmetric import rsa
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11 import exceptions as px

from jichi.kernel.errors import JichiError
from jichi.mynumber.jpki import errors as e

DEFAULT_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
SIGN_LABEL = "JPKI-SIGN"  # 署名用 key pair
AUTH_LABEL = "JPKI-AUTH"  # 利用者証明用 key pair
KEY_BITS = 2048


class Purpose(StrEnum):
    """Which of the card's two key pairs (and certificates)."""

    SIGN = "sign"  # 署名用電子証明書
    AUTH = "auth"  # 利用者証明用電子証明書

    @property
    def label(self) -> str:
        return SIGN_LABEL if self is Purpose.SIGN else AUTH_LABEL

    @property
    def label_ja(self) -> str:
        return "署名用" if self is Purpose.SIGN else "利用者証明用"


def module_path() -> str:
    """The PKCS#11 module to load (``JICHI_PKCS11_MODULE``, default SoftHSM2)."""
    return os.environ.get("JICHI_PKCS11_MODULE", DEFAULT_MODULE)


_LIBRARIES: dict[str, Any] = {}


def library(path: str | None = None) -> Any:
    """The loaded module (a process may load a PKCS#11 module only once)."""
    so = path or module_path()
    if so not in _LIBRARIES:
        _LIBRARIES[so] = pkcs11.lib(so)
    return _LIBRARIES[so]


def refresh(path: str | None = None) -> None:
    """Re-read the module's configuration and slots (a token created after loading)."""
    library(path).reinitialize()


def to_public_key(key: Any) -> rsa.RSAPublicKey:
    """A PKCS#11 RSA public-key object as a ``cryptography`` key (modulus and exponent)."""
    n = int.from_bytes(key[Attribute.MODULUS], "big")
    exponent = int.from_bytes(key[Attribute.PUBLIC_EXPONENT], "big")
    return rsa.RSAPublicNumbers(exponent, n).public_key()


class ChipToken:
    """One card's token, found by its label in the configured module."""

    def __init__(self, token_label: str, *, module: str | None = None) -> None:
        self.token_label = token_label
        self.module = module

    def _token(self) -> Any:
        lib = library(self.module)
        try:
            return lib.get_token(token_label=self.token_label)
        except px.NoSuchToken:
            refresh(self.module)  # created by softhsm2-util after the module was loaded
            try:
                return library(self.module).get_token(token_label=self.token_label)
            except px.NoSuchToken:
                raise JichiError(
                    e.TOKEN_NOT_FOUND, field="token_label", label=self.token_label
                ) from None

    @contextmanager
    def session(self, pin: str, *, rw: bool = False) -> Iterator[Any]:
        """A user session; a wrong or locked PIN is :data:`errors.WRONG_PIN`."""
        try:
            opened = self._token().open(user_pin=pin, rw=rw)
        except (px.PinIncorrect, px.PinLocked, px.PinInvalid, px.PinLenRange):
            raise JichiError(e.WRONG_PIN, field="pin") from None
        with opened as session:
            yield session

    def generate_keys(self, pin: str) -> dict[Purpose, rsa.RSAPublicKey]:
        """Make both key pairs inside the token (old ones destroyed); return the public keys."""
        return self.generate_key_pairs(pin, tuple(Purpose))

    def generate_key_pairs(
        self, pin: str, purposes: tuple[Purpose, ...]
    ) -> dict[Purpose, rsa.RSAPublicKey]:
        """Make the key pairs of ``purposes`` only (a token per PIN, as the portal's chip)."""
        keys: dict[Purpose, rsa.RSAPublicKey] = {}
        with self.session(pin, rw=True) as session:
            for purpose in purposes:
                for old in session.get_objects({Attribute.LABEL: purpose.label}):
                    old.destroy()
                public, _private = session.generate_keypair(
                    KeyType.RSA,
                    KEY_BITS,
                    label=purpose.label,
                    store=True,
                    public_template={Attribute.VERIFY: True},
                    private_template={
                        Attribute.SIGN: True,
                        Attribute.SENSITIVE: True,
                        Attribute.EXTRACTABLE: False,
                        Attribute.PRIVATE: True,
                    },
                )
                keys[purpose] = to_public_key(public)
        return keys

    def _key(self, session: Any, purpose: Purpose, object_class: Any) -> Any:
        try:
            return session.get_key(object_class=object_class, label=purpose.label)
        except (px.NoSuchKey, px.MultipleObjectsReturned):
            raise JichiError(e.KEY_NOT_FOUND, field="purpose", purpose=purpose.label_ja) from None

    def public_key(self, purpose: Purpose, pin: str) -> rsa.RSAPublicKey:
        with self.session(pin) as session:
            return to_public_key(self._key(session, purpose, ObjectClass.PUBLIC_KEY))

    def sign(self, purpose: Purpose, data: bytes, pin: str) -> bytes:
        """RSASSA-PKCS1-v1_5 with SHA-256, computed by the token."""
        with self.session(pin) as session:
            key = self._key(session, purpose, ObjectClass.PRIVATE_KEY)
            signature: bytes = key.sign(data, mechanism=Mechanism.SHA256_RSA_PKCS)
            return signature

    def private_key_flags(self, purpose: Purpose, pin: str) -> dict[str, bool]:
        """CKA_EXTRACTABLE and CKA_SENSITIVE of a private key, as the token reports them."""
        with self.session(pin) as session:
            key = self._key(session, purpose, ObjectClass.PRIVATE_KEY)
            return {
                "extractable": bool(key[Attribute.EXTRACTABLE]),
                "sensitive": bool(key[Attribute.SENSITIVE]),
            }


# -- SoftHSM2 set-up (tests and the demo) -----------------------------------------------


def softhsm_config(directory: Path) -> Path:
    """Write a softhsm2.conf whose token directory is ``directory/tokens``; return its path.

    Point ``SOFTHSM2_CONF`` at it before the module is loaded (or call :func:`refresh`).
    """
    tokens = directory / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    conf = directory / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n",
        encoding="utf-8",
    )
    return conf


def init_softhsm_token(label: str, *, so_pin: str, pin: str) -> None:
    """Initialise a fresh SoftHSM2 token (``softhsm2-util --init-token --free``)."""
    subprocess.run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            label,
            "--so-pin",
            so_pin,
            "--pin",
            pin,
        ],
        check=True,
        capture_output=True,
        env=os.environ.copy(),
    )
