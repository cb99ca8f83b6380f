"""How an import loads: rows prepared where they are validated, indexes built after the load.

The rules and the report are tested in test_bulk.py; these tests hold the loading
machinery to the same results (docs/adr/0038-import-indexes-after-the-load.md).
"""

from __future__ import annotations

import itertools
import json
import pickle
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.registry import bulk
from jichi.registry.bulk import importer, indexes, parallel, prepare
from jichi.registry.bulk.source import household_key, read_header
from jichi.registry.service import NUMBER_CONTEXT
from jichi.registry.tables import household, registry_event, resident
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from tests.integration.registry.test_bulk import CIPHER, HEADER, LG, Source, counts

# What differs between two imports of the same file by construction: random ids, the
# moment of the batch, and the nonce of each encrypted number.
RANDOM = {"event_id", "notification_id", "recorded_at", "updated_at", "individual_number_enc"}


def _indexes(engine: Engine) -> set[tuple[str, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT tablename, indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = 'public' AND tablename = ANY(:tables)"
            ),
            {"tables": list(indexes.FILLED_TABLES)},
        )
        return {tuple(row) for row in rows}  # type: ignore[misc]


def _as_text(engine: Engine, table: sa.Table, key: str) -> list[dict[str, Any]]:
    """Every stored value as the database renders it, random columns left out."""
    columns = [c for c in table.c if c.name not in RANDOM and c.name != "seq"]
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(*[sa.cast(c, sa.Text).label(c.name) for c in columns]).order_by(table.c[key])
        )
        return [dict(row._mapping) for row in rows]


@pytest.fixture
def pg(engine: Engine) -> Engine:
    if engine.dialect.name != "postgresql":
        pytest.skip("indexes after the load and COPY lines are PostgreSQL's")
    return engine


def test_prepared_copy_lines_store_exactly_what_insert_rows_stores(
    pg: Engine, second_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = Source().write(tmp_path / "jumin.csv")
    copied = bulk.import_csv(pg, LG, path, CIPHER, batch_size=50)
    # The same file through the generic path: values, bound by SQLAlchemy's types.
    original_init = importer._Importer.__init__

    def values_not_lines(self: importer._Importer, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.copy = False

    monkeypatch.setattr(importer._Importer, "__init__", values_not_lines)
    bound = bulk.import_csv(second_engine, LG, path, CIPHER, batch_size=50)

    assert copied.imported == bound.imported > 0 and copied.issues == bound.issues
    for table, key in (
        (resident, "person_id"),
        (household, "household_id"),
        (registry_event, "person_id"),
        (bulk.import_archive, "person_id"),
    ):
        assert _as_text(pg, table, key) == _as_text(second_engine, table, key), table.name
    with pg.connect() as conn:
        stored = conn.execute(
            sa.select(resident.c.individual_number_enc, resident.c.record).where(
                resident.c.individual_number_enc.is_not(None)
            )
        ).first()
    assert stored is not None  # encrypted in a worker's way, readable by the registry's
    number = CIPHER.decrypt(stored.individual_number_enc, context=NUMBER_CONTEXT)
    assert len(number) == 12 and number not in json.dumps(stored.record)


def test_an_import_into_an_empty_registry_builds_the_same_indexes_after_the_load(
    pg: Engine, tmp_path: Path
) -> None:
    before = _indexes(pg)
    assert len(before) > 4 + 10  # the four primary keys and the secondary indexes
    path = Source().write(tmp_path / "jumin.csv")

    report = bulk.import_csv(pg, LG, path, CIPHER, batch_size=50)

    assert report.indexes_deferred == len(before) - 4  # all but the primary keys
    assert _indexes(pg) == before
    with pg.connect() as conn:
        valid = conn.execute(
            sa.text(
                "SELECT bool_and(i.indisvalid AND i.indisready) FROM pg_index i "
                "WHERE i.indrelid = ANY(CAST(:tables AS regclass[]))"
            ),
            {"tables": list(indexes.FILLED_TABLES)},
        ).scalar_one()
    assert valid
    again = bulk.import_csv(pg, LG, path, CIPHER, batch_size=50)
    assert again.indexes_deferred == 0  # not empty any more: batch by batch
    assert again.imported == 0 and again.unchanged == report.imported
    assert _indexes(pg) == before


def test_an_import_that_fails_midway_leaves_the_indexes_and_an_empty_registry(
    pg: Engine, second_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _indexes(pg)
    empty = counts(pg)
    path = Source().write(tmp_path / "jumin.csv")
    write = importer._Importer._write

    def fail_on_third_batch(self: importer._Importer, conn: Any, groups: Any) -> None:
        if self.batch_number == 3:
            raise RuntimeError("disk full")
        write(self, conn, groups)

    monkeypatch.setattr(importer._Importer, "_write", fail_on_third_batch)
    with pytest.raises(RuntimeError, match="disk full"):
        bulk.import_csv(pg, LG, path, CIPHER, batch_size=50)
    monkeypatch.setattr(importer._Importer, "_write", write)

    assert _indexes(pg) == before
    assert counts(pg) == empty  # the whole load rolled back, so the registry is empty
    rerun = bulk.import_csv(pg, LG, path, CIPHER, batch_size=50)
    clean = bulk.import_csv(second_engine, LG, path, CIPHER, batch_size=50)
    assert rerun.indexes_deferred > 0
    assert (rerun.imported, rerun.unchanged, rerun.rejected, rerun.batches_committed) == (
        clean.imported,
        clean.unchanged,
        clean.rejected,
        clean.batches_committed,
    )
    assert rerun.issues == clean.issues


def test_a_registry_holding_another_municipality_is_imported_batch_by_batch(
    pg: Engine, tmp_path: Path
) -> None:
    other = Source(households=3, seed=11).write(tmp_path / "other.csv")
    first = bulk.import_csv(pg, "131016", other, CIPHER, batch_size=50)
    assert first.indexes_deferred > 0 and first.imported > 0
    path = Source().write(tmp_path / "jumin.csv")

    report = bulk.import_csv(pg, LG, path, CIPHER, batch_size=50)

    assert report.indexes_deferred == 0  # indexes are table-wide: theirs stay usable
    assert report.imported > 0 and report.reconciles


def test_households_are_never_split_between_chunks() -> None:
    source = Source()
    header = read_header(HEADER)
    records = [
        (line, [row[name] for name in HEADER]) for line, row in enumerate(source.rows, start=2)
    ]
    preparer = prepare.Preparer(header, LG, CIPHER, copy_text=True)

    chunks = list(parallel.household_chunks(preparer, records, 7))

    assert [r for chunk in chunks for r in chunk] == records
    assert len(chunks) > 10
    for before, after in itertools.pairwise(chunks):
        assert len(before) >= 7
        last, first = before[-1], after[0]
        assert household_key(header, last[1], LG, last[0]) != household_key(
            header, first[1], LG, first[0]
        )


def test_a_cipher_reaches_a_worker_whole_and_still_hides_its_keys() -> None:
    cipher = FieldCipher(Keys.derive(b"w" * 32))
    token = cipher.encrypt("123456789018", context=NUMBER_CONTEXT)

    copy = pickle.loads(pickle.dumps(cipher))

    assert copy.decrypt(token, context=NUMBER_CONTEXT) == "123456789018"
    assert copy.lookup_hash("1", context="x") == cipher.lookup_hash("1", context="x")
    assert copy.audit_key.mac(b"m") == cipher.audit_key.mac(b"m")
    assert "w" * 8 not in repr(copy) and "keys hidden" in repr(copy)
    assert prepare.NUMBER_CONTEXT == NUMBER_CONTEXT


@pytest.mark.parametrize(
    "value",
    ["plain", "tab\there", "new\nline", "cr\rlf", "back\\slash", '{"a": "\\u3042"}', ""],
)
def test_copy_text_escapes_what_copy_reads_and_nothing_else(value: str) -> None:
    field = prepare.copy_field(value)
    assert "\t" not in field and "\n" not in field and "\r" not in field
    assert prepare.copy_unescape(field) == value
    assert prepare.copy_field(None) == "\\N" and prepare.copy_field(True) == "t"


def test_the_row_hash_text_is_the_sorted_json_of_the_row() -> None:
    header = read_header(HEADER)
    cells = [f'値{i}\t"{i}\\' for i in range(len(HEADER))]
    for row in (cells, cells[:-3], [*cells, "extra"], []):
        expected = json.dumps(
            dict(zip(header.names, row, strict=False)), ensure_ascii=False, sort_keys=True
        )
        assert header.canonical_json(row) == expected
