"""The center's keyed one-way transform: 住民票コード → 個人番号 (番号法8条2項).

番号法8条2項 asks for a number that is (1) different from every number ever issued,
replaced ones included, (2) obtained by transforming the 住民票コード, and (3) without
regularity from which the 住民票コード could be restored.  So (ADR 0013):

* candidate *k* of a resident code is ``HMAC-SHA256(key, "jichi/v1/individual-number"
  NUL code NUL k)``; its first 8 bytes as an unsigned integer modulo 10^11 give the 11
  digits, and the kernel's check digit (省令85号 5条) makes the 12th.  Without the key
  the mapping is a pseudo-random function: nothing about the code can be read from the
  number, and nobody can compute a resident's number from their code;
* *k* starts at 0 and is raised by one on every collision with a number ever issued,
  and past every candidate the code has used before (a changed number is never
  reissued), so issuance is deterministic: the same key, code and issued table always
  give the same number;
* the modulo bias (2^64 is not a multiple of 10^11) is below 10^-8 and harmless here.

This module is pure: :class:`NumberKey` holds the key, :func:`candidate` computes; the
store (:mod:`jichi.mynumber.center_store`) decides which candidate is free.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from jichi.kernel.errors import JichiError
from jichi.kernel.identifiers import individual_number_check_digit
from jichi.mynumber.errors import NUMBER_KEY_INVALID
from jichi.security.keys import KEY_BYTES, decode_secret, load_keys

ENV_KEY = "JICHI_NUMBER_KEY"
ENV_KEY_FILE = "JICHI_NUMBER_KEY_FILE"
_DOMAIN = b"jichi/v1/individual-number\x00"
_FALLBACK_INFO = b"jichi/v1/individual-number-key"
_MODULUS = 10**11


class NumberKey:
    """The center's number-generation key (32 bytes); never printed, never stored.

    Why its own key: the number is the center's (J-LIS's) to generate (番号法8条), and a
    municipality holding ``JICHI_SECRET_KEY`` must not be able to compute anyone's
    number from a resident code.  Production sets ``JICHI_NUMBER_KEY`` on the center
    only.  Without it (a demo, the tests) the key is derived by HKDF from the look-up
    key of :func:`jichi.security.keys.load_keys`, under its own label.
    """

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if len(key) < KEY_BYTES:
            raise ValueError(f"the number key must have at least {KEY_BYTES} bytes")
        self._key = key

    def __repr__(self) -> str:
        return "NumberKey(<hidden>)"

    def digest(self, resident_code: str, counter: int) -> bytes:
        message = _DOMAIN + resident_code.encode("ascii") + b"\x00" + str(counter).encode()
        return hmac.new(self._key, message, hashlib.sha256).digest()


def candidate(key: NumberKey, resident_code: str, counter: int) -> str:
    """The 12-digit candidate number ``counter`` of ``resident_code`` (check digit last)."""
    value = int.from_bytes(key.digest(resident_code, counter)[:8], "big") % _MODULUS
    base = f"{value:011d}"
    return base + str(individual_number_check_digit(base))


def load_number_key(
    database_url: str | None = None, *, environ: Mapping[str, str] | None = None
) -> NumberKey:
    """The center's key: ``JICHI_NUMBER_KEY``, ``JICHI_NUMBER_KEY_FILE``, or derived.

    The value is base64url text of at least 32 random bytes, like ``JICHI_SECRET_KEY``
    (:mod:`jichi.security.keys`); an invalid one is MYN-007, which names the source,
    never the value.
    """
    env = os.environ if environ is None else environ
    if value := env.get(ENV_KEY, "").strip():
        return NumberKey(_decode(value, ENV_KEY))
    if path_text := env.get(ENV_KEY_FILE, "").strip():
        try:
            text = Path(path_text).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError):
            raise JichiError(NUMBER_KEY_INVALID, field="key", source=ENV_KEY_FILE) from None
        return NumberKey(_decode(text, ENV_KEY_FILE))
    base = load_keys(database_url, environ=env).lookup_key
    derived = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=_FALLBACK_INFO)
    return NumberKey(derived.derive(base))


def _decode(text: str, source: str) -> bytes:
    try:
        return decode_secret(text, source=source)
    except JichiError:
        raise JichiError(NUMBER_KEY_INVALID, field="key", source=source) from None
