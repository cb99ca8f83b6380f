"""Validate and prepare the households of an import in worker processes, in file order.

The profile of a 20,000-row import (docs/performance.md) puts half of its time in
:func:`jichi.registry.bulk.rows.parse_row` — the cell readers, 和暦, check digits,
振り仮名 and the ``ResidentRecord`` model — and most of the rest in making the rows to
write (:mod:`jichi.registry.bulk.prepare`); neither needs the registry.  So chunks of
whole households go to a pool of ``spawn`` processes, which validate each row, check each
household and prepare what passed, and come back as :class:`HouseholdGroup` objects
without their records.  The importer still classifies them against the registry and
writes every batch itself, in file order, so the report, the batches and re-runs are
unchanged.  A few chunks are in flight per worker, so memory stays bounded whatever the
size of the file.

A chunk ends only where the household changes, so a household is never split between
two workers (its rules are checked where its rows are).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context

from jichi.registry.bulk.prepare import Preparer
from jichi.registry.bulk.rows import HouseholdGroup, parse_row
from jichi.registry.bulk.source import household_key

CHUNK_ROWS = 1_000
IN_FLIGHT_PER_WORKER = 4

Record = tuple[int, list[str]]
"""A record of the file: the line where it starts, and its cells."""


def prepared_groups(
    preparer: Preparer,
    records: Iterable[Record],
    *,
    workers: int = 1,
    chunk_rows: int | None = None,
) -> Iterator[HouseholdGroup]:
    """Each household of ``records``, validated and prepared, in the order of the file."""
    chunks = household_chunks(preparer, records, chunk_rows or CHUNK_ROWS)
    if workers <= 1:
        for chunk in chunks:
            yield from prepare_chunk(preparer, chunk)
        return
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("spawn"),
        initializer=_start_worker,
        initargs=(preparer,),
    ) as pool:
        pending: deque[Future[list[HouseholdGroup]]] = deque()
        for chunk in chunks:
            pending.append(pool.submit(_prepare_in_worker, chunk))
            if len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def household_chunks(
    preparer: Preparer, records: Iterable[Record], size: int
) -> Iterator[list[Record]]:
    """Runs of about ``size`` records that end where a household ends.

    The household key is computed only for the records at a chunk's end, so the
    importing process reads the file without validating anything.
    """
    header, lg_code = preparer.header, preparer.lg_code
    chunk: list[Record] = []
    last_key: str | None = None
    for record in records:
        if len(chunk) >= size:
            if last_key is None:
                last = chunk[-1]
                last_key = household_key(header, last[1], lg_code, last[0])
            key: str | None = household_key(header, record[1], lg_code, record[0])
            if key != last_key:
                yield chunk
                chunk = []
                key = None
            last_key = key  # of chunk[-1] once this record is appended
        chunk.append(record)
    if chunk:
        yield chunk


def prepare_chunk(preparer: Preparer, chunk: list[Record]) -> list[HouseholdGroup]:
    """Validate each record, group the households, check and prepare each one."""
    header, lg_code = preparer.header, preparer.lg_code
    groups: list[HouseholdGroup] = []
    group: HouseholdGroup | None = None
    for line, cells in chunk:
        key = household_key(header, cells, lg_code, line)
        if group is None or group.household_id != key:
            if group is not None:
                groups.append(preparer.prepare(group))
            group = HouseholdGroup(key, [])
        group.rows.append(parse_row(header, cells, line, lg_code))
    if group is not None:
        groups.append(preparer.prepare(group))
    return groups


_preparer: Preparer | None = None


def _start_worker(preparer: Preparer) -> None:
    global _preparer
    _preparer = preparer


def _prepare_in_worker(chunk: list[Record]) -> list[HouseholdGroup]:
    assert _preparer is not None, "the pool's initializer sets it"
    return prepare_chunk(_preparer, chunk)
