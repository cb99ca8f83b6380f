"""Names and addresses into the certificate character set, with substitutions recorded.

JPKI certificates may carry only JIS X 0208 (levels 1–2) plus JIS X 0212 characters; any
other character is replaced by a 代替文字, and the certificate records where
(``氏名代替文字の使用位置`` / ``住所代替文字の使用位置``), so a relying party knows that the
certificate's name can differ from the 住民票 (facts: mynumber.md §3.2, SECONDARY).

The exact set, J-LIS's replacement table and the format of the position field are
UNCONFIRMED, so all three are configuration: a :class:`CharsetPolicy` holds the codec that
decides what is representable (EUC-JP covers JIS X 0201/0208/0212), a replacement table
(a character → its usual substitute, e.g. 髙 → 高) and the fallback character (〓, the
JIS "geta" mark).  Positions are 1-based character indexes, written as ``"3,5"``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

#: A few well-known 異体字 outside JIS X 0208/0212 and their usual substitutes (my choice).
DEFAULT_REPLACEMENTS: dict[str, str] = {
    "髙": "高",  # はしご高
    "﨑": "崎",  # たつさき
    "𠮷": "吉",  # つちよし
    "德": "徳",
    "瀨": "瀬",
}
FALLBACK = "〓"


@dataclass(frozen=True)
class Converted:
    """A text in the certificate set and the 1-based positions that were substituted."""

    text: str
    positions: tuple[int, ...] = ()

    @property
    def positions_text(self) -> str:
        return ",".join(str(p) for p in self.positions)


@dataclass(frozen=True)
class CharsetPolicy:
    """What the certificate may hold and how the rest is replaced (all configurable)."""

    codec: str = "euc_jp"
    replacements: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_REPLACEMENTS))
    fallback: str = FALLBACK

    def representable(self, ch: str) -> bool:
        try:
            ch.encode(self.codec)
        except UnicodeEncodeError:
            return False
        return True

    def convert(self, text: str) -> Converted:
        out: list[str] = []
        positions: list[int] = []
        for index, ch in enumerate(text, start=1):
            if self.representable(ch):
                out.append(ch)
                continue
            substitute = self.replacements.get(ch, self.fallback)
            if not self.representable(substitute):
                substitute = self.fallback
            out.append(substitute)
            positions.append(index)
        return Converted("".join(out), tuple(positions))

    @classmethod
    def from_environment(cls) -> CharsetPolicy:
        """``JICHI_JPKI_CHARSET`` may name a JSON file {"codec", "replacements", "fallback"}."""
        path = os.environ.get("JICHI_JPKI_CHARSET")
        if not path:
            return cls()
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(
            codec=data.get("codec", "euc_jp"),
            replacements={**DEFAULT_REPLACEMENTS, **data.get("replacements", {})},
            fallback=data.get("fallback", FALLBACK),
        )
