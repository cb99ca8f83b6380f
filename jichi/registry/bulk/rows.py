"""One source row into one validated record; the rows of a household checked together."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from jichi.kernel.errors import ErrorKind, JichiError
from jichi.registry.bulk.cells import CONTROL, CellError, household_id_for, person_id_for, read_cell
from jichi.registry.bulk.errors import (
    BAD_RELATIONSHIP,
    BAD_VALUE,
    BIRTH_AFTER,
    CONTROL_CHARACTER,
    DUPLICATE_PERSON,
    FIELD_COUNT,
    HEAD_COUNT,
    HOUSEHOLD_ADDRESS,
    LEGACY_LISTS,
    MISSING_VALUE,
    NO_ID,
    STATUS_MISMATCH,
    WITH_HOUSEHOLD,
    WRONG_MUNICIPALITY,
)
from jichi.registry.bulk.report import ImportProgress, RowIssue
from jichi.registry.bulk.source import Header, cell
from jichi.registry.layout import (
    BY_NAME,
    COLUMNS,
    OPTIONAL_GROUPS,
    Kind,
)
from jichi.registry.model import Address, ResidentRecord, Status
from jichi.registry.relationship import Relationship

HEAD = "世帯主"
MAX_RELATIONSHIP = 40  # resident.relationship is VARCHAR(40)


# ---------------------------------------------------------------------------
# One row → one record
# ---------------------------------------------------------------------------


@dataclass
class SourceRow:
    line: int
    source_id: str
    household_source_id: str
    person_id: str = ""
    household_id: str = ""
    record: ResidentRecord | None = None
    number: str | None = None
    number_hash: str | None = None
    archived: dict[str, str] = field(default_factory=dict)
    row_sha256: str = ""
    issues: list[RowIssue] = field(default_factory=list)
    # Set by jichi.registry.bulk.prepare once the household passed (record and number
    # are then dropped): what the importer classifies by, and the rows it writes.
    active: bool = False
    resident_code: str | None = None
    ready_resident: bytes | tuple[Any, ...] | None = None
    ready_event: bytes | tuple[Any, ...] | None = None
    ready_archive: bytes | tuple[Any, ...] | None = None

    def reject(
        self, kind: ErrorKind, at: str | None, cause: str | None = None, **params: Any
    ) -> None:
        """Record an issue at column ``at``; ``params`` fill the message templates."""
        ja, en = kind.render(params)
        self.issues.append(RowIssue(self.line, at, kind.code, ja, en, self.source_id, cause))


_PATH_TO_COLUMN: dict[tuple[str, ...], str] = {
    path: c.name for c in COLUMNS if (path := c.record_path) is not None
}


def _column_for(loc: Iterable[Any]) -> str | None:
    path = tuple(str(p) for p in loc if not isinstance(p, int))
    while path:
        if path in _PATH_TO_COLUMN:
            return _PATH_TO_COLUMN[path]
        path = path[:-1]
    return None


def _set(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        data = data.setdefault(part, {})
    data[path[-1]] = value


def parse_row(header: Header, cells: list[str], line: int, lg_code: str) -> SourceRow:
    """Validate one source row; the result holds the record or the issues (never both)."""
    row = SourceRow(
        line=line,
        source_id=cell(header, cells, "source_id"),
        household_source_id=cell(header, cells, "household_source_id"),
    )
    canonical = header.canonical_json(cells)
    row.row_sha256 = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    if len(cells) != len(header.names):
        row.reject(FIELD_COUNT, None, expected=len(header.names), actual=len(cells))
        return row
    data: dict[str, Any] = {"lg_code": lg_code, "name": {}, "address": {}, "qualifications": {}}
    legacy: dict[str, list[str]] = {}
    # One search over the whole row: a row without any control character (nearly all)
    # needs no search per cell; one with some is checked cell by cell as always.
    clean = CONTROL.search("".join(cells)) is None
    for col, position in header.plan:
        value = cells[position]
        if value == "":
            if col.required:
                row.reject(MISSING_VALUE, col.name, column=col.name, label=col.label_ja)
            continue
        if not clean and (match := CONTROL.search(value)) is not None:
            row.reject(
                CONTROL_CHARACTER,
                col.name,
                column=col.name,
                label=col.label_ja,
                position=match.start() + 1,
            )
            continue
        if col.kind is Kind.TEXT:  # most cells: kept exactly as written
            parsed: Any = value
        else:
            try:
                parsed = read_cell(col, value)
            except CellError as error:
                row.reject(error.kind, col.name, error.cause, **error.params)
                continue
        if col.kind is Kind.LIST:
            legacy[col.name] = parsed
        elif col.name == "individual_number":
            row.number = parsed
        elif (path := col.record_path) is not None:
            _set(data, path, parsed)
    for name in header.archived:
        value = cells[header.index[name]]
        if not clean and "\x00" in value:
            row.reject(
                CONTROL_CHARACTER,
                name,
                column=name,
                label="保存する列",
                position=value.index("\x00") + 1,
            )
        row.archived[name] = value
    _resolve_ids(row, data, lg_code)
    _legacy(row, data, legacy)
    if row.issues:
        return row
    address = data["address"]
    if not address.get("lg_code"):
        address["lg_code"] = lg_code
    elif address["lg_code"] != lg_code:
        row.reject(WRONG_MUNICIPALITY, "address_lg_code", column="address_lg_code", lg_code=lg_code)
    relationship = data.get("relationship", "")
    if len(relationship) > MAX_RELATIONSHIP:
        row.reject(
            BAD_VALUE,
            "relationship",
            column="relationship",
            label="続柄",
            reason=f"{MAX_RELATIONSHIP}文字以内",
            reason_en=f"at most {MAX_RELATIONSHIP} characters",
        )
    data["has_individual_number"] = row.number is not None
    if row.issues:
        return row
    try:
        record = ResidentRecord.model_validate(data)
    except ValidationError as error:
        for problem in error.errors():
            column = _column_for(problem["loc"])
            spec = BY_NAME.get(column or "")
            label = spec.label_ja if spec else "項目"
            if problem["type"] == "missing" or problem["type"] == "string_too_short":
                row.reject(MISSING_VALUE, column, column=column or "?", label=label)
            else:
                row.reject(
                    BAD_VALUE,
                    column,
                    column=column or "?",
                    label=label,
                    reason="長さや文字の種類を確認してください",
                    reason_en=str(problem["msg"]),
                )
        return row
    _check_record(row, record)
    if not row.issues:
        row.record = record
    return row


def _resolve_ids(row: SourceRow, data: dict[str, Any], lg_code: str) -> None:
    if not data.get("person_id"):
        if row.source_id:
            data["person_id"] = person_id_for(lg_code, row.source_id)
        else:
            row.reject(
                NO_ID,
                "source_id",
                what="個人の ID",
                what_en="person id",
                columns="source_id, person_id",
            )
    if not data.get("household_id"):
        if row.household_source_id:
            data["household_id"] = household_id_for(lg_code, row.household_source_id)
        else:
            row.reject(
                NO_ID,
                "household_source_id",
                what="世帯の ID",
                what_en="household id",
                columns="household_source_id, household_id",
            )
    row.person_id = data.get("person_id", "")
    row.household_id = data.get("household_id", "")
    for group in OPTIONAL_GROUPS:
        if group in data and not data[group]:
            del data[group]


def _legacy(row: SourceRow, data: dict[str, Any], lists: dict[str, list[str]]) -> None:
    if not lists:
        return
    lengths = {len(v) for v in lists.values()}
    if len(lengths) != 1:
        counts = ", ".join(f"{k}={len(v)}" for k, v in lists.items())
        row.reject(LEGACY_LISTS, "legacy_code", counts=counts)
        return
    count = lengths.pop()
    names = ("legacy_code", "legacy_identified_as", "legacy_identified_by")
    fields = ("legacy_code", "identified_as", "identified_by")
    data["legacy_characters"] = [
        {f: lists.get(n, [""] * count)[i] for n, f in zip(names, fields, strict=True)}
        for i in range(count)
    ]


def _check_record(row: SourceRow, record: ResidentRecord) -> None:
    try:
        # 続柄 must already be in the registry's written form (子の子, never 孫): anything
        # else would be stored as an item no household view or certificate can order.
        written = Relationship.parse(record.relationship, field="relationship").render()
    except JichiError as error:
        row.reject(
            BAD_RELATIONSHIP,
            "relationship",
            error.code,
            why=error.message_ja,
            why_en=error.message_en,
        )
    else:
        if written != record.relationship:
            row.reject(
                BAD_RELATIONSHIP,
                "relationship",
                None,
                why=f"「{written}」と書いてください",
                why_en=f"write it as {written!r}",
            )
    removed = record.status is Status.REMOVED
    if removed and (record.removed_on is None or record.removal_reason is None):
        row.reject(
            STATUS_MISMATCH,
            "removed_on" if record.removed_on is None else "removal_reason",
            why="消除された住民票には消除の年月日と事由が必要です",
            why_en="a removed record needs removed_on and removal_reason",
        )
    if not removed and (record.removed_on is not None or record.removal_reason is not None):
        row.reject(
            STATUS_MISMATCH,
            "status",
            why="消除の年月日・事由がありますが状態が現存です",
            why_en="removal items are set but status is active",
        )
    if record.date_of_birth > record.resident_since:
        row.reject(
            BIRTH_AFTER,
            "date_of_birth",
            birth=record.date_of_birth.isoformat(),
            label="住民となった年月日",
            column="resident_since",
            other=record.resident_since.isoformat(),
        )


# ---------------------------------------------------------------------------
# Households and batches
# ---------------------------------------------------------------------------


@dataclass
class HouseholdGroup:
    household_id: str
    rows: list[SourceRow]
    ready: bytes | tuple[Any, ...] | None = None  # the household row (prepare.py)

    @property
    def shown(self) -> str:
        first = self.rows[0]
        return first.household_source_id or self.household_id

    def first_bad(self) -> SourceRow | None:
        return next((r for r in self.rows if r.issues), None)

    def reject_rest(self, bad: SourceRow) -> None:
        for r in self.rows:
            if not r.issues:
                r.reject(WITH_HOUSEHOLD, None, line=bad.line)


def check_household(group: HouseholdGroup) -> None:
    """Household rules on a whole group; the group is rejected whole if one row fails."""
    bad = group.first_bad()
    if bad is None:
        seen: dict[str, int] = {}
        for r in group.rows:
            if r.person_id in seen:
                r.reject(DUPLICATE_PERSON, "person_id", line=seen[r.person_id])
            seen.setdefault(r.person_id, r.line)
        active = [r for r in group.rows if r.record is not None and r.record.is_active]
        heads = [r for r in active if r.record is not None and r.record.is_head]
        if active and len(heads) != 1:
            for r in heads or active:
                r.reject(HEAD_COUNT, "relationship", household=group.shown, count=len(heads))
        elif heads:
            head_address = row_address(heads[0])
            for r in active:
                if not row_address(r).same_place(head_address):
                    r.reject(HOUSEHOLD_ADDRESS, "address_town", household=group.shown)
        bad = group.first_bad()
    if bad is not None:
        group.reject_rest(bad)


def row_address(row: SourceRow) -> Address:
    assert row.record is not None
    return row.record.address


def household_state(group: HouseholdGroup) -> tuple[Address, bool]:
    records = [r.record for r in group.rows if r.record is not None]
    active = [r for r in records if r.is_active]
    heads = [r for r in active if r.is_head]
    source = heads[0] if heads else records[0]
    return source.address, bool(active)


ProgressCallback = Callable[[ImportProgress], None]
