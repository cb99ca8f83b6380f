"""Finding an individual number in text, in whatever form it was written, and in logs.

Shared by the tests that promise a 個人番号 appears nowhere it should not (issue 11):
the number scan over every route (test_number_never_leaks.py), the card pages and the
portal.  A leak is rarely the plain twelve digits only: a page groups them 4-4-4 like the
通知書, a clerk types them full-width, a URL percent-encodes them, a JSON answer escapes
full-width digits as ``\\uff11``.  ``leaked`` folds all of those back before it looks.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import pytest

_FOLD = {
    **{ord(c): ord("0") + i for i, c in enumerate("０１２３４５６７８９")},
    **{ord(c): ord("-") for c in "\u2010\u2011\u2012\u2013\u2212\uff0d\u30fc\uff70"},
    ord("\u3000"): ord(" "),
}
_ESCAPED = re.compile(r"\\u([0-9a-fA-F]{4})")
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)


def forms(number: str) -> tuple[str, ...]:
    """The ways a person writes ``number``: plain, 4-4-4 with spaces or hyphens, full-width."""
    groups = (number[:4], number[4:8], number[8:])
    ascii_forms = (number, " ".join(groups), "-".join(groups))
    wide = str.maketrans("0123456789 -", "０１２３４５６７８９　－")
    return ascii_forms + tuple(f.translate(wide) for f in ascii_forms)


def _pattern(number: str) -> re.Pattern[str]:
    a, b, c = number[:4], number[4:8], number[8:]
    return re.compile(rf"{a}[ \-]?{b}[ \-]?{c}")


def normalised(text: str) -> str:
    """``text`` with escapes undone, percent-encoding decoded and full-width folded."""
    text = _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)
    return unquote_plus(text).translate(_FOLD)


def leaked(text: str, numbers: Iterable[str]) -> list[str]:
    """The numbers of ``numbers`` that ``text`` holds in any of their forms."""
    folded = normalised(text)
    return [n for n in numbers if _pattern(n).search(folded) or _pattern(n).search(text)]


def body_text(content: bytes) -> str:
    """A response body as text to scan; a PDF is read as its reader would see it.

    A PDF's text is glyph ids in compressed streams, so the raw bytes never show the
    digits: ``pdftotext`` (poppler-utils, as the certificate tests use) gives the text,
    and the inflated streams and metadata are added for what it does not print.
    """
    parts = [content.decode("utf-8", errors="replace")]
    if content.startswith(b"%PDF"):
        parts.append(pdf_text(content))
        for stream in _STREAM.finditer(content):
            try:
                parts.append(zlib.decompress(stream.group(1)).decode("latin-1"))
            except zlib.error:
                continue
    return "\n".join(parts)


def pdf_text(content: bytes) -> str:
    """``pdftotext`` of a PDF; its absence fails the test (a scan that cannot read is none)."""
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext is missing: apt-get install poppler-utils")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "scanned.pdf"
        source.write_bytes(content)
        done = subprocess.run([tool, str(source), "-"], capture_output=True, text=True)
    return done.stdout


class Records(logging.Handler):
    """Every record the process emits, kept as the text any handler could write."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        fields: dict[str, Any] = {
            k: v for k, v in vars(record).items() if k not in {"msg", "args", "exc_info"}
        }
        self.lines.append(
            " | ".join(
                (
                    record.name,
                    record.getMessage(),
                    repr(record.args),
                    json.dumps(fields, ensure_ascii=False, default=repr),
                    self.format(record) if record.exc_info else "",
                )
            )
        )


@contextmanager
def every_log_record() -> Iterator[Records]:
    """A DEBUG handler on the root logger, every logger opened up to it, for the block.

    Loggers that stop propagation (``JICHI_LOG_FORMAT=json`` sets that on ``jichi``) get
    the handler too, so nothing escapes the capture.
    """
    records = Records()
    root = logging.getLogger()
    saved = root.level
    quiet = {
        name: (logger.level, logger.disabled)
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    root.addHandler(records)
    root.setLevel(logging.DEBUG)
    for name in quiet:
        logger = logging.getLogger(name)
        logger.disabled = False
        if not logger.propagate:
            logger.addHandler(records)
    try:
        yield records
    finally:
        root.removeHandler(records)
        root.setLevel(saved)
        for name, (level, disabled) in quiet.items():
            logger = logging.getLogger(name)
            logger.removeHandler(records)
            logger.setLevel(level)
            logger.disabled = disabled
