"""The import itself: batches of whole households, one transaction each."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlalchemy.dialects import postgresql

from jichi.kernel.clock import now as clock_now
from jichi.kernel.errors import JichiError
from jichi.kernel.identifiers import validate as validate_identifier
from jichi.registry import repository as repo
from jichi.registry.bulk import prepare
from jichi.registry.bulk.errors import (
    DIFFERENT_DATA,
    DUPLICATE_INDIVIDUAL_NUMBER,
    DUPLICATE_PERSON,
    DUPLICATE_RESIDENT_CODE,
    EMPTY_FILE,
    HOUSEHOLD_EXISTS,
)
from jichi.registry.bulk.indexes import DeferredIndex, defer_indexes, rebuild_indexes
from jichi.registry.bulk.parallel import prepared_groups
from jichi.registry.bulk.prepare import Preparer
from jichi.registry.bulk.report import ImportProgress, ImportReport
from jichi.registry.bulk.rows import HouseholdGroup, ProgressCallback, SourceRow
from jichi.registry.bulk.source import (
    open_source,
    read_header,
    read_records,
    scan_file,
)
from jichi.registry.bulk.tables import import_archive
from jichi.registry.events import NotificationKind
from jichi.registry.model import ResidentRecord, Status
from jichi.registry.service import JST
from jichi.registry.tables import household, registry_event, resident
from jichi.security import audit
from jichi.security.crypto import FieldCipher
from jichi.store.copy import copy_text, insert_rows
from jichi.store.engine import write_transaction

DEFAULT_BATCH_SIZE = 5000
ANALYZE_FIRST = 10_000  # rows imported before the first statistics refresh
_FILLED_TABLES = ("resident", "household", "registry_event", "import_archive")
_IN_CHUNK = 500  # ids per IN (...) list
PARALLEL_FROM = 10_000  # rows: a smaller file is validated in this process


class _Importer:
    def __init__(
        self,
        engine: Engine,
        lg_code: str,
        cipher: FieldCipher,
        report: ImportReport,
        *,
        rows_total: int,
        actor: str,
        actor_role: str,
        clock: Callable[[], datetime],
        progress: ProgressCallback | None,
        analyze_first: int = 10_000,
    ) -> None:
        self.engine = engine
        self.lg_code = lg_code
        self.cipher = cipher
        self.report = report
        self.rows_total = rows_total
        self.actor = actor
        self.actor_role = actor_role
        self.clock = clock
        self.progress = progress
        self.batch_number = 0
        self.rows_done = 0
        self.analyzed_at = analyze_first / 2  # rows imported at the last ANALYZE
        self.copy = engine.dialect.name == "postgresql"
        # One transaction for the whole import into an empty registry (indexes.py):
        self.whole: Connection | None = None
        self.deferred: list[DeferredIndex] = []
        self.written_codes: set[str] = set()  # active resident codes this import wrote
        self.written_hashes: set[str] = set()  # and individual-number hashes

    @contextmanager
    def load(self) -> Iterator[None]:
        """The import's span: one transaction with indexes built at the end, if it can."""
        with self.engine.connect() as conn:
            outer = conn.begin()
            try:
                deferred = defer_indexes(conn)
            except BaseException:
                outer.rollback()
                raise
            if deferred is None:
                outer.rollback()  # nothing was changed; batches commit one by one
                yield
                return
            try:
                self.whole, self.deferred = conn, deferred
                self.report.indexes_deferred = len(deferred)
                yield
                rebuild_indexes(conn, deferred)
                outer.commit()
            except BaseException:
                outer.rollback()
                raise
            finally:
                self.whole = None

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        if self.whole is not None:
            yield self.whole
            return
        with write_transaction(self.engine) as conn:
            yield conn

    def flush(self, groups: list[HouseholdGroup]) -> None:
        self.batch_number += 1
        accepted: list[HouseholdGroup] = []
        candidates = [g for g in groups if g.first_bad() is None]
        if candidates:
            with self._transaction() as conn:
                accepted = self._classify(conn, candidates)
                if accepted:
                    self._write(conn, accepted)
        if accepted:
            self.report.batches_committed += 1
            self.report.households_imported += len(accepted)
            self._refresh_statistics(self.report.imported + sum(len(g.rows) for g in accepted))
            if self.whole is not None:
                for g in accepted:
                    for r in g.rows:
                        if r.active and r.resident_code:
                            self.written_codes.add(r.resident_code)
                        if r.active and r.number_hash:
                            self.written_hashes.add(r.number_hash)
        for g in groups:
            for r in g.rows:
                self.rows_done += 1
                if r.issues:
                    self.report.rejected += 1
                    self.report.issues.extend(r.issues)
        self.report.imported += sum(len(g.rows) for g in accepted)
        self.report.unchanged = (
            self.rows_done - self.report.imported - self.report.rejected
        )  # the rest of the rows seen so far were skipped as unchanged
        if self.progress is not None:
            self.progress(
                ImportProgress(
                    batch=self.batch_number,
                    rows_done=self.rows_done,
                    rows_total=self.rows_total,
                    imported=self.report.imported,
                    unchanged=self.report.unchanged,
                    rejected=self.report.rejected,
                )
            )

    def _refresh_statistics(self, imported: int) -> None:
        if self.engine.dialect.name != "postgresql" or imported < 2 * self.analyzed_at:
            return
        with self._transaction() as conn:
            conn.exec_driver_sql("ANALYZE " + ", ".join(_FILLED_TABLES))
        self.analyzed_at = imported
        self.report.statistics_refreshed += 1

    # -- against the registry ------------------------------------------------------------

    def _classify(self, conn: Connection, groups: list[HouseholdGroup]) -> list[HouseholdGroup]:
        """Mark unchanged and conflicting rows; return the households to write."""
        person_ids = [r.person_id for g in groups for r in g.rows]
        stored = _select_in(
            conn,
            sa.select(
                resident.c.person_id,
                resident.c.record,
                resident.c.individual_number_hash,
            ),
            resident.c.person_id,
            person_ids,
        )
        existing = {row.person_id: row for row in stored}
        archived = {
            row.person_id: row
            for row in _select_in(
                conn,
                sa.select(
                    import_archive.c.person_id,
                    import_archive.c.source_id,
                    import_archive.c.household_source_id,
                    import_archive.c.columns,
                ),
                import_archive.c.person_id,
                [pid for pid in person_ids if pid in existing],
            )
        }
        known_households = {
            row.household_id
            for row in _select_in(
                conn,
                sa.select(household.c.household_id),
                household.c.household_id,
                [g.household_id for g in groups],
            )
        }
        new_groups: list[HouseholdGroup] = []
        batch_persons: dict[str, int] = {}
        for g in groups:
            if g.household_id in known_households:
                for r in g.rows:
                    if r.person_id not in existing:
                        r.reject(HOUSEHOLD_EXISTS, "household_id", household=g.shown)
                    elif not self._same(r, existing[r.person_id], archived.get(r.person_id)):
                        r.reject(DIFFERENT_DATA, "person_id")
                continue
            for r in g.rows:
                if r.person_id in existing:
                    r.reject(DIFFERENT_DATA, "person_id")
                elif r.person_id in batch_persons:
                    r.reject(DUPLICATE_PERSON, "person_id", line=batch_persons[r.person_id])
            bad = g.first_bad()
            if bad is not None:
                g.reject_rest(bad)
                continue
            for r in g.rows:
                batch_persons[r.person_id] = r.line
            new_groups.append(g)
        return self._unique_numbers(conn, new_groups)

    def _same(self, row: SourceRow, stored: Any, archive: Any) -> bool:
        record = ResidentRecord.model_validate_json(prepare.record_json(row))
        if ResidentRecord.model_validate(stored.record) != record:
            return False
        if (stored.individual_number_hash or None) != row.number_hash:
            return False
        kept = {k: v for k, v in prepare.archived_columns(row).items() if v}
        if archive is None:
            return not (kept or row.source_id or row.household_source_id)
        before = {k: v for k, v in dict(archive.columns).items() if v}
        return (archive.source_id, archive.household_source_id, before) == (
            row.source_id,
            row.household_source_id,
            kept,
        )

    def _unique_numbers(
        self, conn: Connection, groups: list[HouseholdGroup]
    ) -> list[HouseholdGroup]:
        """Resident codes and individual numbers must be unique among active records."""
        codes = [r.resident_code for g in groups for r in g.rows if r.active and r.resident_code]
        hashes = [r.number_hash for g in groups for r in g.rows if r.number_hash]
        if self.whole is not None:  # the registry was empty: only this import wrote
            taken_codes = {c for c in codes if c in self.written_codes}
            taken_hashes = {h for h in hashes if h in self.written_hashes}
        else:
            taken_codes = {
                row.resident_code
                for row in _select_in(
                    conn,
                    sa.select(resident.c.resident_code).where(
                        resident.c.lg_code == self.lg_code,
                        resident.c.status == Status.ACTIVE.value,
                    ),
                    resident.c.resident_code,
                    codes,
                )
            }
            taken_hashes = {
                row.individual_number_hash
                for row in _select_in(
                    conn,
                    sa.select(resident.c.individual_number_hash).where(
                        resident.c.status == Status.ACTIVE.value
                    ),
                    resident.c.individual_number_hash,
                    hashes,
                )
            }
        in_batch_codes: dict[str, int] = {}
        in_batch_hashes: dict[str, int] = {}
        accepted: list[HouseholdGroup] = []
        for g in groups:
            mine_codes: dict[str, int] = {}
            mine_hashes: dict[str, int] = {}
            for r in g.rows:
                if not r.active:
                    continue
                code = r.resident_code
                if code:
                    other = in_batch_codes.get(code) or mine_codes.get(code)
                    if code in taken_codes or other:
                        where, where_en = _where(other)
                        r.reject(
                            DUPLICATE_RESIDENT_CODE, "resident_code", where=where, where_en=where_en
                        )
                    mine_codes.setdefault(code, r.line)
                digest = r.number_hash
                if digest:
                    other = in_batch_hashes.get(digest) or mine_hashes.get(digest)
                    if digest in taken_hashes or other:
                        where, where_en = _where(other)
                        r.reject(
                            DUPLICATE_INDIVIDUAL_NUMBER,
                            "individual_number",
                            where=where,
                            where_en=where_en,
                        )
                    mine_hashes.setdefault(digest, r.line)
            bad = g.first_bad()
            if bad is not None:
                g.reject_rest(bad)
                continue
            in_batch_codes.update(mine_codes)
            in_batch_hashes.update(mine_hashes)
            accepted.append(g)
        return accepted

    # -- writing -------------------------------------------------------------------------

    def _write(self, conn: Connection, groups: list[HouseholdGroup]) -> None:
        """The batch's rows, prepared where they were validated, plus the batch's columns."""
        now = self.clock()
        today = now.astimezone(JST).date()
        notification_id = str(uuid.uuid4())
        rows = [r for g in groups for r in g.rows]
        tables = (
            (
                registry_event,
                prepare.EVENT_COLUMNS,
                prepare.EVENT_BATCH_COLUMNS,
                (notification_id, today, now, self.actor),
                [r.ready_event for r in rows],
            ),
            (
                household,
                prepare.HOUSEHOLD_COLUMNS,
                prepare.HOUSEHOLD_BATCH_COLUMNS,
                (now,),
                [g.ready for g in groups],
            ),
            (
                resident,
                prepare.RESIDENT_COLUMNS,
                prepare.RESIDENT_BATCH_COLUMNS,
                (now,),
                [r.ready_resident for r in rows],
            ),
            (
                import_archive,
                prepare.ARCHIVE_COLUMNS,
                prepare.ARCHIVE_BATCH_COLUMNS,
                (notification_id, now),
                [r.ready_archive for r in rows],
            ),
        )
        for table, names, batch_names, batch_values, ready in tables:
            if self.copy:
                copy_lines = [line for line in ready if isinstance(line, bytes)]
                assert len(copy_lines) == len(ready), "prepared for COPY"
                data = prepare.copy_data(copy_lines, prepare.batch_suffix(batch_values))
                copy_text(conn, table, names + batch_names, data)
            else:
                extra = dict(zip(batch_names, batch_values, strict=True))
                insert_rows(
                    conn,
                    table,
                    [
                        dict(zip(names, values, strict=True)) | extra
                        for values in ready
                        if isinstance(values, tuple)
                    ],
                )
        lines = [rows[0].line, rows[-1].line]
        repo.insert_notification(
            conn,
            notification_id=notification_id,
            lg_code=self.lg_code,
            kind=NotificationKind.IMPORT.value,
            effective_date=today,
            notified_date=today,
            recorded_at=now,
            recorded_by=self.actor,
            request={
                "source": Path(self.report.source).name,
                "source_sha256": self.report.sha256,
                "batch": self.batch_number,
                "lines": lines,
                "persons": len(rows),
                "households": len(groups),
            },
            late=False,
            flags=[],
            idempotency_key=None,
        )
        audit.append(
            conn,
            audit.AuditEntry(
                lg_code=self.lg_code,
                at=now,
                actor=self.actor,
                actor_role=self.actor_role,
                action="registry.import",
                detail={
                    "notification_id": notification_id,
                    "batch": self.batch_number,
                    "first_line": lines[0],
                    "last_line": lines[1],
                    "persons": len(rows),
                    "households": len(groups),
                    "source_sha256": self.report.sha256,
                },
            ),
            self.cipher.audit_key,
        )
        self.report.notification_ids.append(notification_id)


def _where(line: int | None) -> tuple[str, str]:
    if line:
        return f"ファイルの{line}行目", f"line {line} of the file"
    return "登録済みの住民", "a record already in the registry"


def _select_in(
    conn: Connection, query: sa.Select[Any], column: sa.ColumnElement[Any], values: Sequence[Any]
) -> list[Any]:
    unique = sorted(set(values))
    if not unique:
        return []
    if conn.dialect.name == "postgresql":  # one statement, one array parameter
        array = sa.bindparam("values", unique, type_=postgresql.ARRAY(column.type))
        return list(conn.execute(query.where(column == sa.any_(array))).all())
    found: list[Any] = []
    for start in range(0, len(unique), _IN_CHUNK):
        chunk = unique[start : start + _IN_CHUNK]
        found.extend(conn.execute(query.where(column.in_(chunk))).all())
    return found


def import_csv(
    engine: Engine,
    lg_code: str,
    path: Path | str,
    cipher: FieldCipher,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    actor: str = "import",
    actor_role: str = "operator",
    progress: ProgressCallback | None = None,
    clock: Callable[[], datetime] = clock_now,
    analyze_first: int = ANALYZE_FIRST,
    workers: int = 1,
) -> ImportReport:
    """Import ``path`` into the registry of ``lg_code``; see the module docstring.

    ``workers`` > 1 validates the rows in that many processes
    (:mod:`jichi.registry.bulk.parallel`); everything else stays in this one.

    Raises :class:`JichiError` (BLK-00x) before writing anything when the file as a whole
    cannot be read; otherwise returns the report, rejected rows included.  ``progress`` is
    called after every batch with an :class:`ImportProgress`.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    lg_code = validate_identifier("lgcode", lg_code, field="lg_code").value
    source = Path(path)
    scan = scan_file(source, lg_code)
    report = ImportReport(source=str(source), sha256=scan.sha256, lg_code=lg_code)
    importer = _Importer(
        engine,
        lg_code,
        cipher,
        report,
        rows_total=scan.rows,
        actor=actor,
        actor_role=actor_role,
        clock=clock,
        progress=progress,
        analyze_first=analyze_first,
    )
    with open_source(source) as handle:
        records = read_records(handle)
        first = next(records, None)
        if first is None:  # the file changed since the scan
            raise JichiError(EMPTY_FILE, field="header")
        header = read_header(first[1])
        report.mapped_columns = [c.name for c in header.mapped]
        report.archived_columns = list(header.archived)
        preparer = Preparer(header, lg_code, cipher, copy_text=importer.copy)
        in_processes = workers if scan.rows >= PARALLEL_FROM else 1  # spawning costs ~1 s
        with importer.load():
            batch: list[HouseholdGroup] = []
            batch_rows = 0
            for group in prepared_groups(preparer, records, workers=in_processes):
                report.rows_read += len(group.rows)
                batch.append(group)
                batch_rows += len(group.rows)
                if batch_rows >= batch_size:
                    importer.flush(batch)
                    batch, batch_rows = [], 0
            if batch:
                importer.flush(batch)
    return report
