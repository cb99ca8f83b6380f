"""Filed annual reports, one row per version, and organisations' notifications.  Mirrors 0040.

A 訂正 (amendment, 第15号様式) is a new version with its reason; earlier versions stay as
filed, because the published report and any inspection refer to what was filed then.
"""

from __future__ import annotations

import sqlalchemy as sa

from jichi.store.metadata import metadata

funds_report = sa.Table(
    "funds_report",
    metadata,
    sa.Column("organization_id", sa.String(100), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),  # 1 = the original filing
    sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),  # "" for the original, the 訂正 reason after
    sa.Column("report", sa.JSON, nullable=False),  # AnnualReport.model_dump(mode="json")
    sa.Column("warnings", sa.JSON, nullable=False),  # the warning findings at filing
    # 公表 (0042): NULL until the authority publishes this version (政治資金規正法20条).
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("published_by", sa.String(100), nullable=True),  # the authority's staff id
)

#: Filing tokens the authority issues to an organisation's accountant (0042); digests only.
funds_filer_token = sa.Table(
    "funds_filer_token",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("organization_id", sa.String(100), nullable=False),
    sa.Column("issued_by", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index("ix_funds_filer_token_organization", "organization_id"),
)

#: Keys of the public API (政治資金の公開検索), by digest; see jichi.funds.api_keys.
funds_api_key = sa.Table(
    "funds_api_key",
    metadata,
    sa.Column("key_hash", sa.String(64), primary_key=True),
    sa.Column("holder", sa.String(200), nullable=False),
    sa.Column("per_minute", sa.Integer, nullable=False),
    sa.Column("issued_by", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
)

#: 設立届・異動届・解散届, one row each in the order recorded (seq 1 = the 設立届).
funds_notification = sa.Table(
    "funds_notification",
    metadata,
    sa.Column("organization_id", sa.String(100), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),  # establishment / change / dissolution
    sa.Column("effective_on", sa.Date, nullable=False),
    sa.Column("body", sa.JSON, nullable=False),  # the state, or the changed fields
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)

#: The lines of each organisation's latest *published* version (0041), replaced in the
#: transaction of each publication (0042), so the public search never lags a publication.
funds_public_line = sa.Table(
    "funds_public_line",
    metadata,
    sa.Column("organization_id", sa.String(100), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("organization_name", sa.Text, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("donor_kind", sa.String(20), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("name_key", sa.Text, nullable=False),
    sa.Column("address", sa.Text, nullable=False),
    sa.Column("occupation", sa.Text, nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("given_on", sa.Date, nullable=False),
    # ix_funds_public_line_name_key (name_key prefix; text_pattern_ops on PostgreSQL): 0041
    sa.Index("ix_funds_public_line_amount", "amount", "organization_id", "year", "seq"),
)

#: Totals per organisation and year (0041), refreshed with the lines.
funds_public_total = sa.Table(
    "funds_public_total",
    metadata,
    sa.Column("organization_id", sa.String(100), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("organization_name", sa.Text, nullable=False),
    sa.Column("income_total", sa.BigInteger, nullable=False),
    sa.Column("donations", sa.BigInteger, nullable=False),
    sa.Column("donations_listed", sa.BigInteger, nullable=False),
    sa.Column("donations_unlisted", sa.BigInteger, nullable=False),
    sa.Column("anonymous", sa.BigInteger, nullable=False),
    sa.Column("party_tickets_listed", sa.BigInteger, nullable=False),
    sa.Column("expenditure_total", sa.BigInteger, nullable=False),
    sa.Column("lines", sa.Integer, nullable=False),
    # Income by source (0064), for the public search's chart; see jichi.funds.income_sources.
    sa.Column("income_individual", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("income_corporate", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("income_political", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("income_party", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("income_grants", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("income_other", sa.BigInteger, nullable=False, server_default="0"),
)

#: The accountant's report while it is entered step by step (0064): the fields as typed,
#: never filed nor public; removed when the report is filed (jichi.funds.draft_store).
funds_draft = sa.Table(
    "funds_draft",
    metadata,
    sa.Column("organization_id", sa.String(100), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("body", sa.JSON, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
