"""Review, then record in Chromium (issue 10 item 2): a 転入 with three mistakes, all shown
at once, fixed, 確認, 記録, the result page — with the keyboard alone, axe clean."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.browser.conftest import screenshot, sign_in
from tests.e2e.browser.test_accessibility import axe_violations, report
from tests.e2e.browser.test_counter import focused

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TYPED = {  # what the clerk types, with three mistakes
    "f-effective_date": "R8.11.20",
    "f-address-town": "大字的場",
    "f-address-block": "8-8-8",
    "f-previous_address-prefecture": "東京都",
    "f-previous_address-municipality": "千代田市",  # mistake 1: no such municipality
    "f-previous_address-town": "千代田",
    "f-persons-0-name-family": "確認",
    "f-persons-0-name-given": "太郎",
    "f-persons-0-name-family_kana": "Kakunin",  # mistake 2: not katakana
    "f-persons-0-name-given_kana": "タロウ",
    "f-persons-0-date_of_birth": "R8.11.25",  # mistake 3: born after the move-in
    "f-persons-0-relationship": "世帯主",
}
FIXES = {
    "f-previous_address-municipality": "千代田区",
    "f-persons-0-name-family_kana": "カクニン",
    "f-persons-0-date_of_birth": "S55.4.2",
}


def tab_through(page: Any, values: dict[str, str], *, sex: bool = False) -> list[str]:
    """Tab through the form typing ``values``; stop on 「入力内容を確認する」 (the ids seen)."""
    seen = []
    for _ in range(120):
        page.keyboard.press("Tab")
        now = focused(page)
        seen.append(now["id"])
        if now["id"] in values:
            page.keyboard.press("Control+a")
            page.keyboard.type(values[now["id"]])
        elif sex and now["id"] == "f-persons-0-sex":
            page.keyboard.press("ArrowDown")  # 選択してください → 男
        elif now["text"] == "入力内容を確認する":
            return seen
    pytest.fail(f"「入力内容を確認する」 was not reached by Tab: {seen}")


def assert_axe_clean(page: Any, where: str) -> None:
    found = axe_violations(page)
    assert not found, report({where: found})


def test_a_move_in_with_three_mistakes_is_fixed_reviewed_and_recorded_by_keyboard(
    page: Any,
) -> None:
    sign_in(page)
    page.goto("/counter/notifications/move_in")
    tab_through(page, TYPED, sex=True)
    page.keyboard.press("Enter")
    # All three at once, in page order, at their inputs; the summary has focus.
    page.wait_for_selector(".error-summary")
    # the browser applies autofocus after load: wait for it (a timeout fails the test)
    page.wait_for_function("document.activeElement.classList.contains('error-summary')")
    links = page.locator(".error-summary a")
    targets = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert targets == [f"#{name}" for name in FIXES], targets
    for name in FIXES:
        assert page.locator(f"#{name}").get_attribute("aria-invalid") == "true"
        assert page.locator(f"#{name}-error").is_visible()
    assert page.locator("#f-persons-0-name-given").input_value() == "太郎"  # nothing lost
    assert_axe_clean(page, "move_in with three errors")
    tab_through(page, FIXES)
    page.keyboard.press("Enter")
    # 確認: nothing recorded yet, what will change in the registry's words.
    page.wait_for_selector("text=まだ記録していません")
    assert page.get_by_role("heading", level=1).inner_text() == "転入届の確認"
    table = page.locator("table.review-person").first.inner_text()
    assert "確認　太郎" in table and "カクニン　タロウ" in table and "昭和55年4月2日" in table
    assert "東京都千代田区千代田" in table  # 従前の住所
    assert_axe_clean(page, "confirm")
    screenshot(page, "counter-confirm", full_page=True)
    page.wait_for_function("document.activeElement !== document.body")
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "記録する"
    page.keyboard.press("Enter")
    # The result page: what was recorded and what follows.
    page.wait_for_url("**/counter/recorded/**")
    page.wait_for_function("document.activeElement !== document.body")
    assert focused(page)["text"].startswith("転入届を記録しました")
    main = page.locator("main").inner_text()
    assert "記載（転入）" in main and "確認　太郎" in main
    assert "転入通知（転出元の市区町村へ）" in main and "住民票の写し" in main
    assert_axe_clean(page, "recorded")
    screenshot(page, "counter-recorded", full_page=True)


def test_revise_returns_to_the_form_and_a_correction_undoes_the_recording(page: Any) -> None:
    sign_in(page)
    page.goto("/counter/notifications/move_in")
    values = {**TYPED, **FIXES, "f-persons-0-name-family": "訂正", "f-address-block": "7-7-7"}
    tab_through(page, values, sex=True)
    page.keyboard.press("Enter")
    page.wait_for_selector("text=まだ記録していません")
    page.get_by_role("button", name="修正する").click()
    assert page.locator("#f-persons-0-name-family").input_value() == "訂正"
    assert page.locator("#f-address-block").input_value() == "7-7-7"
    page.get_by_role("button", name="入力内容を確認する").last.click()
    page.get_by_role("button", name="記録する", exact=True).click()
    page.wait_for_url("**/counter/recorded/**")
    result_url = page.url
    page.get_by_role("button", name="訂正の内容を確認する").click()
    assert "理由を入力してください" in page.locator(".error-summary").inner_text()
    page.locator("#f-reason").fill("別の世帯の届書を誤って入力したため")
    page.get_by_role("button", name="訂正の内容を確認する").click()
    assert page.get_by_role("heading", level=1).inner_text() == "記録の訂正の確認"
    assert "消除" in page.locator("table.review-person").first.inner_text()
    assert_axe_clean(page, "correction confirm")
    page.get_by_role("button", name="記録する", exact=True).click()
    page.wait_for_url("**/counter/recorded/**")
    assert "記録の訂正を記録しました" in page.get_by_role("status").inner_text()
    page.goto(result_url)
    assert "この記録は訂正されています" in page.locator("main").inner_text()
    assert_axe_clean(page, "corrected recording")
