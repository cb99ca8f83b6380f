"""Searching the registry: by name (variants folded), reading, birth date, address,
resident code or household — paginated by a keyset so page 1,000 costs what page 1 does.

A name is a prefix of the whole name (氏 then 名: 山田, 山田太) or of the given name alone
(太郎 finds 山田　太郎): clerks are often told a given name first.  The given name's key is
the whole name's key after the surname's (:func:`given_key`), indexed by migration 0027.

Every search key is folded with the same functions that filled the index columns
(``jichi.kernel.text``), so 髙橋 finds 高橋 and ﾔﾏﾀﾞ finds ヤマダ; the names shown are
the stored ones, exactly as written.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.kernel.address import fold_address
from jichi.kernel.errors import INVALID_INPUT, JichiError
from jichi.kernel.inputs import check_text
from jichi.kernel.text import name_search_key, reading_search_key
from jichi.registry.model import ResidentRecord
from jichi.registry.tables import resident
from jichi.store.match import prefix_match

MAX_PAGE = 100


@dataclass(frozen=True)
class SearchQuery:
    name: str | None = None  # 氏名（前方一致、異体字を同一視）
    kana: str | None = None  # フリガナ（前方一致）
    date_of_birth: date | None = None
    address: str | None = None  # 町字・番地（前方一致）
    resident_code: str | None = None
    household_id: str | None = None
    include_removed: bool = False
    limit: int = 20
    cursor: str | None = None

    def is_empty(self) -> bool:
        return not any(
            (
                self.name,
                self.kana,
                self.date_of_birth,
                self.address,
                self.resident_code,
                self.household_id,
            )
        )


@dataclass(frozen=True)
class SearchPage:
    records: list[ResidentRecord]
    next_cursor: str | None


def search(conn: Connection, lg_code: str, query: SearchQuery) -> SearchPage:
    limit = max(1, min(query.limit, MAX_PAGE))
    postgres = conn.dialect.name == "postgresql"
    where: list[Any] = [resident.c.lg_code == lg_code]
    if not query.include_removed:
        where.append(resident.c.status == "active")
    kana_key, person_key = (
        _ordered(resident.c.kana_key, postgres),
        _ordered(resident.c.person_id, postgres),
    )
    if query.kana:
        # A range in the listing order: the reading-order index serves filter and order.
        key = reading_search_key(query.kana)
        where.append(sa.and_(kana_key >= key, kana_key < key + "\U0010ffff"))
    if query.address:
        where.append(prefix_match(resident.c.address_key, fold_address(query.address), postgres))
    if query.date_of_birth:
        where.append(resident.c.date_of_birth == query.date_of_birth)
    if query.resident_code:
        where.append(resident.c.resident_code == query.resident_code)
    if query.household_id:
        where.append(resident.c.household_id == query.household_id)
    order = (kana_key, person_key)
    if query.cursor:
        kana, person_id = _decode(query.cursor)
        where.append(sa.tuple_(*order) > sa.tuple_(sa.literal(kana), sa.literal(person_id)))
    rows: list[Any]
    if query.name:
        key = name_search_key(query.name)
        whole = prefix_match(resident.c.name_key, key, postgres)
        given = sa.and_(prefix_match(given_key(), key, postgres), sa.not_(whole))
        rows = _page_of_prefix_matches(
            conn, [[*where, whole], [*where, given]], limit + 1, postgres
        )
    elif query.address:
        rows = _page_of_prefix_matches(conn, [where], limit + 1, postgres)
    else:
        rows = list(
            conn.execute(
                sa.select(resident.c.record, resident.c.kana_key, resident.c.person_id)
                .where(*where)
                .order_by(*order)
                .limit(limit + 1)
            ).all()
        )
    records = [ResidentRecord.model_validate(row.record) for row in rows[:limit]]
    cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        cursor = _encode(last.kana_key, last.person_id)
    return SearchPage(records, cursor)


def _ordered(column: Any, postgres: bool) -> Any:
    """The column in listing order: code point order on both databases.

    SQLite compares text as bytes; PostgreSQL follows the database's collation, which a
    municipality may have set to anything.  COLLATE "C" (the collation of the ordering
    index, migration 0015) gives PostgreSQL SQLite's order — アイウエオ順 for katakana
    keys — and lets a reading prefix be an index range.
    """
    return column.collate("C") if postgres else column


def given_key() -> Any:
    """The given name's search key: the name key after the surname's (index of 0027).

    Written exactly as the index expression, a literal ``1`` included, so that SQLite and
    PostgreSQL both match it to the index.
    """
    return sa.func.substr(
        resident.c.name_key, sa.func.length(resident.c.family_key) + sa.literal_column("1")
    )


def _page_of_prefix_matches(
    conn: Connection, branches: list[list[Any]], size: int, postgres: bool
) -> list[Any]:
    """One page of a name or address search, whatever the prefix's frequency.

    The filter (a prefix of the name or address key) and the order (the reading) are on
    different columns.  Left to itself, PostgreSQL walks the reading-order index and
    filters when it guesses the prefix is common, which reads most of the city when the
    guess is wrong (0.7 s for 佐 in a million residents).  Here the matches are first
    collected from the covering prefix index alone (migration 0015: it carries status,
    reading and person id), MATERIALIZED so the planner cannot fold the step away, then
    sorted; only the page's rows are read from the table.

    ``branches`` are disjoint filters, each served by its own index (a whole-name prefix,
    a given-name prefix); their matches are concatenated (UNION ALL) before the sort, so
    the whole-name branch keeps the plan the search benchmark measures.
    """
    selects = [sa.select(resident.c.person_id, resident.c.kana_key).where(*w) for w in branches]
    found = selects[0] if len(selects) == 1 else sa.union_all(*selects)
    matches = found.cte("matches").prefix_with("MATERIALIZED")
    page = (
        sa.select(matches.c.person_id, matches.c.kana_key)
        .order_by(_ordered(matches.c.kana_key, postgres), _ordered(matches.c.person_id, postgres))
        .limit(size)
        .subquery("page")
    )
    return list(
        conn.execute(
            sa.select(resident.c.record, page.c.kana_key, page.c.person_id)
            .join_from(page, resident, resident.c.person_id == page.c.person_id)
            .order_by(_ordered(page.c.kana_key, postgres), _ordered(page.c.person_id, postgres))
        ).all()
    )


def _encode(kana: str, person_id: str) -> str:
    raw = json.dumps([kana, person_id], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        kana, person_id = json.loads(raw)
        if not (isinstance(kana, str) and isinstance(person_id, str)):
            raise TypeError("cursor items must be text")
        # A lone surrogate or a NUL from a crafted cursor would fail in the driver.
        check_text(kana, field="cursor", max_length=400)
        check_text(person_id, field="cursor", max_length=64)
        return kana, person_id
    except (ValueError, TypeError, RecursionError, JichiError) as error:
        raise JichiError(INVALID_INPUT, field="cursor") from error
