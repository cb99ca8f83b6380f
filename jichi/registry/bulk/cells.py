"""One cell of the layout read into the record's value, or written back out."""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Sequence
from typing import Any

from jichi.kernel.era import parse_date
from jichi.kernel.errors import ErrorKind, JichiError
from jichi.kernel.identifiers import validate as validate_identifier
from jichi.kernel.text import to_halfwidth_ascii, validate_name_kana
from jichi.registry.bulk.errors import (
    BAD_CHOICE,
    BAD_DATE,
    BAD_INDIVIDUAL_NUMBER,
    BAD_KANA,
    BAD_RESIDENT_CODE,
    BAD_VALUE,
)
from jichi.registry.layout import (
    Column,
    Kind,
)
from jichi.registry.model import RemovalReason

ID_NAMESPACE = uuid.UUID("6f1c2b7e-3d0a-5c4e-9b8f-2a6d1e0c4b31")


# ---------------------------------------------------------------------------
# Reading cells
# ---------------------------------------------------------------------------

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_TRUE = frozenset({"1", "true", "t", "yes", "y", "はい", "有", "あり", "○", "〇"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "いいえ", "無", "なし", "×"})
_SEX = {"male": "male", "m": "male", "1": "male", "男": "male", "男性": "male"}
_SEX |= {"female": "female", "f": "female", "2": "female", "女": "female", "女性": "female"}
_STATUS = {"active": "active", "現存": "active", "removed": "removed", "消除": "removed"}
_STATUS |= {"除票": "removed"}
_REASONS = {r.value: r.value for r in RemovalReason} | {r.label_ja: r.value for r in RemovalReason}
_CHOICES = {
    Kind.BOOL: "1/0, true/false, はい/いいえ, 有/無",
    Kind.SEX: "male/female, 男/女, 1/2",
    Kind.STATUS: "active/removed, 現存/消除",
    Kind.REMOVAL_REASON: "move_out/move_abroad/death/ex_officio, 転出/国外転出/死亡/職権消除",
}
_CHOICES_EN = {
    Kind.BOOL: "1/0, true/false, yes/no (or hai/iie, u/mu in kanji)",
    Kind.SEX: "male/female, 1/2 (or otoko/onna in kanji)",
    Kind.STATUS: "active/removed",
    Kind.REMOVAL_REASON: "move_out/move_abroad/death/ex_officio",
}


class CellError(Exception):
    def __init__(self, kind: ErrorKind, cause: str | None = None, **params: Any) -> None:
        super().__init__(kind.code)
        self.kind = kind
        self.cause = cause
        self.params = params


def _wrap(kind: ErrorKind, error: JichiError, col: Column) -> CellError:
    return CellError(
        kind,
        error.code,
        column=col.name,
        label=col.label_ja,
        reason=error.message_ja,
        reason_en=error.message_en,
    )


_DATES: dict[str, str] = {}  # cell text → ISO date, for cells that parsed
_CHOICES_READ: dict[tuple[Kind, str], Any] = {}  # (kind, cell text) → value read
_DATES_KEPT = 1 << 17


def read_cell(col: Column, value: str) -> Any:
    """The value of a non-empty cell, as the record's JSON holds it; ``CellError`` if bad."""
    kind = col.kind
    if kind is Kind.TEXT:
        return value
    if kind is Kind.LIST:
        return split_list(value)
    if kind is Kind.KANA:
        try:
            return validate_name_kana(value, col.name)
        except JichiError as error:
            raise _wrap(BAD_KANA, error, col) from None
    if kind is Kind.DATE:
        if (known := _DATES.get(value)) is not None:
            return known
        try:
            parsed = parse_date(value, field=col.name).isoformat()
        except JichiError as error:
            raise _wrap(BAD_DATE, error, col) from None
        if len(_DATES) < _DATES_KEPT:  # a registry has some tens of thousands of dates
            _DATES[value] = parsed
        return parsed
    if kind is Kind.RESIDENT_CODE:
        try:
            return validate_identifier("residentcode", value, field=col.name).value
        except JichiError as error:
            raise _wrap(BAD_RESIDENT_CODE, error, col) from None
    if kind is Kind.INDIVIDUAL_NUMBER:
        try:
            return validate_identifier("mynumber", value, field=col.name).value
        except JichiError as error:
            raise _wrap(BAD_INDIVIDUAL_NUMBER, error, col) from None
    if (known := _CHOICES_READ.get((kind, value))) is not None:
        return known
    plain = to_halfwidth_ascii(value).strip()
    if kind is Kind.UUID:
        try:
            return str(uuid.UUID(plain))
        except ValueError:
            raise CellError(
                BAD_VALUE,
                column=col.name,
                label=col.label_ja,
                reason="UUID の形式ではありません",
                reason_en="not a UUID",
            ) from None
    key = plain.lower()
    found: Any = None
    if kind is Kind.BOOL:
        found = True if key in _TRUE else False if key in _FALSE else None
    elif kind is Kind.SEX:
        found = _SEX.get(key)
    elif kind is Kind.STATUS:
        found = _STATUS.get(key)
    elif kind is Kind.REMOVAL_REASON:
        found = _REASONS.get(key)
    if found is None:
        raise CellError(
            BAD_CHOICE,
            column=col.name,
            label=col.label_ja,
            allowed=_CHOICES[kind],
            allowed_en=_CHOICES_EN[kind],
        )
    if len(_CHOICES_READ) < _DATES_KEPT:  # a file spells each choice a few ways at most
        _CHOICES_READ[(kind, value)] = found
    return found


def write_cell(col: Column, value: Any) -> str:
    """The text an export writes for a value of the record (``None`` → empty)."""
    if value is None:
        return ""
    if col.kind is Kind.BOOL:
        return "1" if value else "0"
    if col.kind is Kind.LIST:
        return join_list(value)
    return str(value)


def split_list(text: str) -> list[str]:
    r"""``a;b`` → ``["a", "b"]``; ``\;`` is a literal ``;`` and ``\\`` a backslash."""
    items: list[str] = []
    current: list[str] = []
    chars = iter(text)
    for char in chars:
        if char == "\\":
            current.append(next(chars, "\\"))
        elif char == ";":
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    return items


def join_list(values: Sequence[str]) -> str:
    return ";".join(v.replace("\\", "\\\\").replace(";", "\\;") for v in values)


def person_id_for(lg_code: str, source_id: str) -> str:
    """The person_id an import gives the source system's id (stable across re-runs)."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{lg_code}/person/{source_id}"))


@functools.lru_cache(maxsize=4096)  # the rows of a household ask for the same id in turn
def household_id_for(lg_code: str, household_source_id: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{lg_code}/household/{household_source_id}"))
