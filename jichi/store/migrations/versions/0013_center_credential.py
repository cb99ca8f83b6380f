"""全国センター: rename ``center_agency_token`` to ``center_agency_credential``.

In the glossary ``agency_token`` is the 機関別符号 (a per-agency pseudonym of a
person).  The table holds something else — the hashes of the bearer tokens agencies
call the center with — so it is renamed before the clash spreads.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_center_agency_token_agency", table_name="center_agency_token")
    op.rename_table("center_agency_token", "center_agency_credential")
    op.create_index("ix_center_agency_credential_agency", "center_agency_credential", ["agency_id"])


def downgrade() -> None:
    op.drop_index("ix_center_agency_credential_agency", table_name="center_agency_credential")
    op.rename_table("center_agency_credential", "center_agency_token")
    op.create_index("ix_center_agency_token_agency", "center_agency_token", ["agency_id"])
