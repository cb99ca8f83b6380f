"""The verification API's PostgreSQL hot path: asyncpg, one round trip per person.

The same answers as :func:`.verify.verify`, from the same checks (:func:`.verify.plan`)
and the same decision (:func:`.verify.decide`), with the same guarantee: **the provision
log row is written in the same transaction as the read**, so a crash never leaves an
answered but unlogged provision.  What changes is how the database is reached (ADR 0007):

* **One person** (``/v1/verify``): one statement.  It checks that the token is still live
  (not revoked, agency active), reads the identity row(s), and inserts the provision row
  — a data-modifying ``WITH`` — in the statement's own implicit transaction, which
  commits before the answer leaves.  If the token was revoked, nothing is read and
  nothing is logged.  asyncpg prepares each of the three statement shapes (by code, by
  the basic four, by both) once per connection and reuses it.
* **Many people** (``/v1/verify/bulk``): one explicit transaction — the token check, one
  ``= ANY($1)`` SELECT per chunk of codes (one join on ``unnest`` per chunk of basic-four
  keys), then the provision log by ``COPY``.

Agencies by token: a verified token's agency (purposes, items) is kept in process for
:data:`AGENCY_TTL_S` seconds, keyed by the token's SHA-256 (the token itself is not
kept).  Revocation and deactivation still take effect at once: every single-person
statement re-checks the credential row, and the bulk path reads it in its transaction.
Only an edit of an agency's purposes or items made directly in the database can take up
to the TTL to be seen.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import asyncpg

from jichi.kernel.errors import JichiError
from jichi.network.center import errors as e
from jichi.network.center.agencies import TOKEN_PREFIX, Agency, digest
from jichi.network.center.verify import (
    Answer,
    Asked,
    Result,
    Row,
    allowed_items,
    decide,
    identity,
    plan,
)

AGENCY_TTL_S = 30.0
_CACHE_MAX = 10_000  # verified tokens kept at most (then the cache starts over)
_CHUNK = 5_000  # codes or keys per SELECT in a bulk request

_IDENTITY = (
    "resident_code, lg_code, status, reason, effective_date, name, name_kana, "
    "date_of_birth, sex, address"
)  # never the individual-number columns
_LOG_COLUMNS = (
    "request_id", "item", "agency_id", "purpose", "query_kind", "resident_code", "result",
    "provided_at",
)  # fmt: skip

_AUTH_SQL = """
SELECT a.agency_id, a.name, a.kind, a.lg_code, a.legal_ground, a.purposes::text AS purposes,
       a.items::text AS items
FROM center_agency_credential t JOIN center_agency a ON a.agency_id = t.agency_id
WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND a.active
"""

_BY_CODE_SQL = f"""
SELECT {_IDENTITY}, name_key, address_key FROM center_identity
WHERE resident_code = ANY($1::varchar[])
"""

_BY_KEY_SQL = f"""
SELECT {_IDENTITY}, name_key, address_key
FROM center_identity i
JOIN unnest($1::date[], $2::varchar[], $3::text[], $4::text[]) AS k(d, s, n, a)
  ON i.date_of_birth = k.d AND i.sex = k.s AND i.name_key = k.n AND i.address_key = k.a
"""


def _single_sql(kind: str) -> str:
    """Check the token, read, log — one statement, one implicit transaction.

    $1 token hash, $2 agency id, $3 request id, $4 purpose, then the code and/or the
    basic four.  The provision row: ``match`` when exactly one person fits (logged with
    their code), ``ambiguous`` when more than one does, else ``no_match`` (logged with the
    code asked about, if any).  The last SELECT gives one row per person found (at most
    two), or one row of NULLs, each saying whether the token was live.
    """
    where: list[str] = []
    asked_code = "NULL::varchar"
    n = 5
    if kind in ("code", "code_and_basic_four"):
        where.append("resident_code = $5")
        asked_code = "$5::varchar"
        n = 6
    if kind in ("basic_four", "code_and_basic_four"):
        where.append(
            f"date_of_birth = ${n} AND sex = ${n + 1} AND name_key = ${n + 2} "
            f"AND address_key = ${n + 3}"
        )
    return f"""
WITH live AS (
    SELECT FROM center_agency_credential t JOIN center_agency a ON a.agency_id = t.agency_id
    WHERE t.token_hash = $1 AND t.agency_id = $2 AND t.revoked_at IS NULL AND a.active
), hit AS (
    SELECT {_IDENTITY} FROM center_identity
    WHERE {" AND ".join(where)} AND EXISTS (SELECT FROM live)
    LIMIT 2
), logged AS (
    INSERT INTO center_provision ({", ".join(_LOG_COLUMNS)})
    SELECT $3::varchar, 0, $2::varchar, $4::varchar, '{kind}',
           CASE WHEN h.n = 1 THEN h.code ELSE {asked_code} END,
           CASE h.n WHEN 0 THEN 'no_match' WHEN 1 THEN 'match' ELSE 'ambiguous' END,
           now()
    FROM (SELECT count(*) AS n, min(resident_code) AS code FROM hit) AS h
    WHERE EXISTS (SELECT FROM live)
)
SELECT EXISTS (SELECT FROM live) AS live, hit.* FROM (SELECT) AS one LEFT JOIN hit ON true
"""


_SINGLE_SQL = {kind: _single_sql(kind) for kind in ("code", "basic_four", "code_and_basic_four")}


class CenterPool:
    """An asyncpg pool and the verified-token cache, for one center process."""

    def __init__(self, pool: asyncpg.Pool, *, ttl: float = AGENCY_TTL_S) -> None:
        self.pool = pool
        self.ttl = ttl
        self._agencies: dict[str, tuple[float, Agency]] = {}

    @classmethod
    async def open(cls, dsn: str, *, size: int) -> CenterPool:
        pool = await asyncpg.create_pool(
            dsn, min_size=min(size, 4), max_size=size, reset=_keep_session
        )
        return cls(pool)

    async def close(self) -> None:
        await self.pool.close()

    async def verify_one(
        self, token: str | None, purpose: str, query: Asked, request_id: str
    ) -> Answer:
        """One person: the same answer as :func:`.verify.verify`, logged in one statement."""
        hashed = _hashed(token)
        agency = await self._agency(hashed)
        (checked,) = plan(agency, purpose, [query])
        args: list[Any] = [hashed, agency.agency_id, request_id, purpose]
        if checked.code:
            args.append(checked.code)
        if checked.key:
            args.extend(checked.key)
        rows = await self.pool.fetch(_SINGLE_SQL[checked.kind], *args)
        if not rows[0]["live"]:
            self._agencies.pop(hashed, None)
            raise JichiError(e.UNAUTHENTICATED)
        found = [row for row in rows if row["resident_code"] is not None]
        if len(found) == 1:
            row = found[0]
            items = allowed_items(agency)
            return Answer(Result.MATCH, row["resident_code"], identity(row, items), query.ref)
        if found:
            return Answer(Result.AMBIGUOUS, None, None, query.ref)
        return Answer(Result.NO_MATCH, None, None, query.ref)

    async def verify_many(
        self, token: str | None, purpose: str, queries: Sequence[Asked], request_id: str
    ) -> list[Answer]:
        """Many people in one transaction: token check, chunked reads, the log by COPY."""
        hashed = _hashed(token)
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(_AUTH_SQL, hashed)
            if row is None:
                raise JichiError(e.UNAUTHENTICATED)
            agency = _agency(row)
            checked = plan(agency, purpose, queries, bulk=True)
            by_code = await _by_code(conn, {c.code for c in checked if c.code})
            by_key = await _by_key(conn, {c.key for c in checked if c.key and not c.code})
            answers, provisions = decide(agency, queries, checked, by_code, by_key)
            now = datetime.now(UTC)
            await conn.copy_records_to_table(
                "center_provision",
                columns=_LOG_COLUMNS,
                records=[
                    (
                        request_id,
                        p.item,
                        agency.agency_id,
                        purpose,
                        p.query_kind,
                        p.resident_code,
                        p.result,
                        now,
                    )
                    for p in provisions
                ],
            )
        return answers

    async def _agency(self, hashed: str) -> Agency:
        cached = self._agencies.get(hashed)
        moment = time.monotonic()
        if cached is not None and cached[0] > moment:
            return cached[1]
        row = await self.pool.fetchrow(_AUTH_SQL, hashed)
        if row is None:
            self._agencies.pop(hashed, None)
            raise JichiError(e.UNAUTHENTICATED)
        agency = _agency(row)
        if len(self._agencies) >= _CACHE_MAX:
            self._agencies.clear()
        self._agencies[hashed] = (moment + self.ttl, agency)
        return agency


async def _keep_session(_conn: asyncpg.Connection) -> None:
    """Skip asyncpg's per-release session reset (``RESET ALL; UNLISTEN *; …``, a round trip).

    These statements set nothing in the session: no ``SET``, ``LISTEN``, advisory lock or
    cursor.  asyncpg still rolls back a transaction left open before this is called.
    """


def _hashed(token: str | None) -> str:
    """The token's SHA-256, after the same shape checks as :func:`.agencies.authenticate`."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        raise JichiError(e.UNAUTHENTICATED)
    return digest(token)


def _agency(row: asyncpg.Record) -> Agency:
    return Agency(
        row["agency_id"],
        row["name"],
        row["kind"],
        row["lg_code"],
        row["legal_ground"],
        tuple(json.loads(row["purposes"])),
        tuple(json.loads(row["items"])),
    )


async def _by_code(conn: asyncpg.Connection, codes: set[str]) -> dict[str, Row]:
    found: dict[str, Row] = {}
    ordered = sorted(codes)
    for start in range(0, len(ordered), _CHUNK):
        for row in await conn.fetch(_BY_CODE_SQL, ordered[start : start + _CHUNK]):
            found[row["resident_code"]] = row
    return found


async def _by_key(
    conn: asyncpg.Connection, keys: set[tuple[date, str, str, str]]
) -> dict[tuple[date, str, str, str], list[Row]]:
    found: dict[tuple[date, str, str, str], list[Row]] = {}
    ordered = sorted(keys)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        columns = [list(column) for column in zip(*chunk, strict=True)]
        for row in await conn.fetch(_BY_KEY_SQL, *columns):
            key = (row["date_of_birth"], row["sex"], row["name_key"], row["address_key"])
            found.setdefault(key, []).append(row)
    return found
