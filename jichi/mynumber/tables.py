"""My Number tables: numbers ever issued, their changes, cards, and the event outbox.

* ``individual_number_issued`` (the center's, migration 0050): one row per number ever
  issued, never deleted; the number is stored encrypted (``number_enc``, FieldCipher
  context ``individual_number``) and found by its keyed blind index ``number_hash``
  (the primary key, so "ever issued" is one index probe); the resident code is kept
  only as a blind index (``code_hash``).  At most one ``active`` row per code.
* ``individual_number_change``: the history of 番号法7条2項 changes.
* ``mynumber_event``: domain events (card suspended, number changed …) written in the
  transaction that caused them; listeners in-process and the network relay read it.
* ``mynumber_card`` (migration 0051): one row per card of a municipality; ``data`` is
  the whole pure :class:`jichi.mynumber.card.Card` (PIN counters included), and
  ``state``/``lapses_on`` are copies of it kept for indexes (the deadline query).
"""

from __future__ import annotations

import sqlalchemy as sa

from jichi.store.metadata import metadata

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Moment = sa.DateTime(timezone=True)

individual_number_issued = sa.Table(
    "individual_number_issued",
    metadata,
    sa.Column("number_hash", sa.String(64), primary_key=True),
    sa.Column("number_enc", sa.Text, nullable=False),
    sa.Column("code_hash", sa.String(64), nullable=False),
    sa.Column("counter", sa.Integer, nullable=False),
    sa.Column("status", sa.String(12), nullable=False),  # active | superseded
    sa.Column("issued_at", Moment, nullable=False),
    sa.Column("issued_by", sa.String(100), nullable=False),
    sa.Column("superseded_at", Moment, nullable=True),
    sa.Column("superseded_by", sa.String(64), nullable=True),
)
sa.Index("ix_individual_number_issued_code", individual_number_issued.c.code_hash)
sa.Index(
    "uq_individual_number_active_code",
    individual_number_issued.c.code_hash,
    unique=True,
    sqlite_where=individual_number_issued.c.status == "active",
    postgresql_where=individual_number_issued.c.status == "active",
)

individual_number_change = sa.Table(
    "individual_number_change",
    metadata,
    sa.Column("seq", BigId, primary_key=True, autoincrement=True),
    sa.Column("code_hash", sa.String(64), nullable=False),
    sa.Column("old_hash", sa.String(64), nullable=False),
    sa.Column("new_hash", sa.String(64), nullable=False),
    sa.Column("origin", sa.String(12), nullable=False),  # request | ex_officio
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("changed_at", Moment, nullable=False),
    sa.Column("changed_by", sa.String(100), nullable=False),
)
sa.Index("ix_individual_number_change_code", individual_number_change.c.code_hash)

mynumber_event = sa.Table(
    "mynumber_event",
    metadata,
    sa.Column("seq", BigId, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(36), nullable=False, unique=True),
    sa.Column("lg_code", sa.String(6), nullable=True),  # None: the center's
    sa.Column("topic", sa.String(80), nullable=False),
    sa.Column("card_id", sa.String(36), nullable=True),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("occurred_on", sa.Date, nullable=False),
    sa.Column("recorded_at", Moment, nullable=False),
    sa.Column("sent_at", Moment, nullable=True),
)
sa.Index("ix_mynumber_event_unsent", mynumber_event.c.sent_at, mynumber_event.c.seq)
sa.Index("ix_mynumber_event_card", mynumber_event.c.lg_code, mynumber_event.c.card_id)

mynumber_card = sa.Table(
    "mynumber_card",
    metadata,
    sa.Column("lg_code", sa.String(6), primary_key=True),
    sa.Column("card_id", sa.String(36), primary_key=True),
    sa.Column("person_id", sa.String(36), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("lapses_on", sa.Date, nullable=True),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", Moment, nullable=False),
)
sa.Index("ix_mynumber_card_person", mynumber_card.c.lg_code, mynumber_card.c.person_id)
sa.Index("ix_mynumber_card_due", mynumber_card.c.lg_code, mynumber_card.c.lapses_on)
