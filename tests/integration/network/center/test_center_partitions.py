"""The center's identity tables are hash partitions of the resident code (0065, ADR 0035).

On PostgreSQL every statement the center runs about one person, on the asyncpg hot path
and on the SQLAlchemy path alike, must read one partition of each table: the statements
are recorded while real requests and real identity updates run, then each is run again
under ``EXPLAIN (ANALYZE)`` with the same parameters (in a transaction rolled back) and
the partitions whose scans actually ran are counted.  On SQLite the tables stay plain.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from jichi.web.center.app import asyncpg_dsn, create_center_app
from tests.integration.network.center.conftest import (
    CODE,
    KAWAGOE,
    PENSION_PURPOSE,
    YOKOHAMA,
    Municipality,
    deliver,
    pension_office,
)

TABLES = ("center_identity", "center_identity_history")
PARTITION = re.compile(r"^(center_identity(?:_history)?)_p\d+$")
CODES = [CODE, *(f"{n:011d}" for n in range(70000000001, 70000000013))]  # spread over parts


def partitions(plan: Any) -> dict[str, set[str]]:
    """Per table, the partitions whose scan node ran at least once in an analysed plan."""
    touched: dict[str, set[str]] = {}

    def walk(node: dict[str, Any]) -> None:
        found = PARTITION.match(node.get("Relation Name", ""))
        if found and node.get("Actual Loops", 0) > 0:
            touched.setdefault(found.group(1), set()).add(node["Relation Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return touched


def about_identity(statement: str) -> bool:
    verb = statement.lstrip().split(None, 1)[0].upper()
    return verb in ("SELECT", "WITH", "UPDATE") and "center_identity" in statement


@pytest.fixture
def filed(engine: Engine) -> None:
    kawagoe, yokohama = Municipality(KAWAGOE), Municipality(YOKOHAMA)
    deliver(engine, [yokohama.update("move_in", "2025-04-01", code=code) for code in CODES])
    deliver(engine, [kawagoe.update("move_in", "2026-04-01", code=CODE)])


def test_identity_tables_are_hash_partitions_on_postgresql_and_plain_on_sqlite(
    engine: Engine,
) -> None:
    with engine.connect() as conn:
        if engine.dialect.name != "postgresql":
            kinds = conn.execute(
                sa.text("SELECT name, type FROM sqlite_master WHERE name LIKE 'center_identity%'")
            ).all()
            assert {name for name, kind in kinds if kind == "table"} == set(TABLES)
            return
        for table in TABLES:
            strategy, key = conn.execute(
                sa.text(
                    "SELECT p.partstrat, a.attname FROM pg_partitioned_table p"
                    " JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]"
                    " WHERE p.partrelid = CAST(:t AS regclass)"
                ),
                {"t": table},
            ).one()
            count = conn.execute(
                sa.text("SELECT count(*) FROM pg_inherits WHERE inhparent = CAST(:t AS regclass)"),
                {"t": table},
            ).scalar_one()
            assert (strategy, key, count) == ("h", "resident_code", 16)


def test_the_history_keeps_its_sequence_and_stays_append_only(engine: Engine, filed: None) -> None:
    with engine.connect() as conn:
        ids = conn.execute(sa.text("SELECT history_id FROM center_identity_history")).scalars()
        assert sorted(ids) == list(range(1, len(CODES) + 2))
    with pytest.raises(sa.exc.DatabaseError), engine.begin() as conn:
        conn.execute(sa.text("UPDATE center_identity_history SET name = '改ざん'"))


FILLER = """
INSERT INTO center_identity_history (resident_code, message_id, sender, seq, lg_code,
    person_id, status, reason, effective_date, name, name_kana, name_key, date_of_birth,
    sex, address, address_key, has_individual_number, received_at)
SELECT '6' || lpad(i::text, 10, '0'), md5(i::text), '112011', i, '112011', md5(i::text),
    'active', 'import', DATE '2020-04-01', '山田　花子' || i, 'ヤマダ　ハナコ', '山田花子' || i,
    DATE '1950-01-01' + i % 20000, 'female', '埼玉県川越市大字的場' || i, '大字的場' || i,
    true, now()
FROM generate_series(1, 20000) AS i;
INSERT INTO center_identity (resident_code, lg_code, person_id, status, reason,
    effective_date, name, name_kana, name_key, date_of_birth, sex, address, address_key,
    has_individual_number, history_id, updated_at)
SELECT resident_code, lg_code, person_id, status, reason, effective_date, name, name_kana,
    name_key, date_of_birth, sex, address, address_key, has_individual_number, history_id,
    received_at
FROM center_identity_history WHERE resident_code LIKE '6%';
ANALYZE center_identity_history;
ANALYZE center_identity;
"""


def filler(engine: Engine) -> None:
    """20,000 more people and fresh statistics: the planner then plans as it does for a
    real center (on a handful of rows a sequential scan of every partition is cheapest)."""
    with engine.begin() as conn:
        for statement in FILLER.split(";"):
            if statement.strip():
                conn.execute(sa.text(statement))


@pytest.fixture
def recorded_sql(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Statements about identity rows that SQLAlchemy sends, with their parameters."""
    if engine.dialect.name != "postgresql":
        pytest.skip("partitions are PostgreSQL's")
    seen: list[tuple[str, Any]] = []

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if about_identity(statement):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


def explained(engine: Engine, statement: str, parameters: Any) -> dict[str, set[str]]:
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters)
            (plan,) = cursor.fetchone()
        return partitions(plan if isinstance(plan, list) else json.loads(plan))
    finally:
        raw.rollback()
        raw.close()


def test_filing_and_the_sqlalchemy_path_read_one_partition(
    engine: Engine, recorded_sql: list[tuple[str, Any]]
) -> None:
    filler(engine)
    kawagoe, yokohama = Municipality(KAWAGOE), Municipality(YOKOHAMA)
    deliver(engine, [yokohama.update("move_in", "2025-04-01", code=code) for code in CODES[:4]])
    deliver(engine, [kawagoe.update("move_in", "2026-04-01", code=CODES[1])])
    _, token = pension_office(engine)
    with TestClient(create_center_app(engine, hot_path=False)) as client:
        for code in CODES[:4]:
            answer = client.post(
                "/v1/verify",
                json={"purpose": PENSION_PURPOSE, "resident_code": code},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert answer.json()["result"] == "match", answer.text
    assert len(recorded_sql) >= 10
    for statement, parameters in recorded_sql:
        touched = explained(engine, statement, parameters)
        assert touched, statement
        assert all(len(parts) == 1 for parts in touched.values()), (statement, touched)


def test_the_hot_path_reads_one_partition_per_person(
    engine: Engine, filed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the hot path is PostgreSQL only")
    seen: list[tuple[str, tuple[Any, ...]]] = []
    fetch = asyncpg.Connection.fetch

    async def noted(self: asyncpg.Connection, query: str, *args: Any, **kw: Any) -> Any:
        if about_identity(query):
            seen.append((query, args))
        return await fetch(self, query, *args, **kw)

    filler(engine)
    monkeypatch.setattr(asyncpg.Connection, "fetch", noted)
    _, token = pension_office(engine)
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_center_app(engine, hot_path=True)) as client:
        one = client.post(
            "/v1/verify", json={"purpose": PENSION_PURPOSE, "resident_code": CODE}, headers=headers
        )
        assert one.json()["result"] == "match", one.text
        bulk = client.post(
            "/v1/verify/bulk",
            json={"purpose": PENSION_PURPOSE, "items": [{"resident_code": CODES[3]}]},
            headers=headers,
        )
        assert bulk.json()["matched"] == 1, bulk.text
    monkeypatch.undo()
    assert len(seen) == 2

    async def explain_all() -> list[dict[str, set[str]]]:
        conn = await asyncpg.connect(asyncpg_dsn(engine))
        try:
            plans = []
            for query, args in seen:
                transaction = conn.transaction()
                await transaction.start()
                try:
                    text = await conn.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {query}", *args)
                finally:
                    await transaction.rollback()
                plans.append(partitions(json.loads(text)))
            return plans
        finally:
            await conn.close()

    for (query, _), touched in zip(seen, asyncio.run(explain_all()), strict=True):
        assert touched == {"center_identity": touched["center_identity"]}
        assert len(touched["center_identity"]) == 1, (query[:300], touched)
