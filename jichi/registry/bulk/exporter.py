"""The export: everything the registry holds, in the same layout, so it can leave."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import os
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.kernel.clock import now as clock_now
from jichi.kernel.identifiers import validate as validate_identifier
from jichi.registry.bulk.cells import join_list, write_cell
from jichi.registry.bulk.report import ExportReport
from jichi.registry.bulk.rows import HEAD
from jichi.registry.bulk.tables import import_archive
from jichi.registry.layout import (
    COLUMN_NAMES,
    COLUMNS,
    Column,
)
from jichi.registry.model import ResidentRecord
from jichi.registry.service import NUMBER_CONTEXT
from jichi.registry.tables import resident
from jichi.security import audit
from jichi.security.crypto import FieldCipher
from jichi.store.engine import write_transaction


def export_csv(
    engine: Engine,
    lg_code: str,
    out: Path | str,
    cipher: FieldCipher,
    *,
    actor: str = "export",
    actor_role: str = "operator",
    clock: Callable[[], datetime] = clock_now,
) -> ExportReport:
    """Write the whole registry of ``lg_code`` to ``out`` in the import layout.

    Households in ``household_id`` order, the head first, then ``person_id``; archived
    columns after the layout's, in name order.  Individual numbers are decrypted: the file
    is 特定個人情報.  The file appears (atomically, by rename) only after the export's
    audit entries (one for the file, one per person in it) have been committed.
    """
    lg_code = validate_identifier("lgcode", lg_code, field="lg_code").value
    exported: list[str] = []
    target = Path(out)
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or Path(".")
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            counts = _write_export(engine, lg_code, cipher, handle, exported)
        digest = hashlib.sha256(Path(temporary).read_bytes()).hexdigest()
        with write_transaction(engine) as conn:
            audit.append(
                conn,
                audit.AuditEntry(
                    lg_code=lg_code,
                    at=clock(),
                    actor=actor,
                    actor_role=actor_role,
                    action="registry.export",
                    detail={
                        "persons": counts[0],
                        "households": counts[1],
                        "individual_numbers": counts[2],
                        "columns": len(COLUMNS) + len(counts[3]),
                        "sha256": digest,
                    },
                ),
                cipher.audit_key,
            )
            # And one per person, so each resident's own page shows their data left.
            at = clock()
            per_person = [
                audit.AuditEntry(
                    lg_code=lg_code,
                    at=at,
                    actor=actor,
                    actor_role=actor_role,
                    action="registry.export",
                    subject_person_id=person_id,
                    detail={"sha256": digest},
                )
                for person_id in exported
            ]
            audit.append_many(conn, per_person, cipher.audit_key)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return ExportReport(
        path=str(target),
        sha256=digest,
        persons=counts[0],
        households=counts[1],
        individual_numbers=counts[2],
        columns=len(COLUMNS) + len(counts[3]),
        archived_columns=counts[3],
    )


def _write_export(
    engine: Engine, lg_code: str, cipher: FieldCipher, handle: TextIO, exported: list[str]
) -> tuple[int, int, int, list[str]]:
    persons = households = numbers = 0
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            archived: set[str] = set()
            keys = conn.execution_options(yield_per=1000).execute(
                sa.select(import_archive.c.columns).where(import_archive.c.lg_code == lg_code)
            )
            for (columns,) in keys:
                archived.update(columns)
            extra = sorted(archived)
            writer = csv.writer(handle)
            writer.writerow([*COLUMN_NAMES, *extra])
            head_first = sa.case((resident.c.relationship == HEAD, 0), else_=1)
            query = (
                sa.select(
                    resident.c.person_id,
                    resident.c.household_id,
                    resident.c.record,
                    resident.c.individual_number_enc,
                    import_archive.c.source_id,
                    import_archive.c.household_source_id,
                    import_archive.c.columns,
                )
                .select_from(
                    resident.outerjoin(
                        import_archive, import_archive.c.person_id == resident.c.person_id
                    )
                )
                .where(resident.c.lg_code == lg_code)
                .order_by(resident.c.household_id, head_first, resident.c.person_id)
            )
            last_household = None
            for row in conn.execution_options(yield_per=1000).execute(query):
                record = ResidentRecord.model_validate(row.record).model_dump(mode="json")
                number = (
                    cipher.decrypt(row.individual_number_enc, context=NUMBER_CONTEXT)
                    if row.individual_number_enc
                    else None
                )
                cells = [_export_cell(col, record, row, number) for col in COLUMNS]
                kept = dict(row.columns or {})
                cells.extend(kept.get(name, "") for name in extra)
                writer.writerow(cells)
                exported.append(row.person_id)
                persons += 1
                numbers += number is not None
                if row.household_id != last_household:
                    households += 1
                    last_household = row.household_id
    return persons, households, numbers, extra


def _export_cell(col: Column, record: dict[str, Any], row: Any, number: str | None) -> str:
    if col.name == "source_id":
        return row.source_id or ""
    if col.name == "household_source_id":
        return row.household_source_id or ""
    if col.name == "individual_number":
        return number or ""
    path = col.record_path
    assert path is not None
    if path[0] == "legacy_characters":
        return join_list([item[path[1]] for item in record["legacy_characters"]])
    value: Any = record
    for part in path:
        if value is None:
            return ""
        value = value.get(part)
    return write_cell(col, value)
