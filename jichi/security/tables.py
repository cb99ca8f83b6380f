"""The ``audit_log`` table, as the application sees it.

Migration ``0002_audit`` creates the same table by hand (with the append-only triggers,
which SQLAlchemy does not model); keep the two in step.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from jichi.store.metadata import metadata

audit_log = Table(
    "audit_log",
    metadata,
    # Dense, assigned by ``append`` under the chain lock: a gap always means a deleted row.
    Column(
        "seq",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("lg_code", String(6), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("actor_role", String(50), nullable=False),
    Column("action", String(100), nullable=False),
    Column("subject_person_id", String(36), nullable=True, index=True),
    Column("purpose", Text, nullable=True),
    Column("detail", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # HMAC-SHA256 with a key the database does not hold (migration 0019); NULL only on
    # legacy rows written before it.
    Column("mac", String(64), nullable=True),
    UniqueConstraint("prev_hash"),
    CheckConstraint("length(hash) = 64", name="hash_length"),
    CheckConstraint("length(prev_hash) = 64", name="prev_hash_length"),
)

PERSONAL_COLUMNS: tuple[str, ...] = ("subject_person_id", "purpose", "detail")
"""Columns that say something about a person: copy them only where a resident's own view
or an audit needs them.  ``detail`` never holds an individual number (``append`` refuses)."""
