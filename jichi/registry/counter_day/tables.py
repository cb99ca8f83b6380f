"""The counter day's tables.  Mirrors migrations 0024 (受付) and 0025 (手数料・領収書・取消).

Every row belongs to one municipality (``lg_code``) and is under row-level security.
A certificate's fee is a row of its own (``certificate_charge``), written in the
certificate's issue transaction, so the 日計表 can prove that every certificate issued
has its fee (or its exemption) and nothing else.
"""

from __future__ import annotations

import sqlalchemy as sa

from jichi.store.metadata import metadata

Moment = sa.DateTime(timezone=True)

reception = sa.Table(
    "reception",
    metadata,
    sa.Column("reception_id", sa.String(36), primary_key=True),
    sa.Column("lg_code", sa.String(6), nullable=False),
    sa.Column("received_on", sa.Date, nullable=False),  # the Japanese day
    sa.Column("ticket_number", sa.Integer, nullable=False),  # 窓口番号
    sa.Column("purpose", sa.String(40), nullable=False),
    sa.Column("visitor_name", sa.String(200), nullable=False),  # 呼出しの名前 (optional)
    sa.Column("person_id", sa.String(36), nullable=True),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", Moment, nullable=False),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("updated_at", Moment, nullable=False),
    sa.Column("updated_by", sa.String(100), nullable=False),
    sa.UniqueConstraint("lg_code", "received_on", "ticket_number"),
)

reception_step = sa.Table(
    "reception_step",
    metadata,
    sa.Column("reception_id", sa.String(36), primary_key=True),
    sa.Column("step", sa.Integer, primary_key=True),
    sa.Column("lg_code", sa.String(6), nullable=False),
    sa.Column("from_state", sa.String(20), nullable=False),
    sa.Column("to_state", sa.String(20), nullable=False),
    sa.Column("at", Moment, nullable=False),
    sa.Column("by", sa.String(100), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
)

fee_schedule = sa.Table(
    "fee_schedule",
    metadata,
    sa.Column("lg_code", sa.String(6), primary_key=True),
    sa.Column("kind", sa.String(40), primary_key=True),
    sa.Column("fee_yen", sa.Integer, nullable=False),
    sa.Column("updated_at", Moment, nullable=False),
    sa.Column("updated_by", sa.String(100), nullable=False),
)

certificate_charge = sa.Table(
    "certificate_charge",
    metadata,
    sa.Column("lg_code", sa.String(6), primary_key=True),
    sa.Column("serial", sa.String(200), primary_key=True),
    sa.Column("issued_on", sa.Date, nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("reception_id", sa.String(36), nullable=True),
    sa.Column("standard_fee_yen", sa.Integer, nullable=False),  # the table's fee
    sa.Column("fee_yen", sa.Integer, nullable=False),  # charged: 0 when exempt
    sa.Column("exemption", sa.String(40), nullable=False),  # '' when charged
    sa.Column("exemption_note", sa.Text, nullable=False),
    sa.Column("requester_type", sa.String(20), nullable=False),
    sa.Column("id_document", sa.String(40), nullable=False),  # 本人確認書類 seen
    sa.Column("power_of_attorney", sa.Boolean, nullable=False),  # 委任状 seen
    sa.Column("receipt_number", sa.String(40), nullable=True),
    sa.Column("charged_at", Moment, nullable=False),
    sa.Column("clerk", sa.String(100), nullable=False),
)

receipt = sa.Table(
    "receipt",
    metadata,
    sa.Column("lg_code", sa.String(6), primary_key=True),
    sa.Column("receipt_number", sa.String(40), primary_key=True),
    sa.Column("issued_on", sa.Date, nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("reception_id", sa.String(36), nullable=True),
    sa.Column("total_yen", sa.Integer, nullable=False),
    sa.Column("issued_at", Moment, nullable=False),
    sa.Column("clerk", sa.String(100), nullable=False),
    sa.UniqueConstraint("lg_code", "issued_on", "seq"),
)

certificate_void = sa.Table(
    "certificate_void",
    metadata,
    sa.Column("lg_code", sa.String(6), primary_key=True),
    sa.Column("serial", sa.String(200), primary_key=True),
    sa.Column("voided_on", sa.Date, nullable=False),
    sa.Column("voided_at", Moment, nullable=False),
    sa.Column("voided_by", sa.String(100), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("refund_yen", sa.Integer, nullable=False),
    sa.Column("replacement_serial", sa.String(200), nullable=True),
)
