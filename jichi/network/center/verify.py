"""本人確認情報の提供 (住基法30条の9 ほか): does this person exist, and who are they now?

An agency asks by resident code, by the basic four (name, date of birth, sex,
address), or by both (then both must agree).  Names are compared by
:func:`jichi.kernel.text.name_search_key` (髙橋 finds 高橋, widths and spaces do not
matter) and addresses by :func:`jichi.kernel.address.fold_address` (「一丁目2番3号」 is
「1-2-3」); date of birth and sex must be equal.  A basic-four query that fits two
people answers ``ambiguous`` and provides nothing.

One function serves one person and ten thousand: queries are looked up one SELECT per
chunk of codes or of basic-four keys, never one per person, and every answer is
logged (:mod:`.provisions`) in the caller's transaction — the same one as the reads.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, NamedTuple, Protocol

import orjson
import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.kernel.address import fold_address
from jichi.kernel.clock import now as clock_now
from jichi.kernel.errors import JichiError
from jichi.kernel.identifiers import IdKind, validate
from jichi.kernel.text import name_search_key
from jichi.network.center import errors as e
from jichi.network.center.agencies import ITEMS, Agency, require_purpose
from jichi.network.center.policy import CenterPolicy
from jichi.network.center.provisions import Provision, log_provisions
from jichi.network.center.tables import center_identity

MAX_BULK = 10_000
_CHUNK = 500


class Result(StrEnum):
    MATCH = "match"
    NO_MATCH = "no_match"
    AMBIGUOUS = "ambiguous"  # the basic four fit more than one person


# The values as logged, read once (an Enum's ``.value`` is a Python-level property).
_MATCH, _NO_MATCH, _AMBIGUOUS = Result.MATCH.value, Result.NO_MATCH.value, Result.AMBIGUOUS.value


@dataclass(frozen=True)
class Query:
    """What the agency knows about one person.  ``ref`` is echoed, never stored."""

    resident_code: str | None = None
    name: str | None = None
    date_of_birth: date | None = None
    sex: str | None = None
    address: str | None = None
    ref: str | None = None


class Asked(Protocol):
    """Anything shaped like a :class:`Query` (the API passes its validated body items as-is)."""

    @property
    def resident_code(self) -> str | None: ...
    @property
    def name(self) -> str | None: ...
    @property
    def date_of_birth(self) -> date | None: ...
    @property
    def sex(self) -> str | None: ...
    @property
    def address(self) -> str | None: ...
    @property
    def ref(self) -> str | None: ...


Identity = dict[str, Any] | orjson.Fragment
"""Only the items the agency may receive: a dict, or (PostgreSQL bulk path) the same
object already encoded as compact JSON by the database, embedded as-is by orjson."""


class Answer(NamedTuple):  # a tuple: ten thousand are built per bulk request
    result: Result
    resident_code: str | None
    identity: Identity | None  # only the items the agency may receive
    ref: str | None = None


class Checked(NamedTuple):  # a tuple: ten thousand are built per bulk request
    code: str | None
    key: tuple[date, str, str, str] | None  # (date_of_birth, sex, name_key, address_key)

    @property
    def kind(self) -> str:
        return _kind(self.code, self.key)


def _kind(code: str | None, key: object) -> str:
    if code and key:
        return "code_and_basic_four"
    return "code" if code else "basic_four"


def verify(
    conn: Connection,
    agency: Agency,
    purpose: str,
    queries: Sequence[Asked],
    *,
    now: datetime | None = None,
    request_id: str | None = None,
    bulk: bool = False,
    policy: CenterPolicy | None = None,
) -> list[Answer]:
    """Answer every query and log every answer, in ``conn``'s transaction."""
    policy = policy or CenterPolicy.from_env()
    checked = plan(agency, purpose, queries, bulk=bulk, policy=policy)
    by_code = _rows_by_code(conn, {c.code for c in checked if c.code})
    by_key = _rows_by_key(conn, {c.key for c in checked if c.key and not c.code})
    mask = policy.masks_address(purpose)
    answers, provisions = decide(agency, queries, checked, by_code, by_key, mask=mask)
    log_provisions(
        conn,
        request_id=request_id or str(uuid.uuid4()),
        agency_id=agency.agency_id,
        purpose=purpose,
        provided_at=now or clock_now(),
        provisions=provisions,
    )
    return answers


def plan(
    agency: Agency,
    purpose: str,
    queries: Sequence[Asked],
    *,
    bulk: bool = False,
    policy: CenterPolicy | None = None,
) -> list[Checked]:
    """Refuse what may not be asked (purpose, size, shape) before anything is read."""
    require_purpose(agency, purpose)
    (policy or CenterPolicy.from_env()).check(agency.kind, purpose)
    if len(queries) > MAX_BULK:
        raise JichiError(e.TOO_MANY, field="items", maximum=MAX_BULK, actual=len(queries))
    out: list[Checked] = []
    append = out.append
    for i, q in enumerate(queries):
        raw = q.resident_code
        if (
            raw is not None
            and len(raw) == 11
            and raw.isascii()
            and raw.isdigit()
            and q.name is None
            and q.date_of_birth is None
            and q.sex is None
            and q.address is None
        ):
            append(Checked(raw, None))  # what check() returns for a plain code, faster
        else:
            append(check(q, f"items[{i}]." if bulk else ""))
    return out


Row = Mapping[Any, Any]
"""An identity row by column name: a SQLAlchemy ``RowMapping`` or an asyncpg ``Record``."""


def decide(
    agency: Agency,
    queries: Sequence[Asked],
    checked: Sequence[Checked],
    by_code: Mapping[str, Row],
    by_key: Mapping[tuple[date, str, str, str], list[Row]],
    render: Callable[[Row], Identity] | None = None,
    *,
    mask: bool = False,
) -> tuple[list[Answer], list[Provision]]:
    """The answers, and the provision-log rows that must be written with them.

    ``render`` turns a matched row into the agency's allowed items; by default
    :func:`identity` of :func:`allowed_items` (``mask``: without a protected person's
    address, :mod:`.policy`).
    """
    if render is None:
        items = allowed_items(agency)

        def render(row: Row) -> Identity:
            return identity(row, items, mask=mask)

    match, no_match, ambiguous = Result.MATCH, Result.NO_MATCH, Result.AMBIGUOUS
    answers: list[Answer] = []
    provisions: list[Provision] = []
    for index, (query, (code, key)) in enumerate(zip(queries, checked, strict=True)):
        rows: Sequence[Row]
        if code:
            row = by_code.get(code)
            rows = (row,) if row is not None and (key is None or _key(row) == key) else ()
        else:
            rows = by_key.get(key, ()) if key else ()
        if len(rows) == 1:
            found = rows[0]
            answer = Answer(match, found["resident_code"], render(found), query.ref)
            result = _MATCH
        elif rows:
            answer = Answer(ambiguous, None, None, query.ref)
            result = _AMBIGUOUS
        else:
            answer = Answer(no_match, None, None, query.ref)
            result = _NO_MATCH
        answers.append(answer)
        # The code the agency asked about is logged even on no-match: the resident may
        # see that someone asked.  A basic-four no-match involved no code.
        logged_code = answer.resident_code or code
        provisions.append(Provision(index, _kind(code, key), logged_code, result))
    return answers, provisions


def check(query: Asked, prefix: str = "") -> Checked:
    """The query's resident code (validated) and basic-four key (folded), or a 4xx."""
    code = None
    if query.resident_code:
        raw = query.resident_code
        if len(raw) == 11 and raw.isascii() and raw.isdigit():
            code = raw  # already what validate() would return (its check-digit rule only warns)
        else:
            field = f"{prefix}resident_code"
            code = validate(IdKind.RESIDENT_CODE, raw, field=field).value
    four = (query.name, query.date_of_birth, query.sex, query.address)
    given = [v for v in four if v not in (None, "")]
    if (given and len(given) < 4) or (not given and code is None):
        raise JichiError(e.QUERY_SHAPE, field=prefix.rstrip(".") or "query")
    key = None
    if given:
        assert query.date_of_birth and query.sex and query.name and query.address
        key = (
            query.date_of_birth,
            query.sex,
            name_search_key(query.name),
            fold_address(query.address),
        )
    return Checked(code, key)


def allowed_items(agency: Agency) -> tuple[str, ...]:
    """The items this agency may receive, in the order of :data:`.agencies.ITEMS`."""
    return tuple(name for name in ITEMS if name in agency.items)


def identity(row: Row, items: Sequence[str], *, mask: bool = False) -> dict[str, Any]:
    """Only the allowed items of an identity row (never the individual number); with
    ``mask``, a protected person's address is left out (a support measure, issue 9)."""
    out: dict[str, Any] = {}
    hide = mask and bool(row["protected"])
    for name in items:
        if name == "address" and hide:
            continue
        if name == "date_of_birth":
            out[name] = row[name].isoformat()
        elif name == "change":
            changed = row["effective_date"].isoformat()
            out[name] = {"reason": row["reason"], "effective_date": changed}
        else:
            out[name] = row[name]
    return out


def _key(row: Row) -> tuple[date, str, str, str]:
    return (row["date_of_birth"], row["sex"], row["name_key"], row["address_key"])


def _rows_by_code(conn: Connection, codes: set[str]) -> dict[str, Row]:
    found: dict[str, Row] = {}
    ordered = sorted(codes)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        query = sa.select(center_identity).where(center_identity.c.resident_code.in_(chunk))
        found.update((row.resident_code, row._mapping) for row in conn.execute(query))
    return found


def _rows_by_key(
    conn: Connection, keys: set[tuple[date, str, str, str]]
) -> dict[tuple[date, str, str, str], list[Row]]:
    found: dict[tuple[date, str, str, str], list[Row]] = {}
    ordered = sorted(keys)
    c = center_identity.c
    columns = sa.tuple_(c.date_of_birth, c.sex, c.name_key, c.address_key)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        query = sa.select(center_identity).where(columns.in_(chunk))
        for row in conn.execute(query):
            found.setdefault(_key(row._mapping), []).append(row._mapping)
    return found
