"""JPKI tables: issued certificates (0052), registered verifiers and status queries (0053).

A certificate row is never deleted: revocation sets ``status``, the RFC 5280 reason code,
the time and the registry event that caused it; renewal links old and new both ways
(``renews`` / ``superseded_by``), so a relying party can follow a person across renewals.
"""

from __future__ import annotations

import sqlalchemy as sa

from jichi.store.metadata import metadata

jpki_certificate = sa.Table(
    "jpki_certificate",
    metadata,
    sa.Column("serial", sa.String(40), primary_key=True),  # hex, lower case
    sa.Column("profile", sa.String(8), nullable=False),  # sign / auth
    sa.Column("person_id", sa.String(64), nullable=False),
    # the holder's municipality: the issuer's until the card follows a move (card_events)
    sa.Column("lg_code", sa.String(6), nullable=False),
    sa.Column("token_label", sa.String(64), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # good / revoked
    sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
    sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
    sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revocation_reason", sa.Integer, nullable=True),  # RFC 5280 CRLReason
    sa.Column("revocation_ground", sa.String(40), nullable=True),  # why, in jichi's words
    sa.Column("revocation_event_id", sa.String(64), nullable=True),
    sa.Column("renews", sa.String(40), nullable=True),  # the certificate this one replaced
    sa.Column("superseded_by", sa.String(40), nullable=True),
    sa.Column("substitutions", sa.JSON, nullable=False),  # 代替文字 positions
    sa.Column("der", sa.LargeBinary, nullable=False),
    sa.Index("ix_jpki_certificate_person", "person_id", "profile", "status"),
    sa.Index("ix_jpki_certificate_revoked", "profile", "status", "revoked_at"),
)

jpki_verifier = sa.Table(
    "jpki_verifier",
    metadata,
    sa.Column("verifier_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),  # SHA-256 hex
    sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
)

jpki_status_query = sa.Table(
    "jpki_status_query",
    metadata,
    sa.Column("query_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("verifier_id", sa.String(64), nullable=False),
    sa.Column("serial", sa.String(40), nullable=False),
    sa.Column("channel", sa.String(10), nullable=False),  # ocsp / verify
    sa.Column("answer", sa.String(10), nullable=False),  # good / revoked / unknown
    sa.Index("ix_jpki_status_query_serial", "serial", "at"),
)
