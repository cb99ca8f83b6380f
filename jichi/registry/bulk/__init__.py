"""Import a whole registry from CSV, and export it again: a municipality can always leave.

The layout is :data:`jichi.registry.layout.COLUMNS` (documented column by column in
``docs/guide/import-export.md``).  Every source column is accounted for (users.md U12):
it is *mapped* to an item of the record, or *archived* unchanged in ``import_archive``
(migration 0004) and written back out by :func:`export_csv`; a file jichi cannot read as a
whole is refused before anything is written.

How an import runs (:func:`import_csv`):

1. A first pass reads only the header and the household column: it checks the header,
   counts the rows (for the progress bar), hashes the file and makes sure the rows of each
   household are contiguous.  Nothing is written if that fails.
2. The second pass streams the rows (``csv`` module, one household in memory at a time),
   validates every row (the :class:`ResidentRecord` model, check digits, 振り仮名) and then
   every household (exactly one 世帯主 among active members, one address).  **The
   household is the unit of import**: when one of its rows is rejected, the whole
   household is, so a household in the registry is never missing a member.
3. Whole households are gathered into batches of about ``batch_size`` rows.  A batch is one
   transaction: for each new person one ``RECORDED`` event (reason ``IMPORT``), the
   resident projection, the household rows, the archive row; one ``notification`` row and
   ONE audit entry for the batch.  A crash loses at most the batch in flight; batches
   already committed stay, and re-running the file imports only what is missing.
4. A person already in the registry with identical content is skipped as unchanged; with
   different content it is rejected ("already imported with different data"), never
   overwritten.  So re-running the same file changes nothing.

Totals reconcile: rows read = imported + unchanged + rejected; columns = mapped + archived.

On PostgreSQL the import refreshes the planner's statistics (``ANALYZE``) of the tables it
fills each time it has doubled what they held at the last refresh.  Each batch looks its
rows up by person, household, resident code and individual number; with statistics of
the empty table those look-ups become sequential scans and a million-row import slows to
a crawl on a server whose autovacuum is off or lags behind (seen on this project's own
benchmark machine).
"""

from __future__ import annotations

from jichi.registry.bulk.cells import (
    CONTROL,
    ID_NAMESPACE,
    CellError,
    household_id_for,
    join_list,
    person_id_for,
    read_cell,
    split_list,
    write_cell,
)
from jichi.registry.bulk.errors import (
    BAD_CHOICE,
    BAD_DATE,
    BAD_INDIVIDUAL_NUMBER,
    BAD_KANA,
    BAD_RELATIONSHIP,
    BAD_RESIDENT_CODE,
    BAD_VALUE,
    BIRTH_AFTER,
    CONTROL_CHARACTER,
    DIFFERENT_DATA,
    DUPLICATE_COLUMN,
    DUPLICATE_INDIVIDUAL_NUMBER,
    DUPLICATE_PERSON,
    DUPLICATE_RESIDENT_CODE,
    EMPTY_FILE,
    FIELD_COUNT,
    HEAD_COUNT,
    HOUSEHOLD_ADDRESS,
    HOUSEHOLD_EXISTS,
    LEGACY_LISTS,
    MISSING_COLUMNS,
    MISSING_VALUE,
    NO_ID,
    NOT_CSV,
    NOT_GROUPED,
    NOT_UTF8,
    STATUS_MISMATCH,
    UNREADABLE,
    WITH_HOUSEHOLD,
    WRONG_MUNICIPALITY,
)
from jichi.registry.bulk.exporter import export_csv
from jichi.registry.bulk.importer import ANALYZE_FIRST, DEFAULT_BATCH_SIZE, import_csv
from jichi.registry.bulk.report import (
    ExportReport,
    ImportProgress,
    ImportReport,
    RowIssue,
    write_issue_report,
)
from jichi.registry.bulk.rows import (
    HEAD,
    MAX_RELATIONSHIP,
    HouseholdGroup,
    ProgressCallback,
    SourceRow,
    check_household,
    household_state,
    parse_row,
    row_address,
)
from jichi.registry.bulk.source import (
    Header,
    Scan,
    cell,
    household_key,
    open_source,
    read_header,
    read_records,
    scan_file,
)
from jichi.registry.bulk.tables import import_archive

__all__ = [
    "ANALYZE_FIRST",
    "BAD_CHOICE",
    "BAD_DATE",
    "BAD_INDIVIDUAL_NUMBER",
    "BAD_KANA",
    "BAD_RELATIONSHIP",
    "BAD_RESIDENT_CODE",
    "BAD_VALUE",
    "BIRTH_AFTER",
    "CONTROL",
    "CONTROL_CHARACTER",
    "DEFAULT_BATCH_SIZE",
    "DIFFERENT_DATA",
    "DUPLICATE_COLUMN",
    "DUPLICATE_INDIVIDUAL_NUMBER",
    "DUPLICATE_PERSON",
    "DUPLICATE_RESIDENT_CODE",
    "EMPTY_FILE",
    "FIELD_COUNT",
    "HEAD",
    "HEAD_COUNT",
    "HOUSEHOLD_ADDRESS",
    "HOUSEHOLD_EXISTS",
    "ID_NAMESPACE",
    "LEGACY_LISTS",
    "MAX_RELATIONSHIP",
    "MISSING_COLUMNS",
    "MISSING_VALUE",
    "NOT_CSV",
    "NOT_GROUPED",
    "NOT_UTF8",
    "NO_ID",
    "STATUS_MISMATCH",
    "UNREADABLE",
    "WITH_HOUSEHOLD",
    "WRONG_MUNICIPALITY",
    "CellError",
    "ExportReport",
    "Header",
    "HouseholdGroup",
    "ImportProgress",
    "ImportReport",
    "ProgressCallback",
    "RowIssue",
    "Scan",
    "SourceRow",
    "cell",
    "check_household",
    "export_csv",
    "household_id_for",
    "household_key",
    "household_state",
    "import_archive",
    "import_csv",
    "join_list",
    "open_source",
    "parse_row",
    "person_id_for",
    "read_cell",
    "read_header",
    "read_records",
    "row_address",
    "scan_file",
    "split_list",
    "write_cell",
    "write_issue_report",
]
