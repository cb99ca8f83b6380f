"""Registry tables: the event log, the projections built from it, and the outbox.

``registry_event`` is the truth; ``resident`` and ``household`` are projections
rewritten in the same transaction as each event; ``outbox`` holds the notices that
follow a change until the network delivers them.  Search columns (``*_key``) hold
folded forms from ``jichi.kernel.text``; the names themselves are stored exactly.
Mirrors migration 0003.
"""

from __future__ import annotations

import sqlalchemy as sa

from jichi.store.metadata import metadata

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Moment = sa.DateTime(timezone=True)

household = sa.Table(
    "household",
    metadata,
    sa.Column("household_id", sa.String(36), primary_key=True),
    sa.Column("lg_code", sa.String(6), nullable=False),
    sa.Column("address", sa.JSON, nullable=False),
    sa.Column("address_key", sa.Text, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", Moment, nullable=False),
)

resident = sa.Table(
    "resident",
    metadata,
    sa.Column("person_id", sa.String(36), primary_key=True),
    sa.Column("lg_code", sa.String(6), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("household_id", sa.String(36), nullable=False),
    sa.Column("relationship", sa.String(40), nullable=False),
    sa.Column("name_key", sa.Text, nullable=False),
    sa.Column("family_key", sa.Text, nullable=False),
    sa.Column("kana_key", sa.Text, nullable=False),
    sa.Column("date_of_birth", sa.Date, nullable=False),
    sa.Column("sex", sa.String(6), nullable=False),
    sa.Column("address_key", sa.Text, nullable=False),
    sa.Column("resident_code", sa.String(11), nullable=True),
    sa.Column("individual_number_hash", sa.String(64), nullable=True),
    sa.Column("individual_number_enc", sa.Text, nullable=True),
    sa.Column("record", sa.JSON, nullable=False),
    sa.Column("restricted", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", Moment, nullable=False),
)

registry_event = sa.Table(
    "registry_event",
    metadata,
    sa.Column("seq", BigId, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(36), nullable=False, unique=True),
    sa.Column("notification_id", sa.String(36), nullable=False),
    sa.Column("lg_code", sa.String(6), nullable=False),
    sa.Column("person_id", sa.String(36), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("reason", sa.String(40), nullable=False),
    sa.Column("effective_date", sa.Date, nullable=False),
    sa.Column("notified_date", sa.Date, nullable=False),
    sa.Column("recorded_at", Moment, nullable=False),
    sa.Column("recorded_by", sa.String(100), nullable=False),
    sa.Column("changes", sa.JSON, nullable=False),
    sa.Column("corrects", sa.String(36), nullable=True),
    sa.Column("late", sa.Boolean, nullable=False),
)

notification = sa.Table(
    "notification",
    metadata,
    sa.Column("notification_id", sa.String(36), primary_key=True),
    sa.Column("lg_code", sa.String(6), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("effective_date", sa.Date, nullable=False),
    sa.Column("notified_date", sa.Date, nullable=False),
    sa.Column("recorded_at", Moment, nullable=False),
    sa.Column("recorded_by", sa.String(100), nullable=False),
    sa.Column("request", sa.JSON, nullable=False),  # individual numbers redacted
    sa.Column("late", sa.Boolean, nullable=False),
    sa.Column("flags", sa.JSON, nullable=False),
    sa.Column("idempotency_key", sa.String(100), nullable=True, unique=True),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("seq", BigId, primary_key=True, autoincrement=True),
    sa.Column("message_id", sa.String(36), nullable=False, unique=True),
    sa.Column("lg_code", sa.String(6), nullable=False),
    sa.Column("topic", sa.String(200), nullable=False),
    sa.Column("ordering_key", sa.String(40), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("created_at", Moment, nullable=False),
    sa.Column("sent_at", Moment, nullable=True),
)

support_measure = sa.Table(
    "support_measure",
    metadata,
    sa.Column("measure_id", sa.String(36), primary_key=True),
    sa.Column("lg_code", sa.String(6), nullable=False),
    sa.Column("person_id", sa.String(36), nullable=False),
    sa.Column("other_parties", sa.JSON, nullable=False),
    # person ids of the household members covered (0018); NULL: the household at the address
    sa.Column("members", sa.JSON(none_as_null=True), nullable=True),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=False),
    sa.Column("ended_on", sa.Date, nullable=True),
    sa.Column("basis", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("recorded_by", sa.String(100), nullable=False),
    sa.Column("recorded_at", Moment, nullable=False),
)
