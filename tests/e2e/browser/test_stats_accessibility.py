"""WCAG 2.2 AA on the public /stats pages: axe-core in Chromium, charts with their tables."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.browser.test_accessibility import check, report

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_public_stats_pages_meet_wcag_22_aa(page: Any) -> None:
    seen: dict[str, list[dict[str, Any]]] = {}
    page.goto("/stats/?sort=aged")
    check(page, "stats ranking", seen)
    assert page.locator("table caption").first.inner_text().startswith("市区町村の人口")
    page.goto("/stats/112011")
    check(page, "stats municipality", seen)
    for chart in ("pyramid", "trend"):
        svg = page.locator(f"svg[aria-labelledby='{chart}-title {chart}-desc']")
        assert svg.get_attribute("role") == "img"
    assert page.locator("table").count() == 3
    assert "353,183" in page.locator("main").inner_text()
    assert not any(seen.values()), report(seen)
