"""The node's tables: tasks, card move-out data, card move-ins pending (0012); remote
copies, 転出確定通知 received and the note on a closed task (0014)."""

from __future__ import annotations

import sqlalchemy as sa

from jichi.store.metadata import metadata

Moment = sa.DateTime(timezone=True)

node_task = sa.Table(
    "node_task",
    metadata,
    sa.Column("task_id", sa.String(36), primary_key=True),
    sa.Column("lg_code", sa.String(6), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("subject_key", sa.String(100), nullable=False),
    sa.Column("person_id", sa.String(36), nullable=True),
    sa.Column("code", sa.String(10), nullable=False),
    sa.Column("reason_ja", sa.Text, nullable=False),
    sa.Column("reason_en", sa.Text, nullable=False),
    sa.Column("detail", sa.JSON, nullable=False),
    sa.Column("due_on", sa.Date, nullable=True),
    sa.Column("created_at", Moment, nullable=False),
    sa.Column("closed_at", Moment, nullable=True),
    sa.Column("closed_by", sa.String(100), nullable=True),
    sa.Column("closed_note", sa.Text, nullable=True),  # 0014
    sa.UniqueConstraint("lg_code", "kind", "subject_key", name="uq_node_task_subject"),
)

card_move_out = sa.Table(
    "card_move_out",
    metadata,
    sa.Column("notification_id", sa.String(36), primary_key=True),
    sa.Column("person_id", sa.String(36), primary_key=True),
    sa.Column("lg_code", sa.String(6), nullable=False),
    sa.Column("resident_code", sa.String(11), nullable=True),
    sa.Column("destination_lg_code", sa.String(6), nullable=False),
    sa.Column("planned_date", sa.Date, nullable=False),
    sa.Column("filed_on", sa.Date, nullable=False),
    sa.Column("channel", sa.String(10), nullable=False),
    sa.Column("card_holder", sa.Boolean, nullable=False),
    sa.Column("created_at", Moment, nullable=False),
    sa.Column("provided_at", Moment, nullable=True),
    sa.Column("provided_to", sa.String(6), nullable=True),
)

pending_move_in = sa.Table(
    "pending_move_in",
    metadata,
    sa.Column("request_id", sa.String(36), primary_key=True),
    sa.Column("lg_code", sa.String(6), nullable=False),
    sa.Column("from_lg_code", sa.String(6), nullable=False),
    sa.Column("resident_code", sa.String(11), nullable=False),
    sa.Column("draft", sa.JSON, nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("code", sa.String(10), nullable=False),
    sa.Column("reason_ja", sa.Text, nullable=False),
    sa.Column("reason_en", sa.Text, nullable=False),
    sa.Column("notification_id", sa.String(36), nullable=True),
    sa.Column("person_ids", sa.JSON, nullable=False),
    sa.Column("outcome", sa.JSON, nullable=False),
    sa.Column("requested_by", sa.String(100), nullable=False),
    sa.Column("requested_at", Moment, nullable=False),
    sa.Column("updated_at", Moment, nullable=False),
)

# -- migration 0014 ----------------------------------------------------------------------

remote_copy = sa.Table(
    "remote_copy",
    metadata,
    sa.Column("request_id", sa.String(36), primary_key=True),
    sa.Column("lg_code", sa.String(6), nullable=False),
    sa.Column("holder_lg_code", sa.String(6), nullable=False),
    sa.Column("draft", sa.JSON, nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("code", sa.String(10), nullable=False),
    sa.Column("refusal", sa.String(40), nullable=False),
    sa.Column("reason_ja", sa.Text, nullable=False),
    sa.Column("reason_en", sa.Text, nullable=False),
    sa.Column("certificate_serial", sa.String(200), nullable=True),
    sa.Column("data", sa.JSON, nullable=True),
    sa.Column("requested_by", sa.String(100), nullable=False),
    sa.Column("requested_at", Moment, nullable=False),
    sa.Column("updated_at", Moment, nullable=False),
)

move_out_confirmation = sa.Table(
    "move_out_confirmation",
    metadata,
    sa.Column("lg_code", sa.String(6), primary_key=True),
    sa.Column("from_lg_code", sa.String(6), primary_key=True),
    sa.Column("their_person_id", sa.String(36), primary_key=True),
    sa.Column("person_id", sa.String(36), nullable=True),
    sa.Column("resident_code", sa.String(11), nullable=True),
    sa.Column("notification_id", sa.String(36), nullable=True),
    sa.Column("how", sa.String(30), nullable=False),
    sa.Column("removed_on", sa.Date, nullable=True),
    sa.Column("received_at", Moment, nullable=False),
)

# 来庁予定 of an online 転出 (migration 0056, ADR 0025): booked at the old municipality,
# sent to the new one as ``municipality.<new>.visit_reservation``.
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
