"""Field encryption and keyed look-up hashes for personal columns (individual numbers).

Why this shape:

- **AES-256-GCM with a random 96-bit nonce** (NIST SP 800-38D): authenticated, so a
  ciphertext that was altered, or decrypted with another key, fails instead of yielding a
  wrong number.  At random nonces the safe limit is about 2^32 encryptions per key,
  far above what one municipality writes.
- **The column is the associated data.**  ``context`` (``"individual_number"``) is
  authenticated with the ciphertext, so a value copied from one column into another
  (someone's number into a free-text field that is shown more widely) does not decrypt.
- **A compact, versioned text token** ``v1.<base64url(nonce + ciphertext + tag)>`` fits in
  a ``Text`` column on both databases, and the version leaves room for another algorithm
  or key later without guessing what a stored value is.
- **A keyed hash to find, not to decrypt.**  The counter finds a person by individual
  number through ``lookup_hash`` (HMAC-SHA256 with a separate key) in an indexed column,
  so no search decrypts the table, and a stolen database without the key cannot be
  searched by trying all 10^11 valid numbers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from jichi.kernel.errors import JichiError
from jichi.security.errors import DECRYPTION_FAILED
from jichi.security.keys import Keys

TOKEN_VERSION = "v1"
NONCE_BYTES = 12
_TAG_BYTES = 16
_AAD_PREFIX = b"jichi/v1\x00"


class FieldCipher:
    """Encrypts and decrypts one column's values; holds the keys, never prints them."""

    __slots__ = ("_aead", "_keys", "_lookup_key", "audit_key")

    def __init__(self, keys: Keys) -> None:
        self._keys = keys
        self._aead = AESGCM(keys.encryption_key)
        self._lookup_key = keys.lookup_key
        self.audit_key = keys.audit_key
        """Authenticates audit entries: every writer of the log holds a cipher already."""

    def __repr__(self) -> str:
        return "FieldCipher(<keys hidden>)"

    def __reduce__(self) -> tuple[type[FieldCipher], tuple[Keys]]:
        """Pickled, a cipher carries its keys: only for a worker process of this machine.

        The bulk import validates and encrypts in ``spawn`` processes
        (:mod:`jichi.registry.bulk.parallel`), which receive the cipher once through the
        pool's pipe.  Never pickle one to a file, a cache or the network.
        """
        return (FieldCipher, (self._keys,))

    def encrypt(self, plaintext: str, *, context: str) -> str:
        """Encrypt ``plaintext`` for the column named by ``context``; a new token each time."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), _aad(context))
        body = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")
        return f"{TOKEN_VERSION}.{body}"

    def decrypt(self, token: str, *, context: str) -> str:
        """The plaintext of ``token``; SEC-001 if it was altered or is for another column/key.

        The error names the column (``field``) but never the token or the plaintext.
        """
        version, dot, body = token.partition(".")
        if version != TOKEN_VERSION or not dot:
            raise JichiError(DECRYPTION_FAILED, field=context)
        try:
            raw = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
        except (binascii.Error, ValueError):
            raise JichiError(DECRYPTION_FAILED, field=context) from None
        if len(raw) < NONCE_BYTES + _TAG_BYTES:
            raise JichiError(DECRYPTION_FAILED, field=context)
        try:
            plaintext = self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(context))
        except InvalidTag:
            raise JichiError(DECRYPTION_FAILED, field=context) from None
        return plaintext.decode("utf-8")

    def derived_key(self, info: bytes) -> bytes:
        """A key for one purpose named by ``info`` (HMAC-SHA256 under the look-up key), so
        a process that holds only a cipher (the web app) can check what another keyed
        (the admission tickets' codes) without the key itself leaving this object."""
        return hmac.new(self._lookup_key, info, hashlib.sha256).digest()

    def lookup_hash(self, value: str, *, context: str) -> str:
        """HMAC-SHA256(look-up key, context NUL value) as 64 hex digits.

        Equal inputs give equal hashes, so a column of these can be indexed and searched.
        Normalise ``value`` first (full-width digits, separators): the hash of
        「１２３４…」 differs from the hash of "1234…".
        """
        message = _context_bytes(context) + b"\x00" + value.encode("utf-8")
        return hmac.new(self._lookup_key, message, hashlib.sha256).hexdigest()


def _context_bytes(context: str) -> bytes:
    if not context or "\x00" in context:
        raise ValueError("context must be a non-empty name without NUL")
    return context.encode("utf-8")


def _aad(context: str) -> bytes:
    return _AAD_PREFIX + _context_bytes(context)
