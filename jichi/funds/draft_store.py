"""Where the accountant's drafts live between steps (table ``funds_draft``, migration 0064).

One draft per organisation and year: the pages save each step as it is left, so a
browser closed half-way loses nothing.  A draft is the organisation's own working copy —
never filed, never public — and is removed once its report is filed.  Each function is one
short transaction; the last save of a step wins (two tabs on one draft overwrite each
other's step, never half of it).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.funds.drafts import Draft, is_draft
from jichi.funds.tables import funds_draft
from jichi.kernel.clock import now as clock_now

#: Drafts per organisation (one per year): a bound, not a rule of law.
MAX_DRAFTS = 20


def load(engine: Engine, organization_id: str, year: int) -> Draft | None:
    d = funds_draft.c
    with engine.connect() as conn:
        body = conn.execute(
            sa.select(d.body).where(d.organization_id == organization_id, d.year == year)
        ).scalar()
    return body if is_draft(body) else None


def save(engine: Engine, organization_id: str, year: int, draft: Draft) -> None:
    d = funds_draft.c
    moment = clock_now()
    with engine.begin() as conn:
        done = conn.execute(
            funds_draft.update()
            .where(d.organization_id == organization_id, d.year == year)
            .values(body=draft, updated_at=moment)
        )
        if done.rowcount == 0:
            conn.execute(
                funds_draft.insert().values(
                    organization_id=organization_id, year=year, body=draft, updated_at=moment
                )
            )


def delete(engine: Engine, organization_id: str, year: int) -> None:
    d = funds_draft.c
    with engine.begin() as conn:
        conn.execute(
            funds_draft.delete().where(d.organization_id == organization_id, d.year == year)
        )


def listing(engine: Engine, organization_id: str) -> list[tuple[int, datetime]]:
    """(year, last saved) of the organisation's drafts, newest year first."""
    d = funds_draft.c
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(d.year, d.updated_at)
            .where(d.organization_id == organization_id)
            .order_by(d.year.desc())
            .limit(MAX_DRAFTS)
        )
        return [(int(row.year), row.updated_at) for row in rows]


def count(engine: Engine, organization_id: str) -> int:
    d = funds_draft.c
    with engine.connect() as conn:
        value = conn.execute(
            sa.select(sa.func.count())
            .select_from(funds_draft)
            .where(d.organization_id == organization_id)
        ).scalar()
    return int(value or 0)
