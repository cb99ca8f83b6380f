"""The counter in a real browser: a clerk's day, keyboard only where it matters."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.e2e.browser.conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def fill_move_in(page: Any, family: str, kana: str, members: list[tuple[str, ...]]) -> None:
    """Open the 転入 form and type a family (given, given kana, born, sex, 続柄)."""
    page.goto("/counter/notifications/move_in")
    page.locator("#f-effective_date").fill("R8.11.20")
    page.locator("#f-address-town").fill("大字的場")
    page.locator("#f-address-block").fill("2-4-6")
    page.locator("#f-previous_address-prefecture").fill("東京都")
    page.locator("#f-previous_address-municipality").fill("千代田区")
    page.locator("#f-previous_address-town").fill("千代田")
    page.locator("#f-previous_address-block").fill("1-1")
    for i, (given, given_kana, born, sex, relationship) in enumerate(members):
        page.locator(f"#f-persons-{i}-name-family").fill(family)
        page.locator(f"#f-persons-{i}-name-given").fill(given)
        page.locator(f"#f-persons-{i}-name-family_kana").fill(kana)
        page.locator(f"#f-persons-{i}-name-given_kana").fill(given_kana)
        page.locator(f"#f-persons-{i}-date_of_birth").fill(born)
        page.locator(f"#f-persons-{i}-sex").select_option(sex)
        page.locator(f"#f-persons-{i}-relationship").fill(relationship)


def file_family(page: Any, family: str, kana: str) -> str:
    """File a family of three; return the household page's URL."""
    fill_move_in(
        page,
        family,
        kana,
        [
            ("一郎", "イチロウ", "S53.5.1", "male", "世帯主"),
            ("春子", "ハルコ", "1981-03-03", "female", "妻"),
            ("夏美", "ナツミ", "H20.7.7", "female", "子"),
        ],
    )
    page.get_by_role("button", name="入力内容を確認する").last.click()
    page.get_by_role("button", name="記録する", exact=True).click()
    page.wait_for_url("**/counter/recorded/**")
    page.get_by_role("link", name="世帯を表示").first.click()
    page.wait_for_url("**/counter/households/**")
    return str(page.url)


def test_a_clerk_signs_in_and_a_wrong_password_is_refused_in_japanese(page: Any) -> None:
    page.goto("/counter/")
    assert "/counter/login" in page.url  # not signed in: sent to the sign-in page
    screenshot(page, "counter-login")
    page.get_by_label("職員 ID").fill("clerk-sato")
    page.get_by_label("パスワード").fill("wrong-password")
    page.get_by_role("button", name="ログイン").click()
    alert = page.get_by_role("alert")
    assert "職員 ID またはパスワードが正しくありません" in alert.inner_text()
    password = page.locator("#f-password")
    assert password.get_attribute("aria-invalid") == "true"
    assert "f-password-error" in (password.get_attribute("aria-describedby") or "")
    sign_in(page)
    assert page.get_by_role("heading", name="住民検索").is_visible()
    assert "clerk-sato" in page.locator(".who").inner_text()


def test_a_clerk_files_a_move_in_for_a_family_after_fixing_an_inline_error(page: Any) -> None:
    sign_in(page)
    fill_move_in(
        page,
        "山田",
        "ヤマダ",
        [
            ("太郎", "タロウ", "S55.4.2", "male", "世帯主"),
            ("花子", "ハナコ", "2030-09-15", "female", "妻"),  # the mistake: born after the move
            ("一郎", "イチロウ", "H22.1.20", "male", "子"),
        ],
    )
    page.get_by_role("button", name="入力内容を確認する").last.click()
    error = page.locator("#f-persons-1-date_of_birth-error")
    assert error.is_visible()
    assert "生年月日" in error.inner_text() and "転入日" in error.inner_text()
    field = page.locator("#f-persons-1-date_of_birth")
    assert field.get_attribute("aria-invalid") == "true"
    assert "f-persons-1-date_of_birth-error" in (field.get_attribute("aria-describedby") or "")
    summary = page.locator(".error-summary")
    assert summary.get_attribute("role") == "alert"
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert page.locator("#f-persons-0-name-given").input_value() == "太郎"  # nothing lost
    screenshot(page, "counter-move-in-error", full_page=False)
    summary.get_by_role("link").first.click()  # the summary's link leads to the field
    field.fill("S57.9.15")
    page.get_by_role("button", name="入力内容を確認する").last.click()
    page.get_by_role("button", name="記録する", exact=True).click()
    page.wait_for_url("**/counter/recorded/**")
    assert "転入届を記録しました" in page.get_by_role("status").inner_text()
    page.get_by_role("link", name="世帯を表示").first.click()
    page.wait_for_url("**/counter/households/**")
    rows = page.locator("tbody tr")
    assert rows.count() == 3
    relationships = [rows.nth(i).locator("td").nth(2).inner_text() for i in range(3)]
    assert relationships == ["世帯主", "妻", "子"]
    assert "昭和55年4月2日" in rows.nth(0).inner_text()
    screenshot(page, "counter-household")


def test_searching_finds_the_family_as_the_clerk_types(page: Any) -> None:
    sign_in(page)
    file_family(page, "検索", "ケンサク")
    page.goto("/counter/")
    page.get_by_label("フリガナ").press_sequentially("ケンサ", delay=40)
    results = page.locator("#results tbody tr")
    results.first.wait_for()
    assert results.count() == 3
    assert page.url.endswith("/counter/")  # no page load: the list came by fetch
    assert "3件見つかりました" in page.locator("#results-status").inner_text()
    screenshot(page, "counter-search")
    results.first.get_by_role("link").first.click()
    assert page.get_by_role("heading", name="異動履歴").is_visible()
    assert "転入" in page.locator("table").last.inner_text()
    assert "令和8年11月20日" in page.locator("table").last.inner_text()
    screenshot(page, "counter-person", full_page=True)


def test_search_works_without_javascript(browser: Any, server: Any) -> None:
    context = browser.new_context(base_url=server.url, java_script_enabled=False)
    page = context.new_page()
    sign_in(page)
    file_family(page, "無効", "ムコウ")
    page.goto("/counter/")
    page.get_by_label("フリガナ").fill("ムコウ")
    page.get_by_role("button", name="検索", exact=True).click()
    assert page.locator("#results tbody tr").count() == 3
    context.close()


def test_splitting_the_household(page: Any) -> None:
    sign_in(page)
    household_url = file_family(page, "分離", "ブンリ")
    page.get_by_role("link", name="世帯分離届").click()
    page.locator("#f-effective_date").fill("R8.11.25")
    page.get_by_label("分離 夏美（子）").check()
    page.get_by_label("新しい世帯の世帯主").select_option(label="分離　夏美（子）")
    screenshot(page, "counter-household-split", full_page=True)
    page.get_by_role("button", name="入力内容を確認する").click()
    page.get_by_role("button", name="記録する", exact=True).click()
    page.wait_for_url("**/counter/recorded/**")
    page.get_by_role("link", name="世帯を表示").first.click()  # 夏美's: the new household
    page.wait_for_url("**/counter/households/**")
    assert page.url.split("?")[0] != household_url.split("?")[0]  # the new household
    rows = page.locator("tbody tr")
    assert rows.count() == 1 and "世帯主" in rows.first.inner_text()
    page.goto(household_url.split("?")[0])
    assert page.locator("tbody tr").count() == 2


def test_a_stale_household_form_gets_a_clear_conflict_message_and_the_fresh_data(
    browser: Any, server: Any, page: Any
) -> None:
    sign_in(page)
    household_url = file_family(page, "競合", "キョウゴウ").split("?")[0]
    page.goto(household_url + "/head_change")  # the clerk opens the form at version 1 …
    other = browser.new_context(base_url=server.url)
    colleague = other.new_page()
    sign_in(colleague, "kakaricho-ito")
    colleague.goto(household_url + "/household_split")  # … and a colleague splits first
    colleague.locator("#f-effective_date").fill("R8.11.25")
    colleague.get_by_label("競合 夏美（子）").check()
    colleague.get_by_label("新しい世帯の世帯主").select_option(label="競合　夏美（子）")
    colleague.get_by_role("button", name="入力内容を確認する").click()
    colleague.get_by_role("button", name="記録する", exact=True).click()
    colleague.wait_for_url("**/counter/recorded/**")
    other.close()
    page.locator("#f-effective_date").fill("R8.11.26")
    page.get_by_label("新しい世帯主").select_option(label="競合　春子（妻）")
    page.get_by_label("競合　春子さんの続柄").fill("世帯主")
    page.get_by_label("競合　一郎さんの続柄").fill("夫")
    page.get_by_role("button", name="入力内容を確認する").click()
    conflict = page.locator(".conflict")
    assert "他の職員がこの世帯を先に更新しました" in conflict.inner_text()
    assert page.locator("caption").first.inner_text().endswith("（版 2）")
    assert page.locator("table").first.locator("tbody tr").count() == 2  # fresh members
    assert page.locator("#f-effective_date").input_value() == "R8.11.26"  # kept


def test_the_card_reader_fills_the_move_in_form(page: Any) -> None:
    sign_in(page)
    page.goto("/counter/notifications/move_in")
    card = {
        "name": "高橋　健太",
        "name_kana": "タカハシ　ケンタ",
        "date_of_birth": "平成2年6月15日",
        "sex": "男",
        "address": "東京都千代田区千代田1-1　パレス101",
    }
    page.get_by_label("カードの読み取り結果（JSON）").fill(json.dumps(card, ensure_ascii=False))
    page.get_by_role("button", name="カード読み取り").click()
    assert "カードの内容を入力しました" in page.get_by_role("status").inner_text()
    assert page.locator("#f-persons-0-name-family").input_value() == "高橋"
    assert page.locator("#f-persons-0-name-given").input_value() == "健太"
    assert page.locator("#f-persons-0-name-given_kana").input_value() == "ケンタ"
    assert page.locator("#f-persons-0-date_of_birth").input_value() == "1990-06-15"
    assert page.locator("#f-persons-0-sex").input_value() == "male"
    assert page.locator("#f-previous_address-municipality").input_value() == "千代田区"
    assert page.locator("#f-previous_address-block").input_value() == "1-1"
    assert page.locator("#f-previous_address-building").input_value() == "パレス101"
    assert page.evaluate("document.activeElement.id") == "f-persons-0-name-family"
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "counter-card-reader")
    # The clerk confirms and adds what the card does not carry.
    page.locator("#f-effective_date").fill("R8.11.20")
    page.locator("#f-address-town").fill("大字的場")
    page.locator("#f-address-block").fill("9-9")
    page.locator("#f-persons-0-relationship").fill("世帯主")
    page.locator("#f-persons-0-name-given").press("Enter")  # Enter reviews, not re-reads
    page.get_by_role("button", name="記録する", exact=True).click()
    page.wait_for_url("**/counter/recorded/**")
    assert "高橋　健太" in page.locator("tbody").inner_text()


def focused(page: Any) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {id: el.id, tag: el.tagName, text: (el.innerText || el.value || '').trim(),
                    label: el.getAttribute('aria-label') || '',
                    outline: style.outlineStyle, width: parseFloat(style.outlineWidth)};
        }"""
    )
    return result


def test_keyboard_only_sign_in_and_search(browser: Any, server: Any, page: Any) -> None:
    setup = browser.new_context(base_url=server.url)
    clerk = setup.new_page()
    sign_in(clerk)
    file_family(clerk, "鍵盤", "ケンバン")
    setup.close()
    page.goto("/counter/login")
    assert focused(page)["id"] == "f-staff_id"  # the first input has focus on arrival
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "f-password"
    page.keyboard.press("Tab")
    button = focused(page)
    assert button["text"] == "ログイン" and button["outline"] == "solid" and button["width"] >= 2
    for _ in range(4):  # back past the inputs and the site name to the skip link
        page.keyboard.press("Shift+Tab")
    skip = focused(page)
    assert skip["text"] == "本文へ移動" and skip["outline"] == "solid" and skip["width"] >= 2
    box = page.get_by_role("link", name="本文へ移動").bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0  # shown when focused
    screenshot(page, "counter-skip-link")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "f-staff_id"
    page.keyboard.type("clerk-sato")
    page.keyboard.press("Tab")
    page.keyboard.type("madoguchi-2026")
    page.keyboard.press("Enter")
    page.wait_for_url("**/counter/")
    assert focused(page)["id"] == "f-name"  # the search box has focus on arrival
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "f-kana"
    page.keyboard.type("ケンバン")
    page.locator("#results tbody tr").first.wait_for()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")  # back through the name box to the skip link and menu
    seen = []
    for _ in range(20):  # Tab forward until the first result's link
        page.keyboard.press("Tab")
        now = focused(page)
        seen.append(now["text"])
        if now["tag"] == "A" and "鍵盤" in now["text"]:
            break
    else:
        pytest.fail(f"no result link reached by Tab: {seen}")
    assert seen.index("検索") < len(seen) - 1  # the form comes before the results
    assert focused(page)["outline"] == "solid"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/counter/residents/.*"))
    assert page.get_by_role("heading", name="異動履歴").is_visible()
