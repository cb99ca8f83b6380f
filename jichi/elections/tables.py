"""Elections tables: the persisted 選挙人名簿 (one entry per person per municipality).

An entry records when the person was registered and, once they happen, the 表示
(``marked_on``) and 抹消 (``struck_on``) with their reasons and the period convention
the decision used: the roll is 永久 (it lasts until struck), so the history of an entry
is the answer to 「いつ、なぜ」.  Eligibility itself is never stored; it is re-derived
from dates by ``jichi.elections.roll``.  Mirrors migration 0030.
"""

from __future__ import annotations

import sqlalchemy as sa

from jichi.store.metadata import metadata

Moment = sa.DateTime(timezone=True)

voter_roll_entry = sa.Table(
    "voter_roll_entry",
    metadata,
    sa.Column("lg_code", sa.String(6), primary_key=True),
    sa.Column("person_id", sa.String(36), primary_key=True),
    sa.Column("registered_on", sa.Date, nullable=False),
    sa.Column("registration_kind", sa.String(20), nullable=False),  # periodic | election
    sa.Column("base_date", sa.Date, nullable=False),
    sa.Column("marked_on", sa.Date, nullable=True),
    sa.Column("mark_reason", sa.String(40), nullable=True),
    sa.Column("struck_on", sa.Date, nullable=True),
    sa.Column("strike_reason", sa.String(200), nullable=True),
    sa.Column("convention", sa.String(40), nullable=False),
    sa.Column("updated_at", Moment, nullable=False),
)
sa.Index("ix_voter_roll_entry_active", voter_roll_entry.c.lg_code, voter_roll_entry.c.struck_on)
