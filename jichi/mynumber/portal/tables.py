"""Portal tables (migration 0056): login challenges and 来庁予定 (ADR 0025)."""

from __future__ import annotations

import sqlalchemy as sa

from jichi.store.metadata import metadata

portal_challenge = sa.Table(
    "portal_challenge",
    metadata,
    sa.Column("challenge_hash", sa.String(64), primary_key=True),  # SHA-256 hex of the text
    sa.Column("lg_code", sa.String(6), nullable=False),
    sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index("ix_portal_challenge_expires_at", "expires_at"),
)

visit_reservation = sa.Table(
    "visit_reservation",
    metadata,
    sa.Column("reservation_id", sa.String(36), primary_key=True),
    sa.Column("lg_code", sa.String(6), nullable=False),  # the old municipality (転出地)
    sa.Column("destination_lg_code", sa.String(6), nullable=False),  # 転入予定地
    sa.Column("notification_id", sa.String(64), nullable=False),  # the recorded 転出届
    sa.Column("filer_person_id", sa.String(64), nullable=False),
    sa.Column("resident_code", sa.String(11), nullable=False),  # the filer's, for the card move-in
    sa.Column("visit_on", sa.Date, nullable=False),  # 来庁予定日
    sa.Column("planned_date", sa.Date, nullable=False),  # 転出予定日
    sa.Column("persons", sa.JSON, nullable=False),  # [{"name": ..., "card_holder": bool}]
    sa.Column("destination", sa.JSON, nullable=False),  # the address filed (registry fields)
    sa.Column("move_in_request_id", sa.String(36), nullable=True),  # the counter's 特例転入
    sa.Column("signer_serial", sa.String(40), nullable=False),  # 署名用電子証明書
    sa.Column("status", sa.String(12), nullable=False),  # booked / arrived
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_visit_reservation_destination_lg_code", "destination_lg_code", "visit_on"),
)
