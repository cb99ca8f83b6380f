"""Elections tables: the 選挙人名簿 (0030), elections (0031), polling (0032), counting (0033).

The persisted 選挙人名簿 has one entry per person per municipality.

An entry records when the person was registered and, once they happen, the 表示
(``marked_on``) and 抹消 (``struck_on``) with their reasons and the period convention
the decision used: the roll is 永久 (it lasts until struck), so the history of an entry
is the answer to 「いつ、なぜ」.  Eligibility itself is never stored; it is re-derived
from dates by ``jichi.elections.roll``.  Mirrors migrations 0030-0033.
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

# --- 0031: elections, parties, candidates -------------------------------------------
election = sa.Table(
    "election",
    metadata,
    sa.Column("election_id", sa.String(36), primary_key=True),
    sa.Column("lg_code", sa.String(6), nullable=False),
    sa.Column("kind", sa.String(30), nullable=False),  # ElectionType value
    sa.Column("by_election", sa.Boolean, nullable=False),  # 補欠選挙
    sa.Column("district", sa.String(100), nullable=False),
    sa.Column("seats", sa.Integer, nullable=False),
    sa.Column("announced_on", sa.Date, nullable=False),  # 公示日 / 告示日
    sa.Column("polling_day", sa.Date, nullable=False),
    sa.Column("created_at", Moment, nullable=False),
)
election_party = sa.Table(
    "election_party",
    metadata,
    sa.Column("election_id", sa.String(36), primary_key=True),
    sa.Column("party", sa.String(100), primary_key=True),
    sa.ForeignKeyConstraint(["election_id"], ["election.election_id"], ondelete="CASCADE"),
)
election_candidate = sa.Table(
    "election_candidate",
    metadata,
    sa.Column("election_id", sa.String(36), primary_key=True),
    sa.Column("candidate_id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("party", sa.String(100), nullable=True),
    sa.Column("list_rank", sa.Integer, nullable=True),  # 衆院比例: shared by dual candidates
    sa.Column("dual", sa.Boolean, nullable=False),  # 重複立候補
    sa.Column("priority_order", sa.Integer, nullable=True),  # 参院比例 特定枠 order
    sa.ForeignKeyConstraint(["election_id"], ["election.election_id"], ondelete="CASCADE"),
)

# --- 0032: stations and check-ins (one per voter per election) ------------------------
polling_station = sa.Table(
    "polling_station",
    metadata,
    sa.Column("election_id", sa.String(36), primary_key=True),
    sa.Column("station_id", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),  # day | early | absentee
    sa.Column("polling_district", sa.String(40), nullable=False),
    sa.Column("offline_since", Moment, nullable=True),  # set while the link is down
    sa.ForeignKeyConstraint(["election_id"], ["election.election_id"], ondelete="CASCADE"),
)
check_in = sa.Table(
    "check_in",
    metadata,
    # The primary key IS the rule "a voter votes once": the loser of a race reads this row.
    sa.Column("election_id", sa.String(36), primary_key=True),
    sa.Column("voter_id", sa.String(36), primary_key=True),
    sa.Column("station_id", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),  # day | early | absentee
    sa.Column("clerk_id", sa.String(100), nullable=False),  # 100 since 0036 (a staff id)
    sa.Column("checked_in_at", Moment, nullable=False),
    sa.Column("hour_slot", sa.String(13), nullable=False),  # JST "YYYY-MM-DDTHH"
    sa.Column("polling_district", sa.String(40), nullable=False),
    sa.Column("sex", sa.String(10), nullable=False),
    sa.Column("age_band", sa.String(10), nullable=False),
    sa.Column("offline", sa.Boolean, nullable=False),  # replayed from an offline queue
    sa.Column("recorded_at", Moment, nullable=False),
    sa.ForeignKeyConstraint(["election_id"], ["election.election_id"], ondelete="CASCADE"),
)
sa.Index("ix_check_in_station", check_in.c.election_id, check_in.c.station_id)

# --- 0033: tallies (two entries), count observations, lots -----------------------------
tally_entry = sa.Table(
    "tally_entry",
    metadata,
    sa.Column("election_id", sa.String(36), primary_key=True),
    sa.Column("counting_district", sa.String(40), primary_key=True),
    sa.Column("round", sa.Integer, primary_key=True),  # 1 or 2 (four eyes)
    sa.Column("staff_id", sa.String(100), nullable=False),  # 100 since 0036
    sa.Column("lines", sa.Text, nullable=False),  # canonical JSON of the tally lines
    sa.Column("entered_at", Moment, nullable=False),
    sa.ForeignKeyConstraint(["election_id"], ["election.election_id"], ondelete="CASCADE"),
)
count_observation = sa.Table(
    "count_observation",
    metadata,
    sa.Column("observation_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("election_id", sa.String(36), nullable=False),
    sa.Column("counting_district", sa.String(40), nullable=False),
    sa.Column("line", sa.String(140), nullable=False),  # candidate:<id> | invalid:<code>
    sa.Column("votes", sa.String(60), nullable=False),  # exact fraction "n" or "n/d"
    sa.Column("observed_at", Moment, nullable=False),
    sa.ForeignKeyConstraint(["election_id"], ["election.election_id"], ondelete="CASCADE"),
)
sa.Index(
    "ix_count_observation_time", count_observation.c.election_id, count_observation.c.observed_at
)
lot_record = sa.Table(
    "lot_record",
    metadata,
    sa.Column("election_id", sa.String(36), primary_key=True),
    sa.Column("purpose", sa.String(60), primary_key=True),  # what the lot decided
    sa.Column("contenders", sa.Text, nullable=False),  # JSON list
    sa.Column("drawn", sa.Text, nullable=False),  # JSON list, the names the lot chose
    sa.Column("recorded_by", sa.String(100), nullable=False),  # 100 since 0036
    sa.Column("recorded_at", Moment, nullable=False),
    sa.ForeignKeyConstraint(["election_id"], ["election.election_id"], ondelete="CASCADE"),
)

# --- 0034: 投票区 table (the commission's 町字・番地 ranges) -----------------------------
polling_district_range = sa.Table(
    "polling_district_range",
    metadata,
    sa.Column("lg_code", sa.String(6), primary_key=True),
    sa.Column("line", sa.Integer, primary_key=True),  # the row's line in the imported CSV
    sa.Column("code", sa.String(40), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("town", sa.String(200), nullable=False),
    sa.Column("block_from", sa.String(100), nullable=False),
    sa.Column("block_to", sa.String(100), nullable=False),
    sa.Column("imported_at", Moment, nullable=False),
)

# --- 0035: a built roll (調製): each voter's district and 選挙人番号 at one moment --------
voter_roll_build = sa.Table(
    "voter_roll_build",
    metadata,
    sa.Column("build_id", sa.String(36), primary_key=True),
    sa.Column("lg_code", sa.String(6), nullable=False),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("built_at", Moment, nullable=False),
    sa.Column("built_by", sa.String(100), nullable=False),
)
voter_roll_build_entry = sa.Table(
    "voter_roll_build_entry",
    metadata,
    sa.Column("build_id", sa.String(36), primary_key=True),
    sa.Column("person_id", sa.String(36), primary_key=True),
    sa.Column("status", sa.String(10), nullable=False),  # live | marked | struck
    sa.Column("reason", sa.String(200), nullable=True),  # mark_reason or strike_reason
    sa.Column("district", sa.String(40), nullable=True),  # NULL: in no district (ELE-033)
    sa.Column("number", sa.Integer, nullable=True),  # 選挙人番号 within the district
    sa.Column("sex", sa.String(6), nullable=True),
    sa.Column("date_of_birth", sa.Date, nullable=True),
    sa.ForeignKeyConstraint(["build_id"], ["voter_roll_build.build_id"], ondelete="CASCADE"),
)

# --- 0036: the moment a result became 確定 ----------------------------------------------
election_declaration = sa.Table(
    "election_declaration",
    metadata,
    sa.Column("election_id", sa.String(36), primary_key=True),
    sa.Column("declared_at", Moment, nullable=False),
    sa.Column("declared_by", sa.String(100), nullable=False),
    sa.ForeignKeyConstraint(["election_id"], ["election.election_id"], ondelete="CASCADE"),
)
