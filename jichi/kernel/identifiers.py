"""Official identifiers and their check digits.

Four numbers run through every Japanese government system.  Each has a check digit
fixed by a different ordinance, and each is typed by people at counters, so input
arrives full-width, spaced or hyphenated: normalise first, then validate, and say
exactly what is wrong (length, a non-digit, the check digit) without ever echoing the
value — an individual number must not reach a log line through an error message.

Sources (see ``docs/guide/identifiers.md``):

* 個人番号 — 平成26年総務省令第85号 第5条 (weights 6,5,4,3,2,7,6,5,4,3,2; mod 11).
* 全国地方公共団体コード — 総務省 code specification (weights 6..2; last digit of 11 − r).
* 法人番号 — 平成26年財務省令第70号 第2条 (check digit first; weights 1,2 from the right; mod 9).
* 住民票コード — 住基法施行規則 第1条 says 10 random digits + 1 check digit, computed by
  平成14年総務省告示第436号, whose text we have not been able to read.  So the scheme is
  configurable and the default checks the format only; see :class:`ResidentCodeScheme`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from enum import StrEnum

from jichi.kernel.errors import JichiError, define


class IdKind(StrEnum):
    """The identifiers jichi knows; the value is the CLI's spelling."""

    INDIVIDUAL_NUMBER = "mynumber"
    LG_CODE = "lgcode"
    CORPORATE_NUMBER = "corporate"
    RESIDENT_CODE = "residentcode"


LABELS_JA: dict[IdKind, str] = {
    IdKind.INDIVIDUAL_NUMBER: "個人番号",
    IdKind.LG_CODE: "地方公共団体コード",
    IdKind.CORPORATE_NUMBER: "法人番号",
    IdKind.RESIDENT_CODE: "住民票コード",
}
LABELS_EN: dict[IdKind, str] = {
    IdKind.INDIVIDUAL_NUMBER: "individual number",
    IdKind.LG_CODE: "local government code",
    IdKind.CORPORATE_NUMBER: "corporate number",
    IdKind.RESIDENT_CODE: "resident code",
}
LENGTHS: dict[IdKind, int] = {
    IdKind.INDIVIDUAL_NUMBER: 12,
    IdKind.LG_CODE: 6,
    IdKind.CORPORATE_NUMBER: 13,
    IdKind.RESIDENT_CODE: 11,
}

ID_EMPTY = define(
    "ID-001",
    "{label}が入力されていません。",
    "{label_en} is empty",
    params=("label", "label_en"),
)
ID_LENGTH = define(
    "ID-002",
    "{label}は{expected}桁で入力してください（入力は{actual}桁です）。",
    "{label_en} must have {expected} digits, got {actual}",
    params=("label", "label_en", "expected", "actual"),
)
ID_NOT_DIGIT = define(
    "ID-003",
    "{label}に数字以外の文字が含まれています（{position}文字目）。",
    "{label_en} contains a non-digit character at position {position}",
    params=("label", "label_en", "position"),
)
ID_CHECK_DIGIT = define(
    "ID-004",
    "{label}の検査用数字が一致しません。番号を確認してください。",
    "{label_en} check digit does not match",
    params=("label", "label_en"),
)
ID_UNKNOWN_KIND = define(
    "ID-005",
    "番号の種類「{kind}」は扱えません（{allowed}）。",
    "unknown identifier kind {kind!r}; expected one of {allowed}",
    params=("kind", "allowed"),
)
ID_BASE_LENGTH = define(
    "ID-006",
    "検査用数字を計算する{label}の本体は{expected}桁です（入力は{actual}桁です）。",
    "the base of a {label_en} has {expected} digits, got {actual}",
    params=("label", "label_en", "expected", "actual"),
)

# Characters people type between digit groups; all are dropped before validation.
_SEPARATORS = frozenset(" \t\u3000-\u2010\u2011\u2012\u2013\u2212\uff0d\u30fc\uff70")
_FULLWIDTH_DIGITS = {ord(c): ord("0") + i for i, c in enumerate("０１２３４５６７８９")}


def normalize_digits(value: str) -> str:
    """Full-width digits to ASCII, separators removed; other characters kept for the error."""
    translated = value.translate(_FULLWIDTH_DIGITS)
    return "".join(c for c in translated if c not in _SEPARATORS)


def individual_number_check_digit(base: str) -> int:
    """Check digit of an individual number from its first 11 digits (省令85号 第5条)."""
    _require_base(IdKind.INDIVIDUAL_NUMBER, base, 11)
    weights = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    remainder = sum(int(d) * w for d, w in zip(base, weights, strict=True)) % 11
    return 0 if remainder <= 1 else 11 - remainder


def lg_code_check_digit(base: str) -> int:
    """Check digit of a local government code from its first 5 digits (総務省)."""
    _require_base(IdKind.LG_CODE, base, 5)
    remainder = sum(int(d) * w for d, w in zip(base, (6, 5, 4, 3, 2), strict=True)) % 11
    return (11 - remainder) % 10


def corporate_number_check_digit(base: str) -> int:
    """Check digit of a corporate number from its 12-digit base (財務省令70号 第2条)."""
    _require_base(IdKind.CORPORATE_NUMBER, base, 12)
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(base), start=1))
    return 9 - total % 9


def resident_code_hypothesis_check_digit(base: str) -> int:
    """UNCONFIRMED: the individual-number formula applied to 10 digits.

    One public implementation uses this and says itself that it could not verify the
    告示; we use it only where an operator opts in, and even then as a warning.
    """
    _require_base(IdKind.RESIDENT_CODE, base, 10)
    # n = 1 is the rightmost digit: Q_n = n + 1 (n <= 6), n - 5 (n >= 7).
    weights = tuple((n + 1 if n <= 6 else n - 5) for n in range(10, 0, -1))
    remainder = sum(int(d) * w for d, w in zip(base, weights, strict=True)) % 11
    return 0 if remainder <= 1 else 11 - remainder


class ResidentCodeScheme(StrEnum):
    """How far a resident code is checked.  The default checks the format only."""

    FORMAT_ONLY = "format"
    MOD11_HYPOTHESIS = "mod11-hypothesis"

    @classmethod
    def from_env(cls) -> ResidentCodeScheme:
        return cls(os.environ.get("JICHI_RESIDENT_CODE_SCHEME", cls.FORMAT_ONLY.value))


@dataclass(frozen=True)
class Validated:
    """A normalised identifier that passed, with warnings that did not block it."""

    kind: IdKind
    value: str
    warnings: tuple[str, ...] = dataclass_field(default=())


def validate(
    kind: IdKind | str,
    value: str,
    *,
    field: str | None = None,
    resident_code_scheme: ResidentCodeScheme | None = None,
) -> Validated:
    """Normalise and validate ``value``; raise :class:`JichiError` saying what is wrong."""
    kind = parse_kind(kind)
    field = field or kind.value
    digits = normalize_digits(value)
    names = {"label": LABELS_JA[kind], "label_en": LABELS_EN[kind]}
    if not digits:
        raise JichiError(ID_EMPTY, field=field, **names)
    for position, char in enumerate(digits, start=1):
        if not ("0" <= char <= "9"):
            raise JichiError(ID_NOT_DIGIT, field=field, position=position, **names)
    expected = LENGTHS[kind]
    if len(digits) != expected:
        raise JichiError(ID_LENGTH, field=field, expected=expected, actual=len(digits), **names)
    warnings: tuple[str, ...] = ()
    if kind is IdKind.INDIVIDUAL_NUMBER:
        ok = individual_number_check_digit(digits[:11]) == int(digits[11])
    elif kind is IdKind.LG_CODE:
        ok = lg_code_check_digit(digits[:5]) == int(digits[5])
    elif kind is IdKind.CORPORATE_NUMBER:
        ok = corporate_number_check_digit(digits[1:]) == int(digits[0])
    else:
        ok = True
        scheme = resident_code_scheme or ResidentCodeScheme.from_env()
        if scheme is ResidentCodeScheme.MOD11_HYPOTHESIS and (
            resident_code_hypothesis_check_digit(digits[:10]) != int(digits[10])
        ):
            # Never reject on an unconfirmed rule: report it and accept.
            warnings = ("ID-W01: check digit differs from the unconfirmed mod-11 hypothesis",)
    if not ok:
        raise JichiError(ID_CHECK_DIGIT, field=field, **names)
    return Validated(kind, digits, warnings)


def with_check_digit(kind: IdKind | str, base: str) -> str:
    """The full identifier for a base (used by generators and tests)."""
    kind = parse_kind(kind)
    if kind is IdKind.INDIVIDUAL_NUMBER:
        return base + str(individual_number_check_digit(base))
    if kind is IdKind.LG_CODE:
        return base + str(lg_code_check_digit(base))
    if kind is IdKind.CORPORATE_NUMBER:
        return str(corporate_number_check_digit(base)) + base
    return base + str(resident_code_hypothesis_check_digit(base))


def parse_kind(kind: IdKind | str) -> IdKind:
    if isinstance(kind, IdKind):
        return kind
    try:
        return IdKind(kind)
    except ValueError:
        allowed = ", ".join(k.value for k in IdKind)
        raise JichiError(ID_UNKNOWN_KIND, field="kind", kind=kind, allowed=allowed) from None


def _require_base(kind: IdKind, base: str, length: int) -> None:
    if len(base) != length or not base.isascii() or not base.isdigit():
        raise JichiError(
            ID_BASE_LENGTH,
            field="base",
            label=LABELS_JA[kind],
            label_en=LABELS_EN[kind],
            expected=length,
            actual=len(base),
        )
