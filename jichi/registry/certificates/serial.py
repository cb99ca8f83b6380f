"""The 通番: reserved before the PDF is made, so no lock is held while it renders.

The 発行番号 is printed on every page, so the number must be known before WeasyPrint
runs; taking it *after* the render would mean a second render or a patched PDF.  A
reservation is the cheap way (ADR 0014): a one-row write under the per-municipality
lock (an advisory lock on PostgreSQL, the write lock on SQLite) gives the request its
number, the PDF is made with no lock held, and :func:`jichi.registry.certificates.issue`
stores the certificate under the lock again.  Several processes can so issue for one
municipality at once, each rendering in parallel, without two ever printing one number.

Numbers stay gap-free in the common cases:

* a retry of the same ``request_id`` (a client timeout, a killed worker) reuses the
  number its request already holds;
* a render that fails gives its number back when no later number was given meanwhile
  (:func:`release`), so the next request prints it.

A number stays unused only when its request failed after a later number was given and
is never retried, or a process died and its request was not retried the same day: its
``certificate_serial`` row with no ``certificate`` row says which request held it.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from jichi.places.catalog import default_catalog
from jichi.registry.certificates.model import CertificateSettings
from jichi.registry.certificates.tables import certificate, certificate_serial
from jichi.store.engine import write_transaction

SERIAL_LOCK_CLASS = 0x6A696368  # "jich": PostgreSQL advisory lock class for the 通番


def lock(conn: Connection, lg_code: str) -> None:
    """Hold the municipality's 通番 lock until the transaction ends."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            sa.text("SELECT pg_advisory_xact_lock(:cls, :key)"),
            {"cls": SERIAL_LOCK_CLASS, "key": int(lg_code)},
        )
    # SQLite: write_transaction began IMMEDIATE, so this transaction holds the write lock.


def _last(conn: Connection, lg_code: str, day: date) -> int:
    """The highest number given out that day (issued before 0023, or reserved since)."""
    issued = conn.execute(
        sa.select(sa.func.max(certificate.c.seq)).where(
            certificate.c.lg_code == lg_code, certificate.c.issued_on == day
        )
    ).scalar()
    reserved = conn.execute(
        sa.select(sa.func.max(certificate_serial.c.seq)).where(
            certificate_serial.c.lg_code == lg_code, certificate_serial.c.issued_on == day
        )
    ).scalar()
    return max(int(issued or 0), int(reserved or 0))


def reserve(engine: Engine, lg_code: str, day: date, request_id: str, at: datetime) -> int:
    """The 通番 of ``request_id`` on ``day``: the one it holds, or the next one."""
    with write_transaction(engine) as conn:
        lock(conn, lg_code)
        return reserve_in(conn, lg_code, day, request_id, at)


def reserve_in(conn: Connection, lg_code: str, day: date, request_id: str, at: datetime) -> int:
    """:func:`reserve` in the caller's transaction (which holds :func:`lock`)."""
    cs = certificate_serial.c
    held = conn.execute(
        sa.select(cs.lg_code, cs.issued_on, cs.seq).where(cs.request_id == request_id)
    ).first()
    if held is not None:
        if held.lg_code == lg_code and held.issued_on == day:
            return int(held.seq)
        # A retry on another day: its old number stays unused (the row said whose it was).
        conn.execute(
            certificate_serial.delete().where(certificate_serial.c.request_id == request_id)
        )
    seq = _last(conn, lg_code, day) + 1
    conn.execute(
        certificate_serial.insert().values(
            lg_code=lg_code, issued_on=day, seq=seq, request_id=request_id, reserved_at=at
        )
    )
    return seq


def holds(conn: Connection, lg_code: str, day: date, request_id: str, seq: int) -> bool:
    """Whether ``request_id`` still holds ``seq`` (a concurrent failure may release it)."""
    return (
        conn.execute(
            sa.select(certificate_serial.c.seq).where(
                certificate_serial.c.request_id == request_id,
                certificate_serial.c.lg_code == lg_code,
                certificate_serial.c.issued_on == day,
                certificate_serial.c.seq == seq,
            )
        ).first()
        is not None
    )


def release(engine: Engine, lg_code: str, day: date, request_id: str, seq: int) -> bool:
    """Give the number back after a failed render, if it is still the day's last one.

    Only the last number can go back without a gap; an earlier one stays reserved for
    the request's retry.  Nothing is released once the request has a certificate (a
    concurrent attempt of the same request stored it).  True when it went back.
    """
    with write_transaction(engine) as conn:
        lock(conn, lg_code)
        stored = conn.execute(
            sa.select(certificate.c.serial).where(certificate.c.request_id == request_id)
        ).first()
        if stored is not None or _last(conn, lg_code, day) != seq:
            return False
        deleted = conn.execute(
            certificate_serial.delete().where(
                certificate_serial.c.request_id == request_id,
                certificate_serial.c.lg_code == lg_code,
                certificate_serial.c.issued_on == day,
                certificate_serial.c.seq == seq,
            )
        )
        return bool(deleted.rowcount)


def serial_for(lg_code: str, day: date, seq: int, settings: CertificateSettings) -> str:
    """発行年月日・市区町村名・端末・プリンタ・通番 (spec 5.5); the pages follow on each page."""
    name = default_catalog().get(lg_code).name
    parts = [day.strftime("%Y%m%d"), name, settings.terminal, settings.printer, f"{seq:06d}"]
    return " ".join(p for p in parts if p)
