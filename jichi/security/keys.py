"""Where jichi's secret keys come from, and the two keys derived from one secret.

Individual numbers are stored encrypted (:mod:`jichi.security.crypto`) and found by a
keyed hash, and audit entries carry a MAC (:mod:`jichi.security.audit`), so jichi needs
three keys.  They are derived with HKDF-SHA256 from one master
secret, so an operator configures exactly one value, and the two keys are still
independent: knowing the look-up key tells nothing about the encryption key.

The master secret is looked for in this order:

1. ``JICHI_SECRET_KEY``: base64url text of at least 32 random bytes.  **Production sets
   this** (from the operator's secret store), on every process that shares the database.
2. ``JICHI_SECRET_KEY_FILE``: the path of a file holding that text (Docker/Kubernetes
   secrets are mounted as files).
3. ``jichi-secret.key`` next to the SQLite database file: created on first use with mode
   0600.  This exists only so that ``jichi demo`` works with zero set-up.  A server
   database (PostgreSQL) without 1 or 2 is refused (SEC-005): a second server would
   create a different key and write data the first cannot read, and the key would sit
   on an application host instead of in the operator's secret store.

Losing the master secret loses every encrypted value; key rotation is not supported yet
(``docs/guide/security.md``).  No key, secret or part of one is ever logged or put in an
error message; ``repr(Keys)`` shows none.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.engine import make_url

from jichi.kernel.errors import JichiError
from jichi.security.errors import (
    SECRET_KEY_INVALID,
    SECRET_KEY_REQUIRED,
    SECRET_KEY_UNREADABLE,
)
from jichi.store.engine import database_url as resolve_database_url
from jichi.store.engine import is_sqlite

ENV_KEY = "JICHI_SECRET_KEY"
ENV_KEY_FILE = "JICHI_SECRET_KEY_FILE"
KEY_FILE_NAME = "jichi-secret.key"
MIN_SECRET_BYTES = 32
KEY_BYTES = 32

# HKDF "info" labels: changing one changes the derived key, and so makes every stored
# value unreadable.  They are versioned for the day rotation arrives.
_ENCRYPTION_INFO = b"jichi/v1/field-encryption"
_LOOKUP_INFO = b"jichi/v1/lookup-hash"
_AUDIT_MAC_INFO = b"jichi/v1/audit-mac"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Keys:
    """The field-encryption key and the look-up (HMAC) key, 32 bytes each.

    Build one with :meth:`derive` (or :func:`load_keys`); the fields are kept out of
    ``repr`` so a key never reaches a log line or a traceback by way of this object.
    """

    encryption_key: bytes = field(repr=False)
    lookup_key: bytes = field(repr=False)
    audit_mac_key: bytes = field(repr=False)
    """Authenticates audit entries and anchors (:class:`AuditKey`); never stored."""

    def __post_init__(self) -> None:
        keys = (self.encryption_key, self.lookup_key, self.audit_mac_key)
        if any(len(key) != KEY_BYTES for key in keys):
            raise ValueError(f"every key must be {KEY_BYTES} bytes")
        if len(set(keys)) != len(keys):
            raise ValueError("the derived keys must differ")

    @property
    def audit_key(self) -> AuditKey:
        """The key that authenticates the audit log (:mod:`jichi.security.audit`)."""
        return AuditKey(self.audit_mac_key)

    @classmethod
    def derive(cls, master_secret: bytes) -> Keys:
        """Both keys from one master secret of at least 32 bytes (HKDF-SHA256)."""
        if len(master_secret) < MIN_SECRET_BYTES:
            raise ValueError(f"the master secret must have at least {MIN_SECRET_BYTES} bytes")
        return cls(
            encryption_key=_hkdf(master_secret, _ENCRYPTION_INFO),
            lookup_key=_hkdf(master_secret, _LOOKUP_INFO),
            audit_mac_key=_hkdf(master_secret, _AUDIT_MAC_INFO),
        )


class AuditKey:
    """HMAC-SHA256 with the audit key: a tag the database cannot compute.

    Why HMAC and not Ed25519: every process that writes the log already holds the master
    secret (it encrypts individual numbers), and ``jichi audit verify`` runs where that
    secret is, so a public key would add a second key to manage and gain nothing here.
    The key is derived under its own HKDF label, so it reveals nothing of the others.
    """

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError(f"the audit key must be {KEY_BYTES} bytes")
        self._key = key

    def __repr__(self) -> str:
        return "AuditKey(<hidden>)"

    def mac(self, message: bytes) -> str:
        """HMAC-SHA256 of ``message`` as 64 hex digits."""
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def matches(self, message: bytes, tag: str | None) -> bool:
        """Whether ``tag`` is this key's MAC of ``message`` (constant time)."""
        return tag is not None and hmac.compare_digest(self.mac(message), tag)


def generate_secret() -> str:
    """A new master secret as base64url text, suitable for ``JICHI_SECRET_KEY``."""
    return secrets.token_urlsafe(MIN_SECRET_BYTES)


def load_keys(database_url: str | None = None, *, environ: Mapping[str, str] | None = None) -> Keys:
    """The keys for this process, from the environment or the default key file.

    ``database_url`` decides where the zero-set-up key file lives (next to a SQLite
    file); it is resolved like :func:`jichi.store.engine.make_engine` resolves it.
    ``environ`` defaults to ``os.environ`` (tests pass their own).
    """
    env = os.environ if environ is None else environ
    if value := env.get(ENV_KEY, "").strip():
        return Keys.derive(decode_secret(value, source=ENV_KEY))
    if path_text := env.get(ENV_KEY_FILE, "").strip():
        path = Path(path_text)
        return Keys.derive(decode_secret(_read_key_file(path), source=ENV_KEY_FILE))
    url = resolve_database_url(database_url)
    if not is_sqlite(url):
        raise JichiError(SECRET_KEY_REQUIRED, env=ENV_KEY, env_file=ENV_KEY_FILE)
    path = default_key_file(url)
    return Keys.derive(decode_secret(_read_or_create_key_file(path), source=str(path)))


def default_key_file(url: str) -> Path:
    """``jichi-secret.key`` beside a SQLite database file, else in the working directory."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            return Path(database).resolve().parent / KEY_FILE_NAME
    return Path.cwd() / KEY_FILE_NAME


def decode_secret(text: str, *, source: str) -> bytes:
    """Decode base64url (padding optional); SEC-003 names the source, never the value."""
    stripped = text.strip()
    try:
        secret = base64.b64decode(
            stripped + "=" * (-len(stripped) % 4), altchars=b"-_", validate=True
        )
    except (binascii.Error, ValueError):
        raise JichiError(SECRET_KEY_INVALID, source=source) from None
    if len(secret) < MIN_SECRET_BYTES:
        raise JichiError(SECRET_KEY_INVALID, source=source)
    return secret


def _hkdf(master_secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(
        master_secret
    )


def _read_key_file(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as error:
        reason = _reason(error) if isinstance(error, OSError) else "not ASCII text"
        raise JichiError(SECRET_KEY_UNREADABLE, path=str(path), reason=reason) from None


def _read_or_create_key_file(path: Path) -> str:
    """Read the key file, creating it (mode 0600) if it does not exist yet.

    The new key is written to a private temporary file and then hard-linked into place,
    which fails if another process got there first: two processes starting together
    both end up with the one key that won, never with a half-written file.
    """
    if path.exists():
        return _read_key_file(path)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(generate_secret() + "\n")
        try:
            os.link(temporary, path)
            log.info("created a new secret key file %s (mode 0600)", path)
        except FileExistsError:
            pass  # another process created it first: use theirs
    except OSError as error:
        raise JichiError(SECRET_KEY_UNREADABLE, path=str(path), reason=_reason(error)) from None
    finally:
        temporary.unlink(missing_ok=True)
    return _read_key_file(path)


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__
