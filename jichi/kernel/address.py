"""Folding address notation so two spellings of one place compare equal.

The same 番地 arrives as 「一丁目2番3号」, 「1-2-3」, 「１－２－３」 or 「1丁目2-3」 depending on
who typed it; a number notice from the national center and the registry must still
agree that it is one address (U5: the identity gate compares addresses after
normalisation).  Used for comparison and search only, never to rewrite a stored address.
"""

from __future__ import annotations

import re
from functools import lru_cache

from jichi.kernel.text import name_search_key

_KANJI_DIGITS = {
    "〇": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_KANJI_NUMBER = re.compile(r"[〇一二三四五六七八九十百千]+")
_UNITS = re.compile(r"(丁目|番地|番|号|の|ノ)")
_DASHES = re.compile(r"[‐‑‒–—―−－ー-]+")
_SPACES = re.compile(r"\s+")


def kanji_to_int(text: str) -> int:
    """一 → 1, 十二 → 12, 二十 → 20, 百五 → 105, 二〇二四 → 2024 (digit by digit)."""
    if not any(unit in text for unit in "十百千"):
        return int("".join(str(_KANJI_DIGITS[c]) for c in text))
    total, current = 0, 0
    for char in text:
        if char in _KANJI_DIGITS:
            current = _KANJI_DIGITS[char]
        else:
            scale = {"十": 10, "百": 100, "千": 1000}[char]
            total += (current or 1) * scale
            current = 0
    return total + current


@lru_cache(maxsize=1 << 16)  # pure; a household's members share one address
def fold_address(text: str) -> str:
    """A comparison key: widths and variant kanji folded, numbers in digits, units as '-'."""
    folded = name_search_key(text)  # width, variation selectors, variant kanji, no spaces
    folded = _KANJI_NUMBER.sub(lambda m: str(kanji_to_int(m.group())), folded)
    folded = _UNITS.sub("-", folded)
    folded = _DASHES.sub("-", folded)
    return _SPACES.sub("", folded).strip("-")
