"""Issue, renew and list card certificates: keys from the token, certificates from the CA.

The private keys are made in the card's token (:class:`ChipToken`); only public keys
reach this module.  A 署名用 certificate is refused to under-15s with a typed error before
any key is generated.  Renewal issues a new certificate, revokes the old one as
``superseded`` and links the two (``renews`` / ``superseded_by``) in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, time, timedelta, timezone

import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from jichi.kernel.errors import JichiError
from jichi.mynumber.jpki import errors as e
from jichi.mynumber.jpki import store
from jichi.mynumber.jpki.ca import CaSet
from jichi.mynumber.jpki.charset import CharsetPolicy
from jichi.mynumber.jpki.profiles import (
    Endpoints,
    Holder,
    build_end_entity,
    check_signing_age,
    validity_end,
)
from jichi.mynumber.jpki.revocation import CODE_OF, REASON_CODES, Ground
from jichi.mynumber.jpki.token import ChipToken, Purpose

JST = timezone(timedelta(hours=9), "JST")


class Issuer:
    """The CA's issuing side, given its keys and configuration by the composition root."""

    def __init__(
        self,
        cas: CaSet,
        *,
        charset: CharsetPolicy | None = None,
        endpoints: Endpoints | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.cas = cas
        self.charset = charset or CharsetPolicy()
        self.endpoints = endpoints or Endpoints()
        self.clock = clock

    def issue(
        self,
        conn: sa.Connection,
        holder: Holder,
        purpose: Purpose,
        public_key: rsa.RSAPublicKey,
        *,
        token_label: str,
        card_expiry: datetime | None = None,
        renews: str | None = None,
    ) -> x509.Certificate:
        """Sign and persist one certificate for ``public_key`` (from the card's token)."""
        now = self.clock()
        today = now.astimezone(JST).date()
        if purpose is Purpose.SIGN:
            check_signing_age(holder, today)
        end_day = validity_end(
            holder.date_of_birth,
            today,
            card_expiry=card_expiry.astimezone(JST).date() if card_expiry else None,
        )
        not_after = datetime.combine(end_day, time(23, 59, 59), JST).astimezone(UTC)
        authority = self.cas.for_purpose(purpose)
        serial = x509.random_serial_number()
        cert, substitutions = build_end_entity(
            purpose=purpose,
            serial=serial,
            public_key=public_key,
            holder=holder,
            issuer_cert=authority.cert,
            issuer_key=authority.key,
            not_before=now - timedelta(minutes=1),
            not_after=not_after,
            charset=self.charset,
            endpoints=self.endpoints,
        )
        store.insert(
            conn,
            {
                "serial": store.serial_hex(serial),
                "profile": purpose.value,
                "person_id": holder.person_id,
                "lg_code": holder.lg_code,
                "token_label": token_label,
                "status": "good",
                "not_before": cert.not_valid_before_utc,
                "not_after": cert.not_valid_after_utc,
                "issued_at": now,
                "renews": renews,
                "substitutions": substitutions,
                "der": cert.public_bytes(serialization.Encoding.DER),
            },
        )
        return cert

    def issue_card(
        self,
        conn: sa.Connection,
        holder: Holder,
        token: ChipToken,
        pin: str,
        *,
        purposes: Iterable[Purpose] = (Purpose.SIGN, Purpose.AUTH),
        card_expiry: datetime | None = None,
    ) -> dict[Purpose, x509.Certificate]:
        """Generate both key pairs in the token and certify the requested ones."""
        wanted = list(purposes)
        if Purpose.SIGN in wanted:
            check_signing_age(holder, self.clock().astimezone(JST).date())
        keys = token.generate_keys(pin)
        return {
            purpose: self.issue(
                conn,
                holder,
                purpose,
                keys[purpose],
                token_label=token.token_label,
                card_expiry=card_expiry,
            )
            for purpose in wanted
        }

    def renew(
        self,
        conn: sa.Connection,
        old_serial: str,
        holder: Holder,
        public_key: rsa.RSAPublicKey,
        *,
        token_label: str,
    ) -> x509.Certificate:
        """A new certificate linked to ``old_serial``, which is revoked as superseded."""
        old = store.get(conn, old_serial)
        if old is None:
            raise JichiError(e.CERTIFICATE_NOT_FOUND, field="serial", serial=old_serial)
        purpose = Purpose(old.profile)
        cert = self.issue(
            conn, holder, purpose, public_key, token_label=token_label, renews=old_serial
        )
        new_serial = store.serial_hex(cert.serial_number)
        store.link_renewal(conn, old_serial, new_serial)
        if old.status == "good":
            store.mark_revoked(
                conn,
                old_serial,
                at=self.clock(),
                reason=CODE_OF[REASON_CODES[Ground.SUPERSEDED]],
                ground=Ground.SUPERSEDED,
                event_id=None,
            )
        return cert
