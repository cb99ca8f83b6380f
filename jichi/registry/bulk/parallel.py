"""Validate the rows of an import in worker processes, in file order.

The profile of a 20,000-row import (docs/performance.md) puts half of its time in
:func:`jichi.registry.bulk.rows.parse_row` — the cell readers, 和暦, check digits,
振り仮名 and the ``ResidentRecord`` model — which needs nothing but the row and the
header.  So chunks of rows go to a pool of ``spawn`` processes and come back as
:class:`SourceRow` objects, validated exactly as in one process; the importer still
groups households, checks them against the registry and writes every batch itself,
in file order, so the report, the batches and re-runs are unchanged.  A few chunks
are in flight per worker, so memory stays bounded whatever the size of the file.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context

from jichi.registry.bulk.rows import SourceRow, parse_row
from jichi.registry.bulk.source import Header, household_key

CHUNK_ROWS = 1_000
IN_FLIGHT_PER_WORKER = 4

Parsed = tuple[str, SourceRow]
"""A row's household key and the validated row."""


def parsed_rows(
    header: Header,
    records: Iterable[tuple[int, list[str]]],
    lg_code: str,
    *,
    workers: int = 1,
    chunk_rows: int | None = None,
) -> Iterator[Parsed]:
    """Each record's household key and validated row, in the order of ``records``."""
    size = chunk_rows or CHUNK_ROWS
    if workers <= 1:
        for line, cells in records:
            yield _parse(header, cells, line, lg_code)
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        pending: deque[Future[list[Parsed]]] = deque()
        chunk: list[tuple[int, list[str]]] = []
        for record in records:
            chunk.append(record)
            if len(chunk) >= size:
                pending.append(pool.submit(_parse_chunk, header, chunk, lg_code))
                chunk = []
                if len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                    yield from pending.popleft().result()
        if chunk:
            pending.append(pool.submit(_parse_chunk, header, chunk, lg_code))
        while pending:
            yield from pending.popleft().result()


def _parse(header: Header, cells: list[str], line: int, lg_code: str) -> Parsed:
    return household_key(header, cells, lg_code, line), parse_row(header, cells, line, lg_code)


def _parse_chunk(header: Header, chunk: list[tuple[int, list[str]]], lg_code: str) -> list[Parsed]:
    return [_parse(header, cells, line, lg_code) for line, cells in chunk]
