"""Row security for the election tables, and the successor's read of the counter day.

The elections context arrived after 0017: its tables were bound to one municipality by the
stores' filters only.  Who checked in at which station is as personal as a 住民票 (whether a
person voted), and a roll build's entries carry each voter's district, number, sex and
birth date, so the third wall now covers them too:

* ``election``, ``polling_district_range`` and ``voter_roll_build`` hold ``lg_code``: the
  policy of 0060 (a successor also *reads* its predecessors' rows; writes stay bound to
  the served code).
* The tables keyed by ``election_id`` (candidates, parties, stations, check-ins, tallies,
  observations, lots, declarations) admit the rows of the served municipality's
  elections; ``voter_roll_build_entry`` those of its builds.  The sub-selects are on
  tables under row security themselves, so they can never widen what is seen.

The counter day's tables (0024, 0025) had 0017's policy, without 0060's read of the
predecessors: after a merger the successor could read a predecessor's certificates but
not the receipts, charges and voids that go with them.  They get 0060's policy.

An empty setting admits every row, as everywhere (migrations, CLI, center, nodes).

Revision ID: 0068
Revises: 0036
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0068"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY = "jichi_tenant"
SETTING = "coalesce(current_setting('jichi.lg_code', true), '')"
CHECK = f"{SETTING} IN ('', lg_code)"
READ = (
    f"{CHECK} OR lg_code IN (SELECT predecessor_code FROM place_change_party"
    f" WHERE successor_code = {SETTING})"
)
WITH_LG_CODE = ("election", "polling_district_range", "voter_roll_build")
BY_ELECTION = (
    "election_candidate",
    "election_party",
    "polling_station",
    "check_in",
    "tally_entry",
    "count_observation",
    "lot_record",
    "election_declaration",
)
COUNTER_DAY = (
    "reception",
    "reception_step",
    "fee_schedule",
    "certificate_charge",
    "receipt",
    "certificate_void",
)


def _through(column: str, parent: str) -> tuple[str, str]:
    """(USING, WITH CHECK) for a child table reached through ``parent``'s ``column``."""
    read = f"{SETTING} = '' OR {column} IN (SELECT {column} FROM {parent})"
    write = (
        f"{SETTING} = '' OR {column} IN (SELECT {column} FROM {parent} WHERE lg_code = {SETTING})"
    )
    return read, write


def _present() -> set[str]:
    return set(sa.inspect(op.get_bind()).get_table_names())


def _protect(table: str, using: str, check: str) -> None:
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
    op.execute(f"CREATE POLICY {POLICY} ON {table} USING ({using}) WITH CHECK ({check})")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    present = _present()
    for table in (*WITH_LG_CODE, *COUNTER_DAY):
        if table in present:
            _protect(table, READ, CHECK)
    for table in BY_ELECTION:
        if table in present:
            _protect(table, *_through("election_id", "election"))
    if "voter_roll_build_entry" in present:
        _protect("voter_roll_build_entry", *_through("build_id", "voter_roll_build"))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    present = _present()
    for table in COUNTER_DAY:
        if table in present:
            _protect(table, CHECK, CHECK)
    for table in (*WITH_LG_CODE, *BY_ELECTION, "voter_roll_build_entry"):
        if table in present:
            op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
            op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
