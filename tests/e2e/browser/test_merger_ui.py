"""The supervisor's merger page in Chromium: axe on the form, its errors and a dry run.

Only the dry run is submitted, on a server of its own: a merger refuses parties with
unsent outbox rows, which the shared server has after the other browser tests.
"""

from __future__ import annotations

from typing import Any

from tests.e2e.browser.conftest import sign_in
from tests.e2e.browser.test_accessibility import check, report


def test_the_merger_page_meets_wcag_22_aa(fresh_page: Any) -> None:
    page = fresh_page
    seen: dict[str, list[dict[str, Any]]] = {}
    sign_in(page, "kakaricho-ito")
    page.goto("/counter/merger")
    check(page, "merger form", seen)
    page.get_by_role("button", name="確認する（ドライラン）").click()
    page.locator(".error-summary").wait_for()
    check(page, "merger form with errors", seen)
    page.locator("#f-kind").select_option("absorption")
    page.locator("#f-effective_date").fill("R8.4.1")
    page.locator("#f-successor").fill("112011")
    page.locator("#f-parties").fill("112011,113468")
    page.get_by_role("button", name="確認する（ドライラン）").click()
    page.get_by_role("heading", name="変更の一覧（まだ何も書き込んでいません）").wait_for()
    check(page, "merger dry run", seen)
    assert page.get_by_role("button", name="合併を実行する").is_visible()
    assert not any(seen.values()), "WCAG 2.2 AA violations:\n" + report(seen)
