"""The signed CRL of each issuing CA, rebuilt from the certificate table on a schedule.

J-LIS publishes a daily CRL alongside OCSP (facts §3.3, SECONDARY); the period is
configuration (``period``, default 24 h) and becomes the CRL's ``nextUpdate``, so a relying
party knows when a fresher one is due.  ``jichi jpki crl --out FILE [--every SECONDS]``
runs :func:`publish` once or on that schedule.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from sqlalchemy import Engine

from jichi.mynumber.jpki import store
from jichi.mynumber.jpki.ca import CaSet
from jichi.mynumber.jpki.revocation import FLAG_OF
from jichi.mynumber.jpki.token import Purpose

PERIOD = timedelta(hours=24)


def build(
    engine: Engine,
    cas: CaSet,
    purpose: Purpose,
    *,
    now: datetime | None = None,
    period: timedelta = PERIOD,
    number: int | None = None,
) -> x509.CertificateRevocationList:
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    authority = cas.for_purpose(purpose)
    with engine.connect() as conn:
        revoked = store.revoked(conn, purpose.value)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(authority.cert.subject)
        .last_update(now)
        .next_update(now + period)
        .add_extension(x509.CRLNumber(number or int(now.timestamp())), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()),
            critical=False,
        )
    )
    for serial, at, reason in revoked:
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(int(serial, 16))
            .revocation_date(at)
            .add_extension(x509.CRLReason(FLAG_OF.get(reason, x509.ReasonFlags.unspecified)), False)
            .build()
        )
        builder = builder.add_revoked_certificate(entry)
    return builder.sign(authority.key, hashes.SHA256())


def publish(
    engine: Engine, cas: CaSet, out: Path, purpose: Purpose, *, period: timedelta = PERIOD
) -> x509.CertificateRevocationList:
    """Write the CRL (PEM) atomically: readers never see half a file."""
    crl = build(engine, cas, purpose, period=period)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    tmp.replace(out)
    return crl


def run_schedule(
    engine: Engine,
    cas: CaSet,
    out: Path,
    purpose: Purpose,
    *,
    every: float,
    rounds: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Publish every ``every`` seconds (``rounds`` times, or forever); returns rounds done."""
    done = 0
    while rounds is None or done < rounds:
        publish(engine, cas, out, purpose, period=timedelta(seconds=max(every, 1) * 2))
        done += 1
        if rounds is None or done < rounds:
            sleep(every)
    return done
