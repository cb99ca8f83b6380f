"""Resident codes (住民票コード) handed to municipalities in blocks (住基法30条の2・規則1条).

The center picks codes at random — 住基法施行規則1条 says ten random digits and one
check digit — so a code says nothing about where or when a person was registered.
A code is given out at most once, ever: every code allocated has a row in
``center_resident_code`` whose primary key is the code, and the insert skips a code
that exists (``ON CONFLICT DO NOTHING``) and draws again, so two allocations running
at the same time still cannot share a code.  Codes already seen in identity updates
(assigned before the center existed) are never handed out either.

Check digit: the rule is in 平成14年総務省告示第436号, which we could not read
(UNCONFIRMED, see :mod:`jichi.kernel.identifiers`).  Generated codes carry the digit of
the kernel's mod-11 hypothesis, and each one is validated with the *configured* scheme
(``JICHI_RESIDENT_CODE_SCHEME``): under ``format`` any digit passes, under
``mod11-hypothesis`` the generated digit is the one expected.  When the real rule is
known, only :func:`jichi.kernel.identifiers.with_check_digit` changes.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from jichi.kernel.clock import now as clock_now
from jichi.kernel.errors import JichiError
from jichi.kernel.identifiers import IdKind, ResidentCodeScheme, validate, with_check_digit
from jichi.network.center import errors as e
from jichi.network.center.tables import center_code_block, center_identity, center_resident_code

MAX_BLOCK = 100_000
_ROUNDS = 20  # draws of fresh candidates before giving up (never reached in practice)
_CHUNK = 1_000

Draw = Callable[[], int]
"""Returns a random integer in [0, 10**10); tests pass a small-range one to force collisions."""


@dataclass(frozen=True)
class CodeBlock:
    block_id: str
    lg_code: str
    codes: tuple[str, ...]


def allocate_codes(
    conn: Connection,
    lg_code: str,
    count: int,
    *,
    allocated_by: str = "center",
    now: datetime | None = None,
    draw: Draw | None = None,
    scheme: ResidentCodeScheme | None = None,
) -> CodeBlock:
    """Reserve ``count`` never-used codes for ``lg_code``, in the caller's transaction."""
    lg_code = validate(IdKind.LG_CODE, lg_code, field="lg_code").value
    if not 1 <= count <= MAX_BLOCK:
        raise JichiError(e.COUNT_RANGE, field="count", maximum=MAX_BLOCK, actual=count)
    pick = draw or (lambda: secrets.randbelow(10**10))
    scheme = scheme or ResidentCodeScheme.from_env()
    block_id = str(uuid.uuid4())
    conn.execute(
        center_code_block.insert().values(
            block_id=block_id,
            lg_code=lg_code,
            count=count,
            allocated_at=now or clock_now(),
            allocated_by=allocated_by,
        )
    )
    got = 0
    for _ in range(_ROUNDS):
        if got == count:
            break
        candidates = {_code(pick(), scheme) for _ in range(count - got)}
        for chunk in _chunks(sorted(candidates - _seen(conn, candidates))):
            rows = [{"resident_code": c, "block_id": block_id, "lg_code": lg_code} for c in chunk]
            _insert_new(conn, rows)
        got = _count(conn, block_id)
    if got < count:
        raise JichiError(e.CODES_EXHAUSTED)
    codes = conn.execute(
        sa.select(center_resident_code.c.resident_code)
        .where(center_resident_code.c.block_id == block_id)
        .order_by(center_resident_code.c.resident_code)
    ).scalars()
    return CodeBlock(block_id, lg_code, tuple(codes))


def _code(number: int, scheme: ResidentCodeScheme) -> str:
    code = with_check_digit(IdKind.RESIDENT_CODE, f"{number:010d}")
    checked = validate(IdKind.RESIDENT_CODE, code, resident_code_scheme=scheme)
    assert not checked.warnings  # our own digit always satisfies the configured scheme
    return checked.value


def _seen(conn: Connection, candidates: set[str]) -> set[str]:
    """Candidates already allocated, or already in use by someone the center knows."""
    seen: set[str] = set()
    for chunk in _chunks(sorted(candidates)):
        for table in (center_resident_code, center_identity):
            column = table.c.resident_code
            seen.update(conn.execute(sa.select(column).where(column.in_(chunk))).scalars())
    return seen


def _count(conn: Connection, block_id: str) -> int:
    column = center_resident_code.c.block_id
    query = sa.select(sa.func.count()).select_from(center_resident_code).where(column == block_id)
    return int(conn.execute(query).scalar_one())


def _insert_new(conn: Connection, rows: list[dict[str, str]]) -> None:
    """Insert, skipping codes another allocation took meanwhile (counted afterwards:
    psycopg reports no rowcount for a multi-row VALUES)."""
    stmt: sa.Insert
    if conn.dialect.name == "postgresql":
        stmt = postgresql.insert(center_resident_code).on_conflict_do_nothing()
    else:
        stmt = sqlite.insert(center_resident_code).on_conflict_do_nothing()
    conn.execute(stmt.values(rows))


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]
