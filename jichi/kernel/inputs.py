"""What any text a user sends must be before jichi looks at it: the one place for input limits.

A counter form, a query string and a card reader all hand us text that may be anything:
digits from another script (``int("１２")`` and ``int("٣")`` both succeed in Python, and
``int("9" * 5000)`` is slow), a NUL byte (PostgreSQL refuses it in ``text`` and the whole
request fails), a lone surrogate (cannot be encoded, so it fails at the driver), a year
beyond what ``date`` arithmetic can carry, or an individual number (マイナンバー) typed into
a free-text field where it would be stored and logged in clear.  Each is refused here with
a typed error at its field, so the edges only call these functions.  Pure: no I/O.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from jichi.kernel.errors import JichiError, define
from jichi.kernel.identifiers import individual_number_check_digit

NUL_IN_TEXT = define(
    "TXT-010",
    "{label}に使えない制御文字が含まれています。",
    "{label_en} contains a NUL or control character",
    params=("label", "label_en"),
)
BROKEN_TEXT = define(
    "TXT-011",
    "{label}に読み取れない文字が含まれています。",
    "{label_en} contains a lone surrogate (not valid Unicode text)",
    params=("label", "label_en"),
)
TEXT_TOO_LONG = define(
    "TXT-012",
    "{label}は{max}文字以内で入力してください。",
    "{label_en} is longer than {max} characters",
    params=("label", "label_en", "max"),
)
NOT_AN_INTEGER = define(
    "TXT-013",
    "{label}は半角数字で入力してください。",
    "{label_en} must be ASCII digits",
    params=("label", "label_en"),
)
INTEGER_OUT_OF_RANGE = define(
    "TXT-014",
    "{label}は{low}から{high}までの数で入力してください。",
    "{label_en} must be between {low} and {high}",
    params=("label", "label_en", "low", "high"),
)
INDIVIDUAL_NUMBER_IN_TEXT = define(
    "TXT-015",
    "{label}に個人番号（マイナンバー）を書かないでください。",
    "{label_en} looks like it contains an individual number",
    params=("label", "label_en"),
)
DATE_OUT_OF_RANGE = define(
    "TXT-016",
    "{label}は{low}年から{high}年までの日付で入力してください。",
    "{label_en} must be a date from {low} to {high}",
    params=("label", "label_en", "low", "high"),
)

# The registry's dates: 明治 (1868) onwards, and nothing a person could be given in practice
# beyond 2200 (a 在留期間 or a planned move is years ahead, never centuries).
MIN_YEAR = 1868
MAX_YEAR = 2200
# Longest text any single form input may carry (a note, a purpose); fields with their own
# smaller limits (Pydantic max_length) still apply theirs.
MAX_TEXT = 4000
# Most digits an integer input may have before it is even converted (int() on a huge digit
# string is quadratic in CPython).
MAX_DIGITS = 18

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def env_int(name: str, default: int, *, digits: int = 9) -> int:
    """A positive whole-number setting from the environment; anything else is the default.

    Settings are typed by operators, not users, but a typo must not crash a server at its
    first request: ASCII digits only, at most ``digits`` of them.
    """
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) <= digits else default


def check_text(
    value: str, *, field: str, label: str | None = None, max_length: int = MAX_TEXT
) -> str:
    """``value`` unchanged if it is text jichi may store; TXT-010/011/012 otherwise.

    Tabs and newlines are allowed (a note has lines); NUL and the other C0 controls are not.
    """
    name = label or field
    if _CONTROL.search(value):
        raise JichiError(NUL_IN_TEXT, field=field, label=name, label_en=field)
    if _SURROGATE.search(value):
        raise JichiError(BROKEN_TEXT, field=field, label=name, label_en=field)
    if len(value) > max_length:
        raise JichiError(TEXT_TOO_LONG, field=field, label=name, label_en=field, max=max_length)
    return value


def parse_int(
    value: str,
    *,
    field: str,
    low: int = 0,
    high: int = 10**MAX_DIGITS - 1,
    label: str | None = None,
) -> int:
    """An integer from ASCII digits only (an optional leading ``-`` when ``low`` < 0).

    ``int()`` accepts any Unicode decimal digit and surrounding whitespace; a counter form
    must not, or ``"１２"`` and ``"12"`` would be different inputs meaning the same.
    """
    name = label or field
    text = value.strip()
    digits = text[1:] if text.startswith("-") and low < 0 else text
    if not digits or not digits.isascii() or not digits.isdigit() or len(digits) > MAX_DIGITS:
        raise JichiError(NOT_AN_INTEGER, field=field, label=name, label_en=field)
    number = int(text)
    if not low <= number <= high:
        raise JichiError(
            INTEGER_OUT_OF_RANGE, field=field, label=name, label_en=field, low=low, high=high
        )
    return number


def check_date(value: date, *, field: str, label: str | None = None) -> date:
    """``value`` if its year is one the registry handles (TXT-016 otherwise)."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise JichiError(
            DATE_OUT_OF_RANGE,
            field=field,
            label=label or field,
            label_en=field,
            low=MIN_YEAR,
            high=MAX_YEAR,
        )
    return value


# -- individual numbers in free text ----------------------------------------------------

_FOLD = {
    **{ord(c): ord("0") + i for i, c in enumerate("０１２３４５６７８９")},
    **{ord(c): ord("-") for c in "\u2010\u2011\u2012\u2013\u2212\uff0d\u30fc\uff70"},
    ord("\u3000"): ord(" "),
}
# Twelve digits, optionally grouped 4-4-4 by a space or hyphen, not inside a longer run of
# letters, digits or hyphens (so the all-digit tail of a UUID is not taken for a number).
_TWELVE_DIGITS = re.compile(
    r"(?<![0-9A-Za-z\-])[0-9]{4}[ \-]?[0-9]{4}[ \-]?[0-9]{4}(?![0-9A-Za-z\-])"
)


def contains_individual_number(text: str) -> bool:
    """Whether ``text`` holds twelve digits whose check digit is an individual number's.

    A safety net, not a guarantee: it catches the number written as digits (full- or
    half-width, grouped 4-4-4 by spaces or hyphens, or not) whose check digit is right.
    One random 12-digit string in ten passes the check digit, which is why a match refuses
    the input instead of silently masking it.
    """
    for match in _TWELVE_DIGITS.finditer(text.translate(_FOLD)):
        digits = match.group().replace(" ", "").replace("-", "")
        if individual_number_check_digit(digits[:11]) == int(digits[11]):
            return True
    return False


def individual_number_path(value: Any, path: str) -> str | None:
    """The JSON path of the first value (key or item) that looks like an individual number."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            found = individual_number_path(key, path) or individual_number_path(
                item, f"{path}.{key}"
            )
            if found is not None:
                return found
        return None
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = individual_number_path(item, f"{path}[{index}]")
            if found is not None:
                return found
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and contains_individual_number(value):
        return path
    return None


def no_individual_number(field: str) -> Any:
    """A Pydantic ``AfterValidator`` refusing an individual number in a free-text field.

    It raises :class:`JichiError` (TXT-015 at ``field``), which Pydantic passes through
    unchanged, so the API and the pages both report it at that field.
    """
    from pydantic import AfterValidator  # the kernel stays importable without pydantic

    def check(value: str) -> str:
        refuse_individual_number(value, field=field)
        return value

    return AfterValidator(check)


def refuse_individual_number(
    value: str | None, *, field: str, label: str | None = None
) -> str | None:
    """``value`` unchanged unless it holds an individual number (TXT-015 at ``field``)."""
    if value and contains_individual_number(value):
        raise JichiError(
            INDIVIDUAL_NUMBER_IN_TEXT, field=field, label=label or field, label_en=field
        )
    return value
