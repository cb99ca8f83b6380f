"""The center's tables (Core).  Mirrors migration 0011; see its docstring for why each exists.

On PostgreSQL ``center_identity`` and ``center_identity_history`` are partitioned by
HASH of ``resident_code`` (migration 0065, ADR 0035), and the history's primary key there
is ``(resident_code, history_id)``.  These definitions keep ``history_id`` as the key,
as SQLite has it and as inserts return it.  Every read or write about one person names
the resident code, so it reaches one partition; a search by the basic four looks into
each partition's index (``docs/scale.md``).
"""

from __future__ import annotations

import sqlalchemy as sa

from jichi.store.metadata import metadata

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Moment = sa.DateTime(timezone=True)


def _identity_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("lg_code", sa.String(6), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("effective_date", sa.Date, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_kana", sa.Text, nullable=False),
        sa.Column("name_key", sa.Text, nullable=False),
        sa.Column("date_of_birth", sa.Date, nullable=False),
        sa.Column("sex", sa.String(6), nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("address_key", sa.Text, nullable=False),
        sa.Column("has_individual_number", sa.Boolean, nullable=False),
        sa.Column("individual_number_hash", sa.String(64), nullable=True),
        sa.Column("individual_number_enc", sa.Text, nullable=True),
    ]


IDENTITY_ITEMS = tuple(c.name for c in _identity_columns())

center_identity = sa.Table(
    "center_identity",
    metadata,
    sa.Column("resident_code", sa.String(11), primary_key=True),
    *_identity_columns(),
    sa.Column("history_id", BigId, nullable=False),
    sa.Column("updated_at", Moment, nullable=False),
    # Under a support measure (0018): the address is withheld by policy.  No details.
    sa.Column("protected", sa.Boolean, nullable=False, server_default=sa.false()),
)

center_identity_history = sa.Table(
    "center_identity_history",
    metadata,
    sa.Column("history_id", BigId, primary_key=True, autoincrement=True),
    sa.Column("resident_code", sa.String(11), nullable=False),
    sa.Column("message_id", sa.String(36), nullable=False, unique=True),
    sa.Column("notification_id", sa.String(36), nullable=True),
    sa.Column("sender", sa.String(6), nullable=False),
    sa.Column("seq", BigId, nullable=False),
    *_identity_columns(),
    sa.Column("received_at", Moment, nullable=False),
    sa.Column("protected", sa.Boolean, nullable=True),  # NULL: the update did not say
)

center_code_block = sa.Table(
    "center_code_block",
    metadata,
    sa.Column("block_id", sa.String(36), primary_key=True),
    sa.Column("lg_code", sa.String(6), nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("allocated_at", Moment, nullable=False),
    sa.Column("allocated_by", sa.String(100), nullable=False),
)

center_resident_code = sa.Table(
    "center_resident_code",
    metadata,
    sa.Column("resident_code", sa.String(11), primary_key=True),
    sa.Column("block_id", sa.String(36), nullable=False),
    sa.Column("lg_code", sa.String(6), nullable=False),
)

center_agency = sa.Table(
    "center_agency",
    metadata,
    sa.Column("agency_id", sa.String(36), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("lg_code", sa.String(6), nullable=True),
    sa.Column("legal_ground", sa.Text, nullable=False),
    sa.Column("purposes", sa.JSON, nullable=False),
    sa.Column("items", sa.JSON, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", Moment, nullable=False),
)

center_agency_credential = sa.Table(
    "center_agency_credential",
    metadata,
    sa.Column("token_id", sa.String(36), primary_key=True),
    sa.Column("agency_id", sa.String(36), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("issued_at", Moment, nullable=False),
    sa.Column("revoked_at", Moment, nullable=True),
)

center_provision = sa.Table(
    "center_provision",
    metadata,
    sa.Column("provision_id", BigId, primary_key=True, autoincrement=True),
    sa.Column("request_id", sa.String(36), nullable=False),
    sa.Column("item", sa.Integer, nullable=False),
    sa.Column("agency_id", sa.String(36), nullable=False),
    sa.Column("purpose", sa.String(100), nullable=False),
    sa.Column("query_kind", sa.String(20), nullable=False),
    sa.Column("resident_code", sa.String(11), nullable=True),
    sa.Column("result", sa.String(20), nullable=False),
    sa.Column("provided_at", Moment, nullable=False),
)
