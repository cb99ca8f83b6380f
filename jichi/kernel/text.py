"""Japanese text as it arrives at a counter: widths, kana, readings and name search.

The same name reaches jichi typed on a dozen systems: half-width katakana from an old
host, full-width digits from an IME, hiragana where katakana was asked for, a kanji
with an ideographic variation selector from a family-register font, or 髙 where
another system only had 高.  Three different jobs follow from that, and each has its
own function so that no caller mixes them up:

* **input normalisation** (:func:`normalize_width`, :func:`validate_name_kana`)
  changes what will be stored, so it only touches what is unambiguously the same
  character (a width variant, a kana written with a separate sound mark);
* **search keys** (:func:`name_search_key`, :func:`reading_search_key`) fold much
  further — variant kanji to their common form — and are never stored in place of
  the name: a resident's 髙 stays 髙 on every certificate;
* **validation** of the name reading (氏名の振り仮名, recorded on the 住民票 since
  2025-05-26) says which character is wrong and where, in words a clerk can act on.

NFKC is deliberately not used: it rewrites compatibility ideographs (神 U+FA19
becomes U+795E) and kana sound marks, while a name must be stored exactly as it was
registered.  Width is handled with explicit tables that touch nothing else.
Rules and error codes are explained in ``docs/guide/text.md``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import jntajis

from jichi.kernel.errors import JichiError, define

__all__ = [
    "KANA_EMPTY",
    "KANA_INVALID_CHAR",
    "KANA_MISPLACED_DOT",
    "KANA_TOO_LONG",
    "KANA_WRONG_START",
    "NAME_KANA_MAX_LENGTH",
    "has_variation_selector",
    "hiragana_to_katakana",
    "katakana_to_hiragana",
    "name_search_key",
    "names_match",
    "normalize_width",
    "reading_search_key",
    "strip_variation_selectors",
    "to_fullwidth_katakana",
    "to_halfwidth_ascii",
    "validate_name_kana",
]

# ---------------------------------------------------------------------------
# Error kinds
# ---------------------------------------------------------------------------

KANA_EMPTY = define(
    "TXT-001",
    "フリガナが入力されていません。",
    "the name reading (furigana) is empty",
)
KANA_INVALID_CHAR = define(
    "TXT-002",
    "フリガナに使えない文字「{char}」が{position}文字目にあります。"
    "全角カタカナで入力してください。",
    "the name reading contains {char!r} at position {position}, which is not allowed; "
    "use full-width katakana",
    params=("char", "position"),
)
KANA_WRONG_START = define(
    "TXT-003",
    "「{char}」（{position}文字目）は氏・名の先頭や「・」の直後には使えません。",
    "{char!r} at position {position} cannot start a part of the name reading",
    params=("char", "position"),
)
KANA_TOO_LONG = define(
    "TXT-004",
    "フリガナは{max_length}文字以内で入力してください（入力は{length}文字です）。",
    "the name reading has {length} characters; at most {max_length} are allowed",
    params=("max_length", "length"),
)
KANA_MISPLACED_DOT = define(
    "TXT-005",
    "中点「・」（{position}文字目）は文字と文字の間にだけ使えます。",
    "the middle dot at position {position} must stand between two kana",
    params=("position",),
)

NAME_KANA_MAX_LENGTH = 100
"""Default upper bound for a reading; callers with a stricter form field pass their own."""

# ---------------------------------------------------------------------------
# Width (全角・半角)
# ---------------------------------------------------------------------------

_FULLWIDTH_ASCII_FIRST = 0xFF01  # ！
_FULLWIDTH_ASCII_LAST = 0xFF5E  # ～
_FULLWIDTH_OFFSET = 0xFF01 - 0x21
_IDEOGRAPHIC_SPACE = "\u3000"

_TO_HALFWIDTH_ASCII: dict[int, str] = {
    code: chr(code - _FULLWIDTH_OFFSET)
    for code in range(_FULLWIDTH_ASCII_FIRST, _FULLWIDTH_ASCII_LAST + 1)
}
_TO_HALFWIDTH_ASCII[ord(_IDEOGRAPHIC_SPACE)] = " "

# The half-width katakana block (U+FF61–U+FF9F) in order, and its full-width forms.
# A lone sound mark becomes the spacing mark ゛/゜ rather than NFKC's combining
# U+3099/U+309A, which would silently attach itself to whatever precedes it.
_HALFWIDTH_KANA = "｡｢｣､･ｦｧｨｩｪｫｬｭｮｯｰｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜﾝﾞﾟ"
_FULLWIDTH_KANA = (
    "。「」、・ヲァィゥェォャュョッー"
    "アイウエオカキクケコサシスセソタチツテト"
    "ナニヌネノハヒフヘホマミムメモヤユヨ"
    "ラリルレロワン゛゜"
)
_TO_FULLWIDTH_KANA: dict[str, str] = dict(zip(_HALFWIDTH_KANA, _FULLWIDTH_KANA, strict=True))

_HALFWIDTH_VOICED = "\uff9e"  # ﾞ
_HALFWIDTH_SEMI_VOICED = "\uff9f"  # ﾟ
_COMBINING_VOICED = "\u3099"
_COMBINING_SEMI_VOICED = "\u309a"
_SOUND_MARKS: dict[str, str] = {
    _HALFWIDTH_VOICED: _COMBINING_VOICED,
    _HALFWIDTH_SEMI_VOICED: _COMBINING_SEMI_VOICED,
    _COMBINING_VOICED: _COMBINING_VOICED,
    _COMBINING_SEMI_VOICED: _COMBINING_SEMI_VOICED,
}
# Most text has nothing to convert; one regex scan lets it skip the per-character walk
# (a bulk import calls this millions of times).
_KANA_WORK = re.compile("[" + re.escape("".join({*_TO_FULLWIDTH_KANA, *_SOUND_MARKS})) + "]")


def _kana_compositions() -> dict[tuple[str, str], str]:
    """(kana, combining mark) -> precomposed kana, read from Unicode for the kana blocks only."""
    table: dict[tuple[str, str], str] = {}
    for code in range(0x3040, 0x3100):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            base, mark = (chr(int(part, 16)) for part in parts)
            if mark in (_COMBINING_VOICED, _COMBINING_SEMI_VOICED):
                table[(base, mark)] = chr(code)
    return table


_KANA_COMPOSITIONS = _kana_compositions()


def to_halfwidth_ascii(s: str) -> str:
    """Full-width letters, digits, symbols and the ideographic space become ASCII.

    IMEs hand out ＡＢＣ１２３ and 　 by default; stored values and comparisons must
    not depend on which mode the typist was in.
    """
    return s.translate(_TO_HALFWIDTH_ASCII)


def _fullwidth_kana_units(s: str) -> Iterator[tuple[str, int, int]]:
    """Yield (full-width character, start, stop) with ``s[start:stop]`` its source.

    The span lets validation point at what the clerk actually typed even after ｶﾞ
    (two characters) became ガ (one).
    """
    index = 0
    length = len(s)
    while index < length:
        char = _TO_FULLWIDTH_KANA.get(s[index], s[index])
        if index + 1 < length and s[index + 1] in _SOUND_MARKS:
            composed = _KANA_COMPOSITIONS.get((char, _SOUND_MARKS[s[index + 1]]))
            if composed is not None:
                yield composed, index, index + 2
                index += 2
                continue
        yield char, index, index + 1
        index += 1


def to_fullwidth_katakana(s: str) -> str:
    """Half-width katakana become full-width, with ﾞ/ﾟ joined to the kana before them.

    Legacy host systems and bank files still emit half-width kana, where ｶﾞ is two
    characters; the precomposed ガ is what every modern system compares against.  A
    combining mark (U+3099/U+309A, as macOS file names and some IMEs produce) after a
    kana is joined the same way.  A mark that cannot join stays visible (゛/゜).
    """
    if _KANA_WORK.search(s) is None:
        return s
    return "".join(char for char, _, _ in _fullwidth_kana_units(s))


def normalize_width(s: str) -> str:
    """Latin letters, digits and symbols half-width; kana full-width.

    This is the convention of input fields across jichi, so the same typed value is
    stored the same way whichever IME or legacy system produced it.
    """
    return to_fullwidth_katakana(to_halfwidth_ascii(s))


# ---------------------------------------------------------------------------
# Kana (ひらがな・カタカナ)
# ---------------------------------------------------------------------------

_HIRAGANA_FIRST = 0x3041  # ぁ
_HIRAGANA_LAST = 0x3096  # ゖ
_KANA_OFFSET = 0x30A1 - 0x3041
_HIRAGANA_TO_KATAKANA: dict[int, int] = {
    code: code + _KANA_OFFSET for code in range(_HIRAGANA_FIRST, _HIRAGANA_LAST + 1)
}
_HIRAGANA_TO_KATAKANA[0x309D] = 0x30FD  # ゝ -> ヽ
_HIRAGANA_TO_KATAKANA[0x309E] = 0x30FE  # ゞ -> ヾ
_KATAKANA_TO_HIRAGANA: dict[int, int] = {kata: hira for hira, kata in _HIRAGANA_TO_KATAKANA.items()}


def hiragana_to_katakana(s: str) -> str:
    """Hiragana (including ゔ, small kana and ゝゞ) become katakana.

    Readings are recorded in katakana but often typed in hiragana; converting is
    lossless because every hiragana has a katakana counterpart.
    """
    return s.translate(_HIRAGANA_TO_KATAKANA)


def katakana_to_hiragana(s: str) -> str:
    """Katakana become hiragana where a counterpart exists.

    ヷヸヹヺ, ー and half-width katakana have no hiragana letter and are left as they
    are rather than approximated, so the conversion never invents a spelling.
    """
    return s.translate(_KATAKANA_TO_HIRAGANA)


# ---------------------------------------------------------------------------
# Name reading (氏名の振り仮名)
# ---------------------------------------------------------------------------

_SMALL_KANA = frozenset("ァィゥェォッャュョヮヵヶ")
_LONG_VOWEL = "ー"
_MIDDLE_DOT = "・"
_PART_SEPARATOR = _IDEOGRAPHIC_SPACE
_KANA_LETTERS = frozenset(chr(code) for code in range(0x30A1, 0x30F7))  # ァ … ヶ
_ALLOWED_IN_READING = _KANA_LETTERS | {_LONG_VOWEL, _MIDDLE_DOT}
_CANNOT_START = _SMALL_KANA | {_LONG_VOWEL}


def _is_space(char: str) -> bool:
    return char in (" ", _IDEOGRAPHIC_SPACE)


def _shown(typed: str) -> str:
    """What a message shows for a typed character: itself, or its code if invisible."""
    if typed.isprintable() and not typed.isspace():
        return typed
    return " ".join(f"U+{ord(char):04X}" for char in typed)


def validate_name_kana(
    value: str,
    field: str = "name_kana",
    *,
    max_length: int = NAME_KANA_MAX_LENGTH,
) -> str:
    """Return the reading as it must be stored, or say exactly what is wrong with it.

    Residents write their reading on paper in hiragana, clerks type it in whatever
    mode the IME is in, and old systems hand it over in half-width kana; all of these
    are the same reading, so they are converted first and only what remains wrong is
    rejected.  Positions in messages count characters (1-based) of ``value`` as it
    was entered, and the character shown is the one typed, so the clerk can find it
    on screen.
    """
    # (normalised character, start, stop) with value[start:stop] what was typed.
    kept: list[tuple[str, int, int]] = []
    for char, start, stop in _fullwidth_kana_units(value):
        if _is_space(char):
            # Spaces: none at either end, one full-width space between parts.
            if kept and kept[-1][0] != _PART_SEPARATOR:
                kept.append((_PART_SEPARATOR, start, stop))
        else:
            kept.append((hiragana_to_katakana(char), start, stop))
    if kept and kept[-1][0] == _PART_SEPARATOR:
        kept.pop()

    if not kept:
        raise JichiError(KANA_EMPTY, field=field)
    if len(kept) > max_length:
        raise JichiError(KANA_TOO_LONG, field=field, max_length=max_length, length=len(kept))

    for char, start, stop in kept:
        if char not in _ALLOWED_IN_READING and char != _PART_SEPARATOR:
            raise JichiError(
                KANA_INVALID_CHAR,
                field=field,
                char=_shown(value[start:stop]),
                position=start + 1,
            )

    previous = _PART_SEPARATOR
    for index, (char, start, stop) in enumerate(kept):
        following = kept[index + 1][0] if index + 1 < len(kept) else _PART_SEPARATOR
        at_part_start = previous in (_PART_SEPARATOR, _MIDDLE_DOT)
        if char == _MIDDLE_DOT and (at_part_start or following in (_PART_SEPARATOR, _MIDDLE_DOT)):
            raise JichiError(KANA_MISPLACED_DOT, field=field, position=start + 1)
        if char in _CANNOT_START and at_part_start:
            raise JichiError(
                KANA_WRONG_START, field=field, char=_shown(value[start:stop]), position=start + 1
            )
        previous = char

    return "".join(char for char, _, _ in kept)


# ---------------------------------------------------------------------------
# Variation selectors
# ---------------------------------------------------------------------------


_VARIATION_SELECTOR = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def _is_variation_selector(char: str) -> bool:
    code = ord(char)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


def has_variation_selector(s: str) -> bool:
    """Whether ``s`` pins a glyph with a variation selector (e.g. 葛 + U+E0100).

    Such a name must be shown and printed with the selector kept, and an export to
    a system that cannot carry it needs a decision by a person, not a silent drop.
    """
    return any(_is_variation_selector(char) for char in s)


def strip_variation_selectors(s: str) -> str:
    """``s`` without variation selectors, for comparison only.

    The selector chooses a glyph of the same character; two spellings that differ
    only in it are the same name for search, never for what is printed.
    """
    if _VARIATION_SELECTOR.search(s) is None:
        return s
    return "".join(char for char in s if not _is_variation_selector(char))


# ---------------------------------------------------------------------------
# Search keys
# ---------------------------------------------------------------------------

_MJ_COMBO = int(
    jntajis.MJShrinkSchemeCombo.JIS_INCORPORATION_UCS_UNIFICATION_RULE
    | jntajis.MJShrinkSchemeCombo.INFERENCE_BY_READING_AND_GLYPH
    | jntajis.MJShrinkSchemeCombo.MOJ_NOTICE_582
    | jntajis.MJShrinkSchemeCombo.MOJ_FAMILY_REGISTER_ACT_RELATED_NOTICE
)
# Candidates for one character are few; the limit only guards against a change in
# the library turning one character into a long list.
_MJ_CANDIDATE_LIMIT = 32


def _is_ideograph(char: str) -> bool:
    code = ord(char)
    return (
        0x3400 <= code <= 0x4DBF  # Extension A
        or 0x4E00 <= code <= 0x9FFF  # URO
        or 0xF900 <= code <= 0xFAFF  # Compatibility Ideographs
        or 0x20000 <= code <= 0x3FFFF  # Extensions B… and Compatibility Supplement
    )


def _unify(char: str) -> str:
    """A compatibility ideograph becomes the unified ideograph it is canonically equal to.

    Unicode itself says 神 (U+FA19) *is* 神 (U+795E); only the 12 compatibility-block
    characters that are unified ideographs in their own right (﨑, 﨔 …) have no
    decomposition and are left to the MJ map.
    """
    code = ord(char)
    if 0xF900 <= code <= 0xFAFF or 0x2F800 <= code <= 0x2FA1F:
        return unicodedata.normalize("NFC", char)
    return char


@lru_cache(maxsize=65536)
def _jis_rank(char: str) -> int:
    """How common a kanji is: 0 JIS level 1, 1 level 2, 2 other JIS X 0213, 3 none.

    This is the measure of "common form" the MJ shrink map itself aims at.
    """
    try:
        encoded = jntajis.jnta_encode("jis", char, jntajis.ConversionMode.JISX0208)
    except UnicodeEncodeError:
        pass
    else:
        row = encoded[0] - 0x20
        return 0 if row <= 47 else 1
    try:
        jntajis.jnta_encode("jis", char, jntajis.ConversionMode.SISO)
    except UnicodeEncodeError:
        return 3
    return 2


@lru_cache(maxsize=65536)
def _fold_ideograph(char: str) -> str:
    """The common form of one kanji according to the MJ shrink map (MJ縮退マップ).

    jntajis looks a code point up as *every* MJ glyph that shares it, so its
    candidate list for a plain code point mixes in the targets of rare glyph
    variants (玉 → 王, 功 → 切 and 切 → 功, 書 → 昼), and its order is an accident
    of how the table was generated (神 → U+FA19 first).  Taking the first candidate
    would therefore join different names and would not be idempotent.  Instead a
    character only moves to a candidate that is strictly more common (lower
    :func:`_jis_rank`), the most common winning and the lowest code point breaking
    ties; as the rank falls at every step the walk ends in at most three steps and
    its end is a fixed point, so folding twice is folding once.
    """
    current = _unify(char)
    while True:
        rank = _jis_rank(current)
        if rank == 0:
            return current
        candidates = {
            _unify(candidate)
            for candidate in jntajis.mj_shrink_candidates(current, _MJ_COMBO, _MJ_CANDIDATE_LIMIT)
            if len(candidate) == 1
        }
        better = [
            candidate
            for candidate in candidates
            if _jis_rank(candidate) < rank and _is_ideograph(candidate)
        ]
        if not better:
            return current
        current = min(better, key=lambda candidate: (_jis_rank(candidate), ord(candidate)))


def _without_spaces(s: str) -> str:
    # str.split() cuts at exactly the characters str.isspace() is true of, in C
    return "".join(s.split())


@lru_cache(maxsize=1 << 18)
def name_search_key(name: str) -> str:
    """A key under which every spelling variant of ``name`` is found; never stored as the name.

    渡邊, 渡邉 and 渡辺 are the same person to a clerk searching the registry even
    though each is kept exactly as registered.  Variation selectors are dropped,
    widths normalised, spaces removed and each kanji folded to its common form
    (髙→高, 﨑→崎, 邊/邉→辺, 𠮷→吉, 齋→斎, 濱→浜); Latin letters fold by case.
    Hiragana and katakana are not folded into each other: さくら and サクラ are
    different names.  Spaces go before width normalisation so that a combining
    mark cut off by a space cannot join up on a second pass; that keeps the key
    idempotent.
    """
    text = normalize_width(_without_spaces(strip_variation_selectors(name)))
    return text.translate(_FOLDED)


class _FoldTable(dict[int, str]):
    """Each code point's folded form, worked out the first time it is met.

    ``str.translate`` looks every character up here in C, so a city's millions of names
    (an import, a rebuild) fold at the cost of a dictionary look-up per character; a
    character not seen yet is folded by :func:`_fold_char` and kept.  The table holds at
    most one entry per code point met.
    """

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_char(chr(code))
        return folded


_FOLDED = _FoldTable()


def _fold_char(char: str) -> str:
    # Latin letters fold by case so a foreign resident's SMITH finds Smith.
    if char.isascii():
        return char.lower()
    return _fold_ideograph(char) if _is_ideograph(char) else char


@lru_cache(maxsize=1 << 16)  # pure; readings repeat (family names) in a rebuild or import
def reading_search_key(kana: str) -> str:
    """A key for searching by reading: katakana, full-width, without spaces.

    Hiragana, half-width and spaced input all find the same reading.  Small kana stay
    small (ヨシヤ and ヨシャ are different readings).
    """
    return hiragana_to_katakana(normalize_width(_without_spaces(strip_variation_selectors(kana))))


def names_match(a: str, b: str) -> bool:
    """Whether two names are the same up to width, spacing and kanji variants."""
    return name_search_key(a) == name_search_key(b)
