"""The font certificates are printed in, and what it can draw.

Names are printed in MJ characters (facts §0.10, §9): **IPAmj明朝** (Debian
``fonts-ipamj-mincho``) covers the 58,862 MJ glyphs, about 6,000 of them reachable only
through an IVS (base character + variation selector of the Moji_Joho collection).
Where it is not installed, certificates fall back to, in order, IPA明朝
(``fonts-ipafont-mincho``) and Noto Serif CJK JP (``fonts-noto-cjk``), and a warning
says so once per process: those fonts cover JIS X 0213 and not the MJ variants, so a
name with such a character raises a ``missing_glyph`` alert instead of being printed
in a look-alike silently.

:class:`FontMetrics` reads the chosen font file (with fontTools, which WeasyPrint
already needs) for two answers: the advance width of a text, so the renderer can
shrink a long name to fit its field, and the characters or base+IVS pairs the font has
no glyph for.
"""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jichi.kernel.errors import JichiError
from jichi.registry.certificates.errors import NO_JAPANESE_FONT

log = logging.getLogger("jichi.registry.certificates")
_LOAD_LOCK = threading.Lock()


@dataclass(frozen=True)
class FontCandidate:
    label: str  # as a clerk knows it
    family: str  # the fontconfig family name used in CSS
    package: str  # the Debian package


PREFERRED = FontCandidate("IPAmj明朝", "IPAmjMincho", "fonts-ipamj-mincho")
FALLBACKS = (
    FontCandidate("IPA明朝", "IPAMincho", "fonts-ipafont-mincho"),
    FontCandidate("Noto Serif CJK JP", "Noto Serif CJK JP", "fonts-noto-cjk"),
)


@dataclass(frozen=True)
class FontChoice:
    candidate: FontCandidate
    path: str
    index: int = 0  # the face inside a collection (.ttc)

    @property
    def family(self) -> str:
        return self.candidate.family

    @property
    def preferred(self) -> bool:
        return self.candidate == PREFERRED


def fallback_message(choice: FontChoice) -> str:
    """The warning logged when certificates do not use IPAmj明朝."""
    return (
        f"IPAmj明朝 ({PREFERRED.package}) is not installed: certificates use "
        f"{choice.candidate.label} ({choice.candidate.package}, {choice.path}) instead. "
        "It lacks the MJ variant glyphs (IVS), so a name with such a character raises a "
        f"missing_glyph alert. Install it with: apt-get install {PREFERRED.package} / "
        f"IPAmj明朝が見つからないため、{choice.candidate.label}で印刷します。"
        "異体字（IVS）を含む氏名は警告の対象になります。"
    )


def list_fonts() -> str:
    """``fc-list`` output, one face a line: ``family<TAB>file<TAB>index``."""
    if shutil.which("fc-list") is None:
        return ""
    result = subprocess.run(
        ["fc-list", "--format", "%{family}\t%{file}\t%{index}\n"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    return result.stdout


def detect_font(lister: Callable[[], str] = list_fonts) -> FontChoice:
    """IPAmj明朝 if installed, else the first fallback found (with a warning), else CRT-010."""
    faces: dict[str, tuple[str, int]] = {}
    for line in lister().splitlines():
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        index = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 0
        for family in parts[0].split(","):
            faces.setdefault(family.strip(), (parts[1], index))
    for candidate in (PREFERRED, *FALLBACKS):
        if candidate.family in faces:
            path, index = faces[candidate.family]
            choice = FontChoice(candidate, path, index)
            if not choice.preferred:
                log.warning(fallback_message(choice))
            return choice
    log.error(
        "no Japanese font for certificates: install %s (or %s)",
        PREFERRED.package,
        ", ".join(f.package for f in FALLBACKS),
    )
    raise JichiError(NO_JAPANESE_FONT, field="font")


@functools.cache
def default_font() -> FontChoice:
    """The font of this machine, detected (and any fallback warned about) once."""
    return detect_font()


def is_variation_selector(ch: str) -> bool:
    cp = ord(ch)
    return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF


def clusters(text: str) -> list[str]:
    """The text as characters, each with the variation selector that follows it."""
    out: list[str] = []
    for ch in text:
        if out and is_variation_selector(ch):
            out[-1] += ch
        else:
            out.append(ch)
    return out


class Measure:
    """Advance widths in em and coverage; this base class needs no font file.

    Wide (East Asian W/F) characters are 1 em, others ½ em; every character is
    assumed drawable.  :class:`FontMetrics` answers from the real font.
    """

    def width(self, text: str) -> float:
        return sum(self.advance(c) for c in clusters(text))

    def advance(self, cluster: str) -> float:
        return 1.0 if unicodedata.east_asian_width(cluster[0]) in "WF" else 0.5

    def missing(self, text: str) -> list[str]:
        return []


@dataclass
class FontMetrics(Measure):
    """Widths and coverage read from the font file (loaded on first use, then kept)."""

    choice: FontChoice
    _cmap: dict[int, str] = field(default_factory=dict, init=False, repr=False)
    _uvs: set[tuple[int, int]] = field(default_factory=set, init=False, repr=False)
    _widths: dict[str, float] = field(default_factory=dict, init=False, repr=False)
    _font: Any = field(default=None, init=False, repr=False)
    _upem: int = field(default=1000, init=False, repr=False)

    def _load(self) -> None:
        if self._font is not None:
            return
        with _LOAD_LOCK:
            if self._font is not None:
                return
            from fontTools.ttLib import TTFont

            font = TTFont(self.choice.path, lazy=True, fontNumber=self.choice.index)
            cmap = dict(font.getBestCmap())
            uvs: set[tuple[int, int]] = set()
            for table in font["cmap"].tables:
                if table.format == 14:
                    for selector, entries in table.uvsDict.items():
                        uvs.update((base, selector) for base, _glyph in entries)
            font["hmtx"]  # read now, under the lock, not lazily in a thread
            self._cmap, self._uvs, self._upem = cmap, uvs, font["head"].unitsPerEm
            self._font = font  # last: other threads test this without the lock

    def _glyph(self, cluster: str) -> str | None:
        self._load()
        base = ord(cluster[0])
        if len(cluster) > 1 and (base, ord(cluster[1])) not in self._uvs:
            return None
        return self._cmap.get(base)

    def advance(self, cluster: str) -> float:
        if cluster not in self._widths:
            glyph = self._glyph(cluster) or self._cmap.get(ord(cluster[0]))
            if glyph is None:
                self._widths[cluster] = super().advance(cluster)
            else:
                self._widths[cluster] = self._font["hmtx"][glyph][0] / self._upem
        return self._widths[cluster]

    def missing(self, text: str) -> list[str]:
        """Each character or base+IVS pair of ``text`` the font has no glyph for."""
        return [
            c for c in clusters(text) if not c.isspace() and c != "　" and self._glyph(c) is None
        ]


@functools.cache
def metrics_for(choice: FontChoice) -> FontMetrics:
    return FontMetrics(choice)
