"""Meta-tests: the documentation keeps the code's promises (after Datasette's test_docs)."""

from __future__ import annotations

from pathlib import Path

from jichi.cli.errors import all_error_kinds, markdown

ROOT = Path(__file__).resolve().parents[2]


def test_error_catalogue_page_matches_the_code() -> None:
    page = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert page == markdown(), "run: jichi errors --markdown > docs/errors.md"


def test_every_error_kind_has_japanese_and_english_messages() -> None:
    for kind in all_error_kinds():
        assert kind.message_ja and kind.message_en
        assert any("\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff" for c in kind.message_ja)
        assert kind.message_en.isascii(), kind.code


def test_readme_names_exactly_the_two_commands_that_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_glossary_copy_is_present_and_names_the_core_terms() -> None:
    glossary = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    for term in ("ResidentRecord", "individual_number", "lg_code", "corporate_number"):
        assert term in glossary
