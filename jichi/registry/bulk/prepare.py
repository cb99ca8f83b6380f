"""Validated households made ready to write, where they were validated.

A profile of the import with validation in worker processes (docs/performance.md, "Bulk
import") showed the importing process spending as much per row as the validators: it
unpickled each row's ``ResidentRecord`` (≈ 90 µs), then computed the search keys, the
record's JSON, the archive row's JSON, the hash and encryption of the individual number,
and formatted every value for ``COPY``.  None of that needs the registry, so
:class:`Preparer` does it next to the validation (in the worker, or in the importer's
own process for a small file) and hands the importer plain values: what it needs to
classify a row (ids, active, resident code, keyed hash, the record's JSON for a re-run's
comparison) and the rows to write, already in ``COPY``'s text format on PostgreSQL.
The record itself and the individual number in clear never travel back.

The importer adds only what belongs to the batch (its notification, the moment it was
recorded), so those columns come last in each ``COPY`` line (``*_BATCH_COLUMNS``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from jichi.registry import repository as repo
from jichi.registry.bulk.rows import HouseholdGroup, SourceRow, check_household, household_state
from jichi.registry.bulk.source import Header
from jichi.registry.events import EventKind, NotificationKind
from jichi.security.crypto import FieldCipher
from jichi.store.copy import JsonText

NUMBER_CONTEXT = "individual_number"  # = jichi.registry.service.NUMBER_CONTEXT (no cycle)

RESIDENT_COLUMNS = (
    "person_id",
    "lg_code",
    "status",
    "household_id",
    "relationship",
    "name_key",
    "family_key",
    "kana_key",
    "date_of_birth",
    "sex",
    "address_key",
    "resident_code",
    "individual_number_hash",
    "individual_number_enc",
    "record",
    "restricted",
    "version",
)
RESIDENT_BATCH_COLUMNS = ("updated_at",)
EVENT_COLUMNS = (
    "event_id",
    "lg_code",
    "person_id",
    "kind",
    "reason",
    "effective_date",
    "changes",
    "corrects",
    "late",
)
EVENT_BATCH_COLUMNS = ("notification_id", "notified_date", "recorded_at", "recorded_by")
ARCHIVE_COLUMNS = (
    "person_id",
    "lg_code",
    "source_line",
    "source_id",
    "household_source_id",
    "columns",
    "row_sha256",
)
ARCHIVE_BATCH_COLUMNS = ("notification_id", "recorded_at")
HOUSEHOLD_COLUMNS = ("household_id", "lg_code", "address", "address_key", "active", "version")
HOUSEHOLD_BATCH_COLUMNS = ("updated_at",)

Ready = bytes | tuple[Any, ...]
"""One row to write: a ``COPY`` text line without its batch columns (PostgreSQL), or the
values in ``*_COLUMNS`` order (SQLite, written with ``executemany``)."""


@dataclass(frozen=True)
class Preparer:
    """What one import needs to validate and prepare rows; sent once to each worker.

    Holding the cipher means a worker holds the keys: they reach it through ``spawn``'s
    pipe on this machine (:meth:`FieldCipher.__reduce__`) and are never logged.
    """

    header: Header
    lg_code: str
    cipher: FieldCipher
    copy_text: bool  # PostgreSQL: COPY lines; otherwise values for executemany

    def prepare(self, group: HouseholdGroup) -> HouseholdGroup:
        """Check ``group`` as a household, then make its rows ready (if all passed)."""
        check_household(group)
        if group.first_bad() is None:
            for row in group.rows:
                self._row(row)
            address, active = household_state(group)
            values = (
                group.household_id,
                self.lg_code,
                address.model_dump(mode="json"),
                repo.address_key(address),
                active,
                1,
            )
            group.ready = self._out(values, json_at=2)
        for row in group.rows:
            # What the importer needs is on the row now; the rest is in its ready lines.
            row.record = None
            row.number = None
            row.archived = {}
            row.row_sha256 = ""
        return group

    def _row(self, row: SourceRow) -> None:
        record = row.record
        assert record is not None
        number = row.number
        if number is not None:
            row.number_hash = self.cipher.lookup_hash(number, context=NUMBER_CONTEXT)
        row.active = record.is_active
        row.resident_code = record.resident_code or None
        # Serialised once: the event's changes and the current record are the same JSON.
        record_json = JsonText(record.model_dump_json())
        resident = repo.resident_row(
            record,
            number_hash=row.number_hash,
            number_enc=self.cipher.encrypt(number, context=NUMBER_CONTEXT) if number else None,
            restricted=False,  # support measures are not in this layout
            version=1,
            now=None,  # type: ignore[arg-type]  # the batch's moment, added by the importer
            record_json=record_json,
        )
        row.ready_resident = self._out(tuple(resident[c] for c in RESIDENT_COLUMNS))
        row.ready_event = self._out(
            (
                str(uuid.uuid4()),
                self.lg_code,
                record.person_id,
                EventKind.RECORDED.value,
                NotificationKind.IMPORT.value,
                record.resident_since,
                record_json,
                None,
                False,
            )
        )
        row.ready_archive = self._out(
            (
                record.person_id,
                self.lg_code,
                row.line,
                row.source_id,
                row.household_source_id,
                row.archived,
                row.row_sha256,
            ),
            json_at=5,
        )

    def _out(self, values: tuple[Any, ...], json_at: int | None = None) -> Ready:
        if not self.copy_text:
            return values
        return copy_line(values, json_at)


# ---------------------------------------------------------------------------
# COPY's text format
# ---------------------------------------------------------------------------


def copy_field(value: Any) -> str:
    """One value as ``COPY … FROM STDIN`` (text format) reads it back.

    The types are the ones the import writes: text, JSON already serialised
    (:class:`JsonText`), dates, integers, booleans and NULL.  What is stored is what
    ``INSERT`` through SQLAlchemy stores (tests/integration/registry/test_bulk_prepare.py).
    """
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return copy_escape(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"no COPY text form for {type(value).__name__}")


def copy_escape(text: str) -> str:
    """Backslash, newline, carriage return and tab escaped (the only ones COPY needs)."""
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if "\t" in text:
        text = text.replace("\t", "\\t")
    if "\n" in text:
        text = text.replace("\n", "\\n")
    if "\r" in text:
        text = text.replace("\r", "\\r")
    return text


def copy_line(values: Sequence[Any], json_at: int | None = None) -> bytes:
    """The fields of one line, tab-separated, without the line's end (the batch adds it).

    ``json_at``: the position of a JSON value given as Python data, serialised here as
    SQLAlchemy's ``JSON`` type would (``json.dumps``).
    """
    fields = [
        copy_escape(json.dumps(v)) if i == json_at else copy_field(v) for i, v in enumerate(values)
    ]
    return "\t".join(fields).encode("utf-8")


def batch_suffix(values: Sequence[Any]) -> bytes:
    """The batch's columns, appended to every line of a ``COPY`` (with the line's end)."""
    return ("\t" + "\t".join(copy_field(v) for v in values) + "\n").encode("utf-8")


def copy_data(lines: Sequence[bytes], suffix: bytes) -> bytes:
    """The ``COPY`` payload: every prepared line followed by the batch's columns."""
    if not lines:
        return b""
    return suffix.join(lines) + suffix


def record_json(row: SourceRow) -> str:
    """The record's JSON as prepared for ``resident.record`` (a re-run compares it)."""
    ready = row.ready_resident
    position = RESIDENT_COLUMNS.index("record")
    if isinstance(ready, bytes):
        return copy_unescape(ready.split(b"\t")[position].decode("utf-8"))
    assert ready is not None
    return str(ready[position])


def archived_columns(row: SourceRow) -> dict[str, str]:
    """The archived cells as prepared for ``import_archive.columns`` (a re-run compares)."""
    ready = row.ready_archive
    position = ARCHIVE_COLUMNS.index("columns")
    if isinstance(ready, bytes):
        text = copy_unescape(ready.split(b"\t")[position].decode("utf-8"))
        return dict(json.loads(text))
    assert ready is not None
    return dict(ready[position])


def copy_unescape(field: str) -> str:
    """The inverse of :func:`copy_escape`."""
    out: list[str] = []
    chars = iter(field)
    for char in chars:
        if char == "\\":
            nxt = next(chars, "")
            out.append({"t": "\t", "n": "\n", "r": "\r"}.get(nxt, nxt))
        else:
            out.append(char)
    return "".join(out)
