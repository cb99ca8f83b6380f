"""Fixtures for certificate tests: the registry cast (川越市, the 山田 family) and settings."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from jichi.registry.certificates import CertificateSettings, municipality_settings
from jichi.registry.protection import Protection
from jichi.registry.service import Registry
from tests.integration.registry.conftest import LG, move_in, registry  # noqa: F401 (fixtures)


@pytest.fixture
def protection(registry: Registry) -> Protection:  # noqa: F811
    return Protection(registry)


@pytest.fixture
def settings() -> CertificateSettings:
    return municipality_settings(LG, "川越　太郎", terminal="本庁1", printer="P001")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: install poppler-utils (requirements/debian.txt)")
    return path


def pdf_text(pdf: bytes, tmp_path: Path, *, page: int | None = None) -> str:
    """``pdftotext -layout`` of the PDF (one page, or all, pages split by form feeds)."""
    source = tmp_path / "certificate.pdf"
    source.write_bytes(pdf)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    result = subprocess.run(
        [_tool("pdftotext"), "-layout", *pages, str(source), "-"],
        capture_output=True,
        check=True,
        text=True,
    )
    return result.stdout


def pdf_fonts(pdf: bytes, tmp_path: Path) -> list[list[str]]:
    source = tmp_path / "fonts.pdf"
    source.write_bytes(pdf)
    result = subprocess.run(
        [_tool("pdffonts"), str(source)], capture_output=True, check=True, text=True
    )
    return [line.split() for line in result.stdout.splitlines()[2:]]
