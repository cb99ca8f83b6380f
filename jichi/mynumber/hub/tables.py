"""The exchange hub's tables (migrations 0054, 0055).

* ``hub_catalogue``: every catalogue ever loaded (the whole JSON document); the last
  row is the one in force, so a replaced catalogue stays readable for the log;
* ``hub_agency_credential``: the SHA-256 of each agency's bearer credential (the
  credential itself is shown once);
* ``hub_pia``: 特定個人情報保護評価 records (番号法28条) with their dates — the requester's
  for the 事務 (``scope_kind='affair'``), the provider's for the file holding the item
  (``scope_kind='item'``);
* ``hub_request_number``: one-time 処理通番, kept only as a SHA-256 (the number itself is
  never stored), bound to the agency it was issued for;
* ``hub_agency_token``: the 機関別符号 of a person (``subject``, the hub's pseudonym)
  per agency;
* ``hub_offered_copy``: the 副本 a provider offers for exchange, under its own token;
* ``hub_exchange_log``: 第23条's records — three rows per exchange (requester,
  provider, hub), with the 不開示 flag and the date after which it may be purged.

No ``lg_code`` tenancy here: the hub is a national system (like the center's tables,
ADR 0018); agencies are separated by their credential and by the agency id on every row.
"""

from __future__ import annotations

import sqlalchemy as sa

from jichi.store.metadata import metadata

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Moment = sa.DateTime(timezone=True)

hub_catalogue = sa.Table(
    "hub_catalogue",
    metadata,
    sa.Column("catalogue_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("version", sa.String(200), nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("document", sa.JSON, nullable=False),
    sa.Column("loaded_at", Moment, nullable=False),
    sa.Column("loaded_by", sa.String(100), nullable=False),
)

hub_agency_credential = sa.Table(
    "hub_agency_credential",
    metadata,
    sa.Column("credential_id", sa.String(36), primary_key=True),
    sa.Column("agency_id", sa.String(64), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("issued_at", Moment, nullable=False),
    sa.Column("revoked_at", Moment, nullable=True),
)

hub_pia = sa.Table(
    "hub_pia",
    metadata,
    sa.Column("pia_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("agency_id", sa.String(64), nullable=False),
    sa.Column("scope_kind", sa.String(8), nullable=False),  # affair | item
    sa.Column("scope_id", sa.String(64), nullable=False),
    sa.Column("level", sa.String(20), nullable=False),  # basic | focused | full
    sa.Column("evaluated_on", sa.Date, nullable=False),
    sa.Column("valid_until", sa.Date, nullable=False),
    sa.Column("recorded_at", Moment, nullable=False),
    sa.Column("withdrawn_at", Moment, nullable=True),
)
sa.Index("ix_hub_pia_scope", hub_pia.c.agency_id, hub_pia.c.scope_kind, hub_pia.c.scope_id)

hub_request_number = sa.Table(
    "hub_request_number",
    metadata,
    sa.Column("number_hash", sa.String(64), primary_key=True),
    sa.Column("agency_id", sa.String(64), nullable=False),
    sa.Column("subject", sa.String(64), nullable=False),
    sa.Column("lg_code", sa.String(6), nullable=False),  # the issuing 団体内統合宛名 side
    sa.Column("issued_at", Moment, nullable=False),
    sa.Column("expires_at", Moment, nullable=False),
    sa.Column("used_at", Moment, nullable=True),
)

hub_agency_token = sa.Table(
    "hub_agency_token",
    metadata,
    sa.Column("agency_id", sa.String(64), primary_key=True),
    sa.Column("subject", sa.String(64), primary_key=True),
    sa.Column("token", sa.String(64), nullable=False),
    sa.Column("issued_at", Moment, nullable=False),
)
sa.Index(
    "uq_hub_agency_token_token", hub_agency_token.c.agency_id, hub_agency_token.c.token, unique=True
)

hub_offered_copy = sa.Table(
    "hub_offered_copy",
    metadata,
    sa.Column("agency_id", sa.String(64), primary_key=True),
    sa.Column("token", sa.String(64), primary_key=True),
    sa.Column("item_id", sa.String(64), primary_key=True),
    sa.Column("value", sa.JSON, nullable=False),
    sa.Column("updated_at", Moment, nullable=False),
)

hub_exchange_log = sa.Table(
    "hub_exchange_log",
    metadata,
    sa.Column("log_id", BigId, primary_key=True, autoincrement=True),
    sa.Column("exchange_id", sa.String(36), nullable=False),
    sa.Column("side", sa.String(10), nullable=False),  # requester | provider | hub
    sa.Column("requester_id", sa.String(64), nullable=False),
    sa.Column("provider_id", sa.String(64), nullable=False),
    sa.Column("affair_id", sa.String(64), nullable=False),
    sa.Column("item_id", sa.String(64), nullable=False),
    # the side's own key of the person: its agency token, or the hub's subject
    sa.Column("person_key", sa.String(64), nullable=False),
    sa.Column("requested_at", Moment, nullable=False),
    sa.Column("provided_at", Moment, nullable=True),
    sa.Column("result", sa.String(20), nullable=False),  # provided | no_data | HUB-0xx
    sa.Column("withhold", sa.Boolean, nullable=False),
    sa.Column("keep_until", Moment, nullable=False),
)
sa.Index("ix_hub_exchange_log_person", hub_exchange_log.c.side, hub_exchange_log.c.person_key)
sa.Index("ix_hub_exchange_log_exchange", hub_exchange_log.c.exchange_id)
sa.Index("ix_hub_exchange_log_keep", hub_exchange_log.c.keep_until)
