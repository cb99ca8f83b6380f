"""A counter day in Chromium: 受付 → certificate with its fee → 領収書 → 日計表 balances.

Its own server and database (a fresh municipality's day), so the 日計表 holds only what
this test did and must balance: the certificates issued are exactly those charged.  The
reception is taken by keyboard only; axe-core checks every new page (受付・処理待ち,
手数料, 領収書, 日計表, 統計) as the clerk and the supervisor see them.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.browser.conftest import sign_in
from tests.e2e.browser.test_accessibility import check, report
from tests.e2e.browser.test_counter import file_family, focused

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def tab_to(page: Any, element_id: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page)["id"] == element_id:
            return
    pytest.fail(f"#{element_id} is not reachable by Tab")


def test_a_counter_day_balances_from_reception_to_daily_report(fresh_page: Any) -> None:
    page = fresh_page
    seen: dict[str, list[dict[str, Any]]] = {}
    sign_in(page, "kakaricho-ito")
    household = file_family(page, "日計", "ニッケイ")
    head = page.locator("tbody tr td:first-child a").first.get_attribute("href") or ""
    person_id = head.rsplit("/", 1)[-1]
    assert household and person_id

    page.goto("/counter/receptions")
    check(page, "receptions (empty)", seen)
    # 受付 by keyboard only: the purpose select, then the button.
    page.locator("body").focus()
    tab_to(page, "f-purpose")
    page.keyboard.press("ArrowDown")  # 証明書の請求
    tab_to(page, "f-visitor_name")
    page.keyboard.type("ニッケイ　様")
    page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    assert page.locator("#ticket-number").inner_text() == "1"
    check(page, "receptions (one received)", seen)
    page.get_by_role("button", name="窓口番号1を確認待ちへ").click()
    page.get_by_role("button", name="窓口番号1を発行待ちへ").click()
    check(page, "receptions (waiting to issue)", seen)

    page.goto("/counter/fees")
    check(page, "fees", seen)
    assert "例（デモ用）" in page.locator("main").inner_text()

    page.goto(f"/counter/certificates?person_id={person_id}")
    page.get_by_label("住民票の写し（個人票）").check()
    page.locator("#f-requester_name").fill("日計　一郎")
    page.locator("#f-id_document").select_option("my_number_card")
    page.locator("#f-requester_date_of_birth").fill("1978-05-01")
    page.locator("#f-requester_sex").select_option("male")
    page.locator("#f-requester_address").fill("大字的場2-4-6")
    page.get_by_role("button", name="発行する").click()
    page.wait_for_url("**/counter/certificates/issue")
    assert page.locator("#fee").inner_text() == "300円"
    serial = page.locator("#serial").inner_text()
    page.get_by_role("button", name="領収書を作る").click()
    page.wait_for_url("**/counter/receipts/show?number=*")
    assert page.locator("#receipt-total").inner_text() == "300円"
    assert serial in page.locator("main").inner_text()
    check(page, "receipt", seen)
    with page.expect_download() as info:
        page.locator("#receipt-pdf").click()
    assert info.value.suggested_filename.startswith("receipt-R")

    page.goto("/counter/daily-report")
    assert "照合：一致" in page.locator("#balance").inner_text()
    assert page.locator("#issued-total").inner_text() == "1"
    assert page.locator("#takings-total").inner_text() == "300円"
    check(page, "daily report", seen)
    page.locator("#f-serial").fill(serial)
    page.locator("#f-reason").fill("記載する方を誤った")
    page.get_by_role("button", name="取り消す").click()
    assert "取り消しました" in page.get_by_role("status").first.inner_text()
    assert page.locator("#net-total").inner_text() == "0円"
    check(page, "daily report after a void", seen)

    page.goto("/counter/statistics")
    assert page.locator("svg[role='img']").count() == 4
    assert re.search(r"住民票の写し（個人票）\s*1", page.locator("main").inner_text())
    check(page, "statistics", seen)
    assert not any(seen.values()), report(seen)
