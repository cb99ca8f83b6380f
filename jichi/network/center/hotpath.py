"""The verification API's PostgreSQL hot path: asyncpg, one round trip per person.

The same answers as :func:`.verify.verify`, from the same checks (:func:`.verify.plan`)
and the same decision (:func:`.verify.decide`), with the same guarantee: **the provision
log row is written in the same transaction as the read**, so a crash never leaves an
answered but unlogged provision.  What changes is how the database is reached (ADR 0007):

* **One person** (``/v1/verify``): group commit.  Requests go to a queue; each of a few
  batch workers takes the first waiting request and whatever else is already queued (up
  to :data:`BATCH_CAP`, without waiting for more) and runs **one** statement for them
  all: a data-modifying ``WITH`` over ``unnest`` arrays that checks, per request, that
  its token is still live (not revoked, agency active), reads its identity row(s), and
  inserts its provision row — in the statement's own implicit transaction, which commits
  before any answer of the batch leaves.  A revoked token's request reads and logs
  nothing.  If the statement fails, every request of the batch fails with
  :class:`BatchFailed` and nothing of the batch is logged (rolled back).
* **Many people** (``/v1/verify/bulk``): one explicit transaction — the token check, one
  ``= ANY($1)`` SELECT per chunk of codes (one join on ``unnest`` per chunk of basic-four
  keys), then the provision log by ``COPY``.  Each SELECT returns a match's allowed items
  already as JSON text (:func:`_document`), embedded in the response as-is.

Agencies by token: a verified token's agency (purposes, items) is kept in process for
:data:`AGENCY_TTL_S` seconds, keyed by the token's SHA-256 (the token itself is not
kept).  Revocation and deactivation still take effect at once: every single-person
statement re-checks the credential row, and the bulk path reads it in its transaction.
Only an edit of an agency's purposes or items made directly in the database can take up
to the TTL to be seen.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

import asyncpg
import orjson

from jichi.kernel.clock import now as clock_now
from jichi.kernel.errors import JichiError
from jichi.network.center import errors as e
from jichi.network.center.agencies import ITEMS, TOKEN_PREFIX, Agency, digest
from jichi.network.center.policy import CenterPolicy
from jichi.network.center.verify import (
    Answer,
    Asked,
    Checked,
    Identity,
    Result,
    Row,
    allowed_items,
    decide,
    identity,
    plan,
)

AGENCY_TTL_S = 30.0
BATCH_CAP = 64  # single requests per group-commit statement at most
BATCH_WORKERS = 4  # group-commit statements in flight at once (each holds a pool connection)
_CACHE_MAX = 10_000  # verified tokens kept at most (then the cache starts over)
_CHUNK = 5_000  # codes or keys per SELECT in a bulk request

_IDENTITY = (
    "resident_code, lg_code, status, reason, effective_date, name, name_kana, "
    "date_of_birth, sex, address, protected"
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

_BULK_COLUMNS = "resident_code, date_of_birth, sex, name_key, address_key"  # code and key


@functools.cache
def _document(items: tuple[str, ...], mask: bool = False) -> str:
    """SQL for the allowed items of a row as compact JSON text, byte for byte what
    ``orjson.dumps(verify.identity(row, items, mask=mask))`` gives (keys in the same
    order, dates ISO, strings escaped alike).  ``items`` come from
    :func:`.verify.allowed_items`, so only names of :data:`.agencies.ITEMS` are ever put
    into the SQL.  Each item is ``,"name":value``; the first comma is cut off, so an
    item left out (a protected person's address under ``mask``) leaves valid JSON."""
    if not items:
        return "'{}'"
    parts = []
    for name in items:
        assert name in ITEMS
        if name == "change":
            value = (
                """'{"reason":' || to_json(reason)::text"""
                """ || ',"effective_date":' || to_json(effective_date)::text || '}'"""
            )
        else:
            value = f"to_json({name})::text"
        part = f"""',"{name}":' || {value}"""
        if name == "address" and mask:
            part = f"CASE WHEN protected THEN '' ELSE {part} END"
        parts.append(part)
    return "'{' || substr(" + " || ".join(parts) + ", 2) || '}'"


@functools.cache
def _by_code_sql(items: tuple[str, ...], keyed: bool, mask: bool = False) -> str:
    """By code; with the basic-four key columns only if a query has a key to agree with."""
    columns = _BULK_COLUMNS if keyed else "resident_code"
    return f"""
SELECT {columns}, {_document(items, mask)} AS doc FROM center_identity
WHERE resident_code = ANY($1::varchar[])
"""


@functools.cache
def _by_key_sql(items: tuple[str, ...], mask: bool = False) -> str:
    return f"""
SELECT {_BULK_COLUMNS}, {_document(items, mask)} AS doc
FROM center_identity i
JOIN unnest($1::date[], $2::varchar[], $3::text[], $4::text[]) AS k(d, s, n, a)
  ON i.date_of_birth = k.d AND i.sex = k.s AND i.name_key = k.n AND i.address_key = k.a
"""


_FIELDS = _IDENTITY.split(", ")


def _fields(alias: str) -> str:
    return ", ".join(f"{alias}.{name}" for name in _FIELDS)


_BATCH_SQL = f"""
WITH q AS (
    SELECT * FROM unnest($1::int[], $2::varchar[], $3::varchar[], $4::varchar[],
                         $5::varchar[], $6::varchar[], $7::varchar[], $8::date[],
                         $9::varchar[], $10::text[], $11::text[])
        AS q(i, token_hash, agency_id, request_id, purpose, kind, code, d, s, n, a)
), live AS (
    SELECT q.i FROM q
    WHERE EXISTS (
        SELECT FROM center_agency_credential t
        JOIN center_agency g ON g.agency_id = t.agency_id
        WHERE t.token_hash = q.token_hash AND t.agency_id = q.agency_id
          AND t.revoked_at IS NULL AND g.active
    )
), hit AS (
    SELECT q.i, {_fields("c")}
    FROM q JOIN live ON live.i = q.i
    JOIN center_identity c ON c.resident_code = q.code
    WHERE q.d IS NULL
       OR (c.date_of_birth = q.d AND c.sex = q.s AND c.name_key = q.n AND c.address_key = q.a)
    UNION ALL
    SELECT q.i, {_fields("h")}
    FROM q JOIN live ON live.i = q.i
    CROSS JOIN LATERAL (
        SELECT {_IDENTITY} FROM center_identity c
        WHERE c.date_of_birth = q.d AND c.sex = q.s AND c.name_key = q.n AND c.address_key = q.a
        LIMIT 2
    ) AS h
    WHERE q.code IS NULL
), counted AS (
    SELECT i, count(*) AS n, min(resident_code) AS code FROM hit GROUP BY i
), logged AS (
    INSERT INTO center_provision ({", ".join(_LOG_COLUMNS)})
    SELECT q.request_id, 0, q.agency_id, q.purpose, q.kind,
           CASE WHEN h.n = 1 THEN h.code ELSE q.code END,
           CASE WHEN h.n IS NULL THEN 'no_match' WHEN h.n = 1 THEN 'match' ELSE 'ambiguous' END,
           now()
    FROM q JOIN live ON live.i = q.i LEFT JOIN counted AS h ON h.i = q.i
)
SELECT q.i, live.i IS NOT NULL AS live, {_fields("hit")}
FROM q LEFT JOIN live ON live.i = q.i LEFT JOIN hit ON hit.i = q.i
"""
"""Group commit: every single request of a batch checked, read and logged in one statement.

$1 the request's index in the batch, then per request: token hash, agency id, request
id, purpose, query kind, code (or NULL), the basic four key (or NULLs).  A code query
with a key also needs the key to agree.  Per live request one provision row: ``match``
when exactly one person fits (logged with their code), ``ambiguous`` when more than one
does, else ``no_match`` (logged with the code asked about, if any).  Out: one row per
person found (at most two per request), or one with NULL identity columns, each saying
whether that request's token was live.
"""

_log = logging.getLogger(__name__)


class BatchFailed(Exception):
    """A group-commit statement failed: every request in it gets this, none was logged."""


class _Pending(NamedTuple):
    hashed: str
    agency_id: str
    request_id: str
    purpose: str
    kind: str
    code: str | None
    key: tuple[date, str, str, str] | None
    future: asyncio.Future[list[asyncpg.Record]]


class _Batcher:
    """Requests that arrive together share one statement, one transaction, one commit.

    ``workers`` tasks each take the first waiting request, then whatever else is already
    queued (up to ``cap``; after ``wait`` seconds if that is not 0), run :data:`_BATCH_SQL`
    on a pool connection, and only after it returned (committed) resolve each request's
    future with its rows.  A request whose caller has gone (its future cancelled) before
    its batch starts is left out: nothing is read or logged for it.
    """

    def __init__(self, pool: asyncpg.Pool, *, workers: int, cap: int, wait: float) -> None:
        self.pool = pool
        self.cap = max(1, cap)
        self.wait = wait
        self.queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self.tasks = [asyncio.create_task(self._work()) for _ in range(max(1, workers))]

    async def submit(
        self,
        hashed: str,
        agency_id: str,
        request_id: str,
        purpose: str,
        checked: Checked,
    ) -> list[asyncpg.Record]:
        future: asyncio.Future[list[asyncpg.Record]] = asyncio.get_running_loop().create_future()
        self.queue.put_nowait(
            _Pending(
                hashed,
                agency_id,
                request_id,
                purpose,
                checked.kind,
                checked.code,
                checked.key,
                future,
            )
        )
        return await future

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        while not self.queue.empty():
            _fail([self.queue.get_nowait()], BatchFailed("the center is shutting down"))

    async def _work(self) -> None:
        while True:
            batch = [await self.queue.get()]
            if self.wait > 0:
                await asyncio.sleep(self.wait)
            while len(batch) < self.cap and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            batch = [p for p in batch if not p.future.done()]
            if batch:
                await self._run(batch)

    async def _run(self, batch: list[_Pending]) -> None:
        keys = [p.key or (None, None, None, None) for p in batch]
        try:
            rows = await self.pool.fetch(
                _BATCH_SQL,
                list(range(len(batch))),
                [p.hashed for p in batch],
                [p.agency_id for p in batch],
                [p.request_id for p in batch],
                [p.purpose for p in batch],
                [p.kind for p in batch],
                [p.code for p in batch],
                *([k[n] for k in keys] for n in range(4)),
            )
        except asyncio.CancelledError:
            _fail(batch, BatchFailed("the center is shutting down"))
            raise
        except Exception as error:
            _log.warning("verification batch of %d failed (nothing logged): %r", len(batch), error)
            _fail(batch, BatchFailed(f"verification batch failed: {type(error).__name__}"))
            return
        found: list[list[asyncpg.Record]] = [[] for _ in batch]
        for row in rows:
            found[row["i"]].append(row)
        for pending, its_rows in zip(batch, found, strict=True):
            if not pending.future.done():
                pending.future.set_result(its_rows)


def _fail(batch: Sequence[_Pending], error: BatchFailed) -> None:
    for pending in batch:
        if not pending.future.done():
            pending.future.set_exception(error)


class CenterPool:
    """An asyncpg pool and the verified-token cache, for one center process."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        ttl: float = AGENCY_TTL_S,
        batch_workers: int = BATCH_WORKERS,
        batch_cap: int = BATCH_CAP,
        batch_wait: float = 0.0,
    ) -> None:
        """Made inside the running event loop (the batch workers start here)."""
        self.pool = pool
        self.ttl = ttl
        self.policy = CenterPolicy.from_env()  # the app sets its own (support measures)
        self._agencies: dict[str, tuple[float, Agency]] = {}
        self._batcher = _Batcher(pool, workers=batch_workers, cap=batch_cap, wait=batch_wait)

    @classmethod
    async def open(
        cls,
        dsn: str,
        *,
        size: int,
        batch_workers: int = BATCH_WORKERS,
        batch_cap: int = BATCH_CAP,
        batch_wait: float = 0.0,
    ) -> CenterPool:
        pool = await asyncpg.create_pool(
            dsn, min_size=min(size, 4), max_size=size, reset=_keep_session
        )
        return cls(
            pool,
            batch_workers=min(batch_workers, size),
            batch_cap=batch_cap,
            batch_wait=batch_wait,
        )

    async def close(self) -> None:
        await self._batcher.close()
        await self.pool.close()

    async def agency_for(self, token: str | None) -> Agency:
        """The live agency of ``token`` (CEN-002), from the cache when it is warm."""
        return await self._agency(_hashed(token))

    async def verify_one(
        self, token: str | None, purpose: str, query: Asked, request_id: str
    ) -> Answer:
        """One person: the same answer as :func:`.verify.verify`, logged before it leaves.

        The read and the provision row are part of a group-commit batch (:class:`_Batcher`):
        this returns only after the batch's statement has committed.
        """
        hashed = _hashed(token)
        agency = await self._agency(hashed)
        (checked,) = plan(agency, purpose, [query], policy=self.policy)
        rows = await self._batcher.submit(hashed, agency.agency_id, request_id, purpose, checked)
        if not rows[0]["live"]:
            self._agencies.pop(hashed, None)
            raise JichiError(e.UNAUTHENTICATED)
        found = [row for row in rows if row["resident_code"] is not None]
        if len(found) == 1:
            row = found[0]
            items = allowed_items(agency)
            mask = self.policy.masks_address(purpose)
            found_items = identity(row, items, mask=mask)
            return Answer(Result.MATCH, row["resident_code"], found_items, query.ref)
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
            checked = plan(agency, purpose, queries, bulk=True, policy=self.policy)
            items = allowed_items(agency)
            mask = self.policy.masks_address(purpose)
            codes = {c.code for c in checked if c.code}
            keys = {c.key for c in checked if c.key and not c.code}
            keyed = any(c.code and c.key for c in checked)
            by_code = await _by_code(conn, codes, items, keyed=keyed, mask=mask)
            by_key = await _by_key(conn, keys, items, mask=mask)
            answers, provisions = decide(agency, queries, checked, by_code, by_key, _fragment)
            now = clock_now()
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


def _fragment(row: Row) -> Identity:
    """A bulk row's allowed items, already JSON (:func:`_document`): embedded as-is."""
    return orjson.Fragment(row["doc"])


async def _by_code(
    conn: asyncpg.Connection,
    codes: set[str],
    items: tuple[str, ...],
    *,
    keyed: bool,
    mask: bool = False,
) -> dict[str, Row]:
    found: dict[str, Row] = {}
    ordered = sorted(codes)
    sql = _by_code_sql(items, keyed, mask)
    for start in range(0, len(ordered), _CHUNK):
        for row in await conn.fetch(sql, ordered[start : start + _CHUNK]):
            found[row["resident_code"]] = row
    return found


async def _by_key(
    conn: asyncpg.Connection,
    keys: set[tuple[date, str, str, str]],
    items: tuple[str, ...],
    *,
    mask: bool = False,
) -> dict[tuple[date, str, str, str], list[Row]]:
    found: dict[tuple[date, str, str, str], list[Row]] = {}
    ordered = sorted(keys)
    sql = _by_key_sql(items, mask)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        columns = [list(column) for column in zip(*chunk, strict=True)]
        for row in await conn.fetch(sql, *columns):
            key = (row["date_of_birth"], row["sex"], row["name_key"], row["address_key"])
            found.setdefault(key, []).append(row)
    return found
