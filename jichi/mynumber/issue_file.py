"""Read the ``jichi mynumber issue`` input: one resident code a line, all checked first.

Every line is validated before anything is issued, and every bad line is reported
(MYN-001 with its line number; the reason comes from the kernel's identifier check,
which never repeats the value).  Blank lines are skipped; a BOM and surrounding
spaces are ignored; full-width digits are accepted (the kernel normalises them).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from jichi.kernel.errors import JichiError
from jichi.kernel.identifiers import IdKind, ResidentCodeScheme, validate
from jichi.mynumber.errors import BAD_RESIDENT_CODE, UNREADABLE_FILE


def parse_lines(lines: Iterable[str]) -> tuple[list[str], list[JichiError]]:
    """(codes in order, errors): issue only when the error list is empty."""
    codes: list[str] = []
    errors: list[JichiError] = []
    for number, raw in enumerate(lines, start=1):
        text = raw.lstrip("\ufeff").strip()
        if not text:
            continue
        try:
            codes.append(
                validate(
                    IdKind.RESIDENT_CODE,
                    text,
                    field=f"line {number}",
                    resident_code_scheme=ResidentCodeScheme.FORMAT_ONLY,
                ).value
            )
        except JichiError as error:
            errors.append(
                JichiError(
                    BAD_RESIDENT_CODE,
                    field=f"line {number}",
                    line=number,
                    reason=error.message_ja,
                    reason_en=error.message_en,
                )
            )
    return codes, errors


def read_lines(path: Path) -> list[str]:
    """The file's lines (UTF-8); MYN-003 if it cannot be read."""
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "UTF-8 ではありません"
        raise JichiError(
            UNREADABLE_FILE, field="file", path=str(path), reason=reason or "unreadable"
        ) from None
