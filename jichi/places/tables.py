"""Places tables: the mergers this deployment carried out (mirrors migration 0060).

``place_change`` is one merger; ``place_change_party`` one row per predecessor, so that
the row-security policy can ask "is this code a predecessor of the served one" with an
indexed lookup instead of reading JSON.
"""

from __future__ import annotations

import sqlalchemy as sa

from jichi.store.metadata import metadata

Moment = sa.DateTime(timezone=True)

place_change = sa.Table(
    "place_change",
    metadata,
    sa.Column("change_id", sa.String(36), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("effective_date", sa.Date, nullable=False),
    sa.Column("successor_code", sa.String(6), nullable=False),
    sa.Column("successor", sa.JSON, nullable=False),
    sa.Column("recorded_at", Moment, nullable=False),
    sa.Column("recorded_by", sa.String(100), nullable=False),
    sa.Column("summary", sa.JSON, nullable=False),
)

place_change_party = sa.Table(
    "place_change_party",
    metadata,
    sa.Column("change_id", sa.String(36), primary_key=True),
    sa.Column("predecessor_code", sa.String(6), primary_key=True),
    sa.Column("successor_code", sa.String(6), nullable=False, index=True),
    sa.Column("effective_date", sa.Date, nullable=False),
)

# Wide-area arrangements (migration 0061): one row each, members over time beside it.
cooperation = sa.Table(
    "cooperation",
    metadata,
    sa.Column("arrangement_id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_to", sa.Date, nullable=True),
    sa.Column("services", sa.JSON, nullable=False),
    sa.Column("rules_of", sa.String(20), nullable=False),
    sa.Column("basis", sa.Text, nullable=False),
    sa.Column("recorded_at", Moment, nullable=False),
)

cooperation_member = sa.Table(
    "cooperation_member",
    metadata,
    sa.Column("arrangement_id", sa.String(64), primary_key=True),
    sa.Column("lg_code", sa.String(6), primary_key=True),
    sa.Column("role", sa.String(20), primary_key=True),
    sa.Column("valid_from", sa.Date, primary_key=True),
    sa.Column("valid_to", sa.Date, nullable=True),
)
