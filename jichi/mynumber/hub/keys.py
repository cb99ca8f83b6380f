"""The hub's key and the keyed one-way derivations of the 機関別符号 (``agency_token``).

Two steps, both HMAC-SHA256 under sub-keys HKDF derives from the hub's key (ADR 0024):

* the **subject**: ``HMAC(k_subject, "jichi/v1/hub-subject" NUL resident_code)`` — the
  hub's own pseudonym of a person, the one value that links a person's tokens.  It is
  computed from the 住民票コード the municipality's 団体内統合宛名 side vouches for when
  it issues a request number, and kept only in the hub's tables; no agency ever sees it;
* the **token** of agency *A*: ``HMAC(k_token, "jichi/v1/agency-token" NUL A NUL subject)``.
  Without ``k_token`` two agencies' tokens for one person are unrelated pseudo-random
  values: they cannot join their files, nor compute each other's tokens from their own.

Tokens are also *stored* (``hub_agency_token``): the exchange translates a requester's
token to the provider's by looking both up inside the hub, and the stored row is what a
rotation (a new key generation) would replace — facts §8.1 recommend random tokens in a
mapping table; deriving them keeps issuance reproducible from the key, and the table
still decides which tokens exist.

Production sets ``JICHI_HUB_KEY`` (or ``JICHI_HUB_KEY_FILE``) on the hub only; without
it (a demo, the tests) the key is derived by HKDF from the look-up key of
:func:`jichi.security.keys.load_keys` under its own label.
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
from jichi.mynumber.hub.errors import HUB_KEY_INVALID
from jichi.security.keys import KEY_BYTES, decode_secret, load_keys

ENV_KEY = "JICHI_HUB_KEY"
ENV_KEY_FILE = "JICHI_HUB_KEY_FILE"
_FALLBACK_INFO = b"jichi/v1/hub-key"
_SUBJECT = b"jichi/v1/hub-subject\x00"
_TOKEN = b"jichi/v1/agency-token\x00"


def _subkey(key: bytes, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=label).derive(key)


class HubKey:
    """The hub's key (≥ 32 bytes); never printed, never stored, held only by the hub."""

    __slots__ = ("_subject", "_token")

    def __init__(self, key: bytes) -> None:
        if len(key) < KEY_BYTES:
            raise ValueError(f"the hub key must have at least {KEY_BYTES} bytes")
        self._subject = _subkey(key, b"jichi/v1/hub/subject-key")
        self._token = _subkey(key, b"jichi/v1/hub/token-key")

    def __repr__(self) -> str:
        return "HubKey(<hidden>)"

    def subject(self, resident_code: str) -> str:
        """The hub's pseudonym of the person with this 住民票コード (64 hex digits)."""
        message = _SUBJECT + resident_code.encode("ascii")
        return hmac.new(self._subject, message, hashlib.sha256).hexdigest()

    def token(self, agency_id: str, subject: str) -> str:
        """Agency ``agency_id``'s 機関別符号 of ``subject`` (64 hex digits)."""
        message = _TOKEN + agency_id.encode("utf-8") + b"\x00" + subject.encode("ascii")
        return hmac.new(self._token, message, hashlib.sha256).hexdigest()


def load_hub_key(
    database_url: str | None = None, *, environ: Mapping[str, str] | None = None
) -> HubKey:
    """``JICHI_HUB_KEY``, ``JICHI_HUB_KEY_FILE``, or derived; HUB-004 names the source only."""
    env = os.environ if environ is None else environ
    if value := env.get(ENV_KEY, "").strip():
        return HubKey(_decode(value, ENV_KEY))
    if path_text := env.get(ENV_KEY_FILE, "").strip():
        try:
            text = Path(path_text).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError):
            raise JichiError(HUB_KEY_INVALID, field="key", source=ENV_KEY_FILE) from None
        return HubKey(_decode(text, ENV_KEY_FILE))
    return HubKey(_subkey(load_keys(database_url, environ=env).lookup_key, _FALLBACK_INFO))


def _decode(text: str, source: str) -> bytes:
    try:
        return decode_secret(text, source=source)
    except JichiError:
        raise JichiError(HUB_KEY_INVALID, field="key", source=source) from None
