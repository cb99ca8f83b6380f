"""The network's table: the inbox of received messages.  Mirrors migration 0010.

``lg_code`` is the sending municipality; ``seq``/``previous_seq`` place the message in
its chain (sender, topic, ordering key).  A row with ``applied_at`` NULL is parked:
it waits for its predecessor, and ``envelope`` keeps it until then.
"""

from __future__ import annotations

import sqlalchemy as sa

from jichi.store.metadata import metadata

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Moment = sa.DateTime(timezone=True)

inbox = sa.Table(
    "inbox",
    metadata,
    sa.Column("message_id", sa.String(36), primary_key=True),
    sa.Column("lg_code", sa.String(6), nullable=False),
    sa.Column("topic", sa.String(200), nullable=False),
    sa.Column("ordering_key", sa.String(40), nullable=False),
    sa.Column("seq", BigId, nullable=False),
    sa.Column("previous_seq", BigId, nullable=True),
    sa.Column("envelope", sa.JSON, nullable=True),
    sa.Column("received_at", Moment, nullable=False),
    sa.Column("applied_at", Moment, nullable=True),
)
