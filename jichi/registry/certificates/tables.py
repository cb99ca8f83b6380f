"""The issuance log of certificates (spec 1.3.8).  Mirrors migration 0007.

One row per issued certificate: never the document itself, only its SHA-256, so a
PDF shown later can be checked byte for byte (``verify``) without the municipality
keeping a second copy of anyone's data.
"""

from __future__ import annotations

import sqlalchemy as sa

from jichi.store.metadata import metadata

certificate = sa.Table(
    "certificate",
    metadata,
    sa.Column("lg_code", sa.String(6), primary_key=True),
    sa.Column("serial", sa.String(200), primary_key=True),  # 発行番号 without the pages
    sa.Column("issued_on", sa.Date, nullable=False),  # the Japanese day of issue
    sa.Column("seq", sa.Integer, nullable=False),  # 通番 of the day in the municipality
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("request_id", sa.String(100), nullable=False, unique=True),
    sa.Column("subject_person_ids", sa.JSON, nullable=False),
    sa.Column("items", sa.JSON, nullable=False),  # the optional items printed
    sa.Column("whole_household", sa.Boolean, nullable=False),
    sa.Column("requester_type", sa.String(20), nullable=False),
    sa.Column("purpose", sa.Text, nullable=False),
    sa.Column("request_form_number", sa.String(100), nullable=False),
    sa.Column("clerk", sa.String(100), nullable=False),
    sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("pdf_sha256", sa.String(64), nullable=False),
    sa.Column("verification_code", sa.String(32), nullable=False, unique=True),
    sa.Column("page_count", sa.Integer, nullable=False),
    sa.Column("alerts", sa.JSON, nullable=False),  # the overflow / 外字 list (spec 5.8)
    sa.UniqueConstraint("lg_code", "issued_on", "seq"),
)

certificate_serial = sa.Table(  # Mirrors migration 0023: a 通番 reserved before the render.
    "certificate_serial",
    metadata,
    sa.Column("lg_code", sa.String(6), primary_key=True),
    sa.Column("issued_on", sa.Date, primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("request_id", sa.String(100), nullable=False, unique=True),
    sa.Column("reserved_at", sa.DateTime(timezone=True), nullable=False),
)
