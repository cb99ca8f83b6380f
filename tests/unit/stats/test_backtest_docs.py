"""The backtest figures in docs/guide/statistics.md are the ones the code computes."""

from __future__ import annotations

from pathlib import Path

from jichi.statistics.backtest import backtest, markdown_table

GUIDE = Path(__file__).parents[3] / "docs" / "guide" / "statistics.md"


def test_backtest_table_in_the_guide_matches_a_fresh_run() -> None:
    result = backtest()
    assert result.overall.municipalities + result.left_out == 1741
    assert 0 < result.overall.median < result.overall.p90 < 20
    # smaller municipalities are harder to project (fewer people, more noise)
    assert result.classes[0].median > result.classes[-1].median
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index("<!-- backtest:start -->\n") + len("<!-- backtest:start -->\n")
    end = text.index("<!-- backtest:end -->")
    assert text[start:end].strip() == markdown_table(result).strip(), (
        "regenerate with: jichi stats backtest"
    )
