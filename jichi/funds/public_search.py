"""The public search of donors and payers (公開検索) across organisations and years.

What is searched is only what :mod:`jichi.funds.disclosure` says the law publishes, stored
by :func:`refresh` in the same transaction as the authority's publication (公表) of the
version it comes from (:mod:`jichi.funds.publication`), so a report is searchable the moment
it is published, a filed but unpublished one never is, and a published 訂正 replaces its
lines atomically.  Searches page by a keyset on (amount descending, organisation, year,
line), so page 1,000 costs what page 1 does and no line is shown twice or skipped while
paging.  Names match by prefix on the kernel's folded key (髙橋 finds 高橋, 渡邊 finds 渡辺).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.funds import law
from jichi.funds.disclosure import DONATION, PARTY_TICKET, PublicLine, public_lines
from jichi.funds.income_sources import SOURCES, income_by_source
from jichi.funds.reports import AnnualReport
from jichi.funds.tables import funds_public_line, funds_public_total
from jichi.kernel.errors import JichiError, define
from jichi.kernel.text import name_search_key
from jichi.store.match import prefix_match

MAX_LIMIT = 100

BAD_CURSOR = define(
    "FND-070",
    "検索の続きの位置（cursor）が正しくありません。最初から検索し直してください。",
    "the search cursor is not one this search issued",
)
BAD_RANGE = define(
    "FND-071",
    "金額の範囲が正しくありません（下限 {minimum}円 が上限 {maximum}円 を超えています）。",
    "the amount range is empty: minimum {minimum} is over maximum {maximum}",
    params=("minimum", "maximum"),
)


@dataclass(frozen=True)
class Search:
    """A public search; every filter optional.  ``name`` matches the start of the folded name."""

    name: str | None = None
    organization_id: str | None = None
    year: int | None = None
    kind: str | None = None  # 寄附 or パーティー対価
    donor_kind: str | None = None
    min_amount: int | None = None
    max_amount: int | None = None
    limit: int = 20
    cursor: str | None = None


@dataclass(frozen=True)
class Found:
    lines: list[PublicLine]
    next_cursor: str | None


@dataclass(frozen=True)
class Total:
    organization_id: str
    organization_name: str
    year: int
    version: int
    income_total: int
    donations: int
    donations_listed: int
    donations_unlisted: int
    anonymous: int
    party_tickets_listed: int
    expenditure_total: int
    lines: int


def refresh(
    conn: Connection,
    organization_id: str,
    report: AnnualReport,
    version: int,
    *,
    table: law.Table = law.RULES,
) -> int:
    """Replace the organisation's published lines and totals for the year; how many lines.

    Called only by :func:`jichi.funds.publication.publish`, inside its transaction.
    """
    lines = public_lines(organization_id, report, table=table)
    where = (funds_public_line.c.organization_id == organization_id) & (
        funds_public_line.c.year == report.year
    )
    conn.execute(funds_public_line.delete().where(where))
    if lines:
        conn.execute(
            funds_public_line.insert(),
            [
                {
                    "organization_id": line.organization_id,
                    "year": line.year,
                    "seq": line.seq,
                    "version": version,
                    "organization_name": line.organization_name,
                    "kind": line.kind,
                    "donor_kind": line.donor_kind,
                    "name": line.name,
                    "name_key": line.name_key,
                    "address": line.address,
                    "occupation": line.occupation,
                    "amount": line.amount,
                    "given_on": line.on,
                }
                for line in lines
            ],
        )
    donations = sum(g.amount for g in report.donations)
    listed = sum(line.amount for line in lines if line.kind == DONATION)
    anonymous = sum(g.amount for g in report.donations if g.donor_id is None)
    totals = {
        "version": version,
        "organization_name": report.organization_name,
        "income_total": report.income.total,
        "donations": donations,
        "donations_listed": listed,
        "donations_unlisted": donations - listed - anonymous,
        "anonymous": anonymous,
        "party_tickets_listed": sum(x.amount for x in lines if x.kind == PARTY_TICKET),
        "expenditure_total": report.expenditure_total,
        "lines": len(lines),
        **{f"income_{key}": value for key, value in income_by_source(report).items()},
    }
    conn.execute(
        funds_public_total.delete().where(
            (funds_public_total.c.organization_id == organization_id)
            & (funds_public_total.c.year == report.year)
        )
    )
    conn.execute(
        funds_public_total.insert().values(
            organization_id=organization_id, year=report.year, **totals
        )
    )
    return len(lines)


def search(conn: Connection, query: Search) -> Found:
    """One page of published lines, largest amounts first."""
    if (
        query.min_amount is not None
        and query.max_amount is not None
        and query.min_amount > query.max_amount
    ):
        raise JichiError(
            BAD_RANGE, field="min_amount", minimum=query.min_amount, maximum=query.max_amount
        )
    limit = max(1, min(query.limit, MAX_LIMIT))
    t = funds_public_line.c
    conditions: list[Any] = []
    if query.name and (key := name_search_key(query.name)):
        conditions.append(prefix_match(t.name_key, key, conn.dialect.name == "postgresql"))
    for column, value in (
        (t.organization_id, query.organization_id),
        (t.year, query.year),
        (t.kind, query.kind),
        (t.donor_kind, query.donor_kind),
    ):
        if value is not None:
            conditions.append(column == value)
    if query.min_amount is not None:
        conditions.append(t.amount >= query.min_amount)
    if query.max_amount is not None:
        conditions.append(t.amount <= query.max_amount)
    if query.cursor:
        amount, org, year, seq = _decode(query.cursor)
        conditions.append(
            sa.or_(
                t.amount < amount,
                sa.and_(
                    t.amount == amount,
                    sa.or_(
                        t.organization_id > org,
                        sa.and_(
                            t.organization_id == org,
                            sa.or_(t.year > year, sa.and_(t.year == year, t.seq > seq)),
                        ),
                    ),
                ),
            )
        )
    # The page's keys first (from the index alone when a name is given), then their rows.
    keys = (
        sa.select(t.organization_id, t.year, t.seq, t.amount)
        .where(*conditions)
        .order_by(t.amount.desc(), t.organization_id, t.year, t.seq)
        .limit(limit + 1)
        .subquery("page")
    )
    p = keys.c
    rows = conn.execute(
        sa.select(funds_public_line)
        .join_from(
            keys,
            funds_public_line,
            (t.organization_id == p.organization_id) & (t.year == p.year) & (t.seq == p.seq),
        )
        .order_by(p.amount.desc(), p.organization_id, p.year, p.seq)
    ).all()
    lines = [_line(row) for row in rows[:limit]]
    cursor = None
    if len(rows) > limit:
        last = lines[-1]
        cursor = _encode(last.amount, last.organization_id, last.year, last.seq)
    return Found(lines, cursor)


def totals(
    conn: Connection, *, organization_id: str | None = None, year: int | None = None
) -> list[Total]:
    """Totals per organisation and year, as of the latest published version of each."""
    t = funds_public_total.c
    statement = sa.select(funds_public_total).order_by(t.year.desc(), t.organization_id)
    if organization_id is not None:
        statement = statement.where(t.organization_id == organization_id)
    if year is not None:
        statement = statement.where(t.year == year)
    return [
        Total(**{c: getattr(row, c) for c in Total.__dataclass_fields__})
        for row in conn.execute(statement.limit(1000))
    ]


def income_history(
    conn: Connection, *, organization_id: str | None = None
) -> list[tuple[int, dict[str, int]]]:
    """(year, income by source) over the published years, oldest first; summed over every
    organisation unless one is given.  Read from the totals written at publication."""
    t = funds_public_total.c
    columns = [sa.func.sum(getattr(t, f"income_{key}")).label(key) for key, _ in SOURCES]
    statement = sa.select(t.year, *columns).group_by(t.year).order_by(t.year)
    if organization_id is not None:
        statement = statement.where(t.organization_id == organization_id)
    return [
        (int(row.year), {key: int(getattr(row, key) or 0) for key, _ in SOURCES})
        for row in conn.execute(statement.limit(300))
    ]


def organizations(conn: Connection) -> list[tuple[str, str]]:
    """(id, latest published name) of every organisation with a published report."""
    t = funds_public_total.c
    latest = (
        sa.select(t.organization_id, sa.func.max(t.year).label("year"))
        .group_by(t.organization_id)
        .subquery()
    )
    rows = conn.execute(
        sa.select(t.organization_id, t.organization_name)
        .join(
            latest,
            (latest.c.organization_id == t.organization_id) & (latest.c.year == t.year),
        )
        .order_by(t.organization_name, t.organization_id)
        .limit(2000)
    )
    return [(row.organization_id, row.organization_name) for row in rows]


def top_donors(
    conn: Connection,
    *,
    year: int | None = None,
    organization_id: str | None = None,
    limit: int = 10,
) -> list[Any]:
    """The largest published givers by total (name as filed, kind, total), for the chart."""
    t = funds_public_line.c
    statement = (
        sa.select(
            t.name_key, sa.func.min(t.name).label("name"), t.donor_kind, sa.func.sum(t.amount)
        )
        .group_by(t.name_key, t.donor_kind)
        .order_by(sa.func.sum(t.amount).desc(), t.name_key)
        .limit(max(1, min(limit, 50)))
    )
    if year is not None:
        statement = statement.where(t.year == year)
    if organization_id is not None:
        statement = statement.where(t.organization_id == organization_id)
    return list(conn.execute(statement))


def _line(row: Any) -> PublicLine:
    return PublicLine(
        organization_id=row.organization_id,
        organization_name=row.organization_name,
        year=row.year,
        seq=row.seq,
        kind=row.kind,
        donor_kind=row.donor_kind,
        name=row.name,
        name_key=row.name_key,
        address=row.address,
        occupation=row.occupation,
        amount=int(row.amount),
        on=row.given_on if isinstance(row.given_on, date) else date.fromisoformat(row.given_on),
    )


def _encode(amount: int, org: str, year: int, seq: int) -> str:
    raw = json.dumps([amount, org, year, seq], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[int, str, int, int]:
    try:
        if len(cursor) > 400 or not cursor.isascii():
            raise ValueError("cursor too long or not ASCII")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        amount, org, year, seq = json.loads(raw)
        if not (
            type(amount) is int
            and isinstance(org, str)
            and type(year) is int
            and type(seq) is int
            and abs(amount) < 10**15
            and 0 < year < 10_000
            and 0 <= seq < 10**9
        ):
            raise ValueError("cursor fields out of range")
        return amount, org, year, seq
    except (ValueError, TypeError, UnicodeDecodeError) as error:
        raise JichiError(BAD_CURSOR, field="cursor") from error
